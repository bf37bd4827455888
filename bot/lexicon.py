"""Chinese word vectors for telling a reworded question from one about something else.

A question's words that the loaded texts never use are the strongest sign that it asks about
something they do not cover, unless a word of the texts means nearly the same (钟头 ~ 小时,
标准 ~ 基准). The vectors that say so are the 125,796 × 100 word2vec table inside the PyPI
package `synonyms` 3.10.2 (MIT; later versions download theirs, so the Makefile pins this one and
installs it without its dependencies). It is read once into a NumPy file in the model cache and
memory-mapped from there, so a process pays for it only in the pages it touches.
"""

from __future__ import annotations

import importlib.util
import mmap
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import EmbeddingModelError

PACKAGE = "synonyms"
VERSION_DIR = "synonyms-w2v-3.10.2"
_UNSEEN = object()
WORDS_KEPT = 4096  # question words whose vectors are kept (Lexicon.vector)
INSTALL_HINT = "请运行 make install（或 pip install --no-deps synonyms==3.10.2）"


def _source() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # found, not imported: the package loads and prints at import
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelError(f"缺少词向量包 synonyms，{INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "words.vector"
    if not path.is_file():
        raise EmbeddingModelError(f"词向量文件 {path} 不存在，{INSTALL_HINT}")
    return path


def _convert(source: Path, target: Path) -> None:
    """word2vec binary (a header line, then `word vector` records) → words.txt + vectors.npy."""
    with open(source, "rb") as fh:
        count, dim = map(int, fh.readline().split())
        data = fh.read()
    words, vectors, pos = [], np.empty((count, dim), np.float32), 0
    for i in range(count):
        space = data.index(b" ", pos)
        words.append(data[pos:space].strip(b"\n").decode("utf-8", "replace"))
        vectors[i] = np.frombuffer(data, np.float32, dim, space + 1)
        pos = space + 1 + 4 * dim
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    np.save(tmp / "vectors.npy", vectors)
    (tmp / "words.txt").write_text("\n".join(w.replace("\n", " ") for w in words), encoding="utf-8")
    os.replace(tmp, target)


class Lexicon:
    """The word list is kept as one sorted array of UTF-8 bytes rather than a dict of 125,796 str
    keys, and the vectors are read through a mapping of the file opened for each read and closed
    after it: pages a read touched (every word of the texts, at start) do not stay in the process."""

    def __init__(self, folder: Path):
        self.path = folder / "vectors.npy"
        table = np.load(self.path, mmap_mode="r")
        self.shape, self.dtype, self._offset = table.shape, table.dtype, table.offset
        del table
        words = np.array((folder / "words.txt").read_text(encoding="utf-8").encode().split(b"\n"))
        self._order = np.argsort(words, kind="stable").astype(np.int32)
        self._sorted = words[self._order]
        self._recent: dict[str, np.ndarray | None] = {}

    @classmethod
    def open(cls, cache_dir: Path) -> Lexicon:
        from filelock import FileLock

        cache_dir = Path(cache_dir).expanduser()
        target = cache_dir / VERSION_DIR
        if not (target / "vectors.npy").is_file():
            cache_dir.mkdir(parents=True, exist_ok=True)
            with FileLock(cache_dir / f".{VERSION_DIR}.lock"):
                if not (target / "vectors.npy").is_file():
                    _convert(_source(), target)
        return cls(target)

    def __len__(self) -> int:
        return len(self._sorted)

    @property
    def dim(self) -> int:
        return self.shape[1]

    def _rows(self, words: list[str]) -> np.ndarray:
        """The table rows of the words it knows (unknown words are left out)."""
        if not words:
            return np.zeros(0, np.int64)
        wanted = np.array([w.encode() for w in words], dtype=self._sorted.dtype)
        at = np.minimum(np.searchsorted(self._sorted, wanted), len(self._sorted) - 1)
        # A word longer than the longest known one is cut by the fixed width: compare lengths too.
        found = (self._sorted[at] == wanted) & (np.char.str_len(wanted) == [len(w.encode()) for w in words])
        return self._order[at[found]].astype(np.int64)

    def _read(self, rows: np.ndarray) -> np.ndarray:
        with open(self.path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            table = np.frombuffer(mapped, self.dtype, self.shape[0] * self.shape[1], self._offset)
            out = table.reshape(self.shape)[rows]
            del table  # the mapping closes only when no array looks into it
        return out

    def __contains__(self, word: str) -> bool:
        return len(self._rows([word])) > 0

    def vectors_of(self, words: list[str]) -> np.ndarray:
        rows = np.sort(self._rows(words))
        return self._read(rows) if len(rows) else np.zeros((0, self.dim), np.float32)

    def vector(self, word: str) -> np.ndarray | None:
        """One word's vector (None if unknown). Question words recur (each question asks them of
        several clauses, officers ask alike), so the last few thousand are kept: 400 bytes each,
        and no file mapping opened for them again."""
        found = self._recent.get(word, _UNSEEN)  # one look-up: another thread may clear it
        if found is not _UNSEEN:
            return found
        rows = self._rows([word])
        found = self._read(rows)[0].copy() if len(rows) else None
        if len(self._recent) >= WORDS_KEPT:
            self._recent.clear()
        self._recent[word] = found
        return found

    def nearest(self, word: str, candidates: np.ndarray) -> float | None:
        """The highest cosine between the word and the candidates' vectors (None if unknown)."""
        if not len(candidates):
            return None
        vector = self.vector(word)
        return None if vector is None else float((candidates @ vector).max())


@lru_cache(maxsize=4)
def lexicon(cache_dir: str) -> Lexicon:
    """One lexicon per process and cache folder (it is read-only)."""
    return Lexicon.open(Path(cache_dir))
