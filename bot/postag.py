"""Word classes for the few decisions that need them (the thing a what/which question asks for,
bot/trust.py), from jieba's own dictionary, kept compact.

`jieba.posseg` would do it, but it holds its tag table as a dict of 349,000 words and imports a
character-state HMM for unknown words: about 100 MB of a running app's memory (measured with
eval/bench_ask.py). Here the same dictionary's words sit in one sorted UTF-8 blob with an offset
array and one byte of class per word (about 5 MB), looked up by binary search. Text is cut by
the same tokenizer without its HMM, so a run the dictionary does not know falls apart into single
characters, which it does know; on the 681 gold questions the head nouns found are those
jieba.posseg finds but for two, where it took 报…备案 for the thing asked in 什么时候报…备案.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .keywords import user_words

# One byte per word: the classes asked_targets tells apart.
NOUN, ABBREVIATION, VERBAL_NOUN, VERB, NUMERAL, OTHER = b"NJGVMO"
_FLAGS = {NOUN: "n", ABBREVIATION: "j", VERBAL_NOUN: "vn", VERB: "v", NUMERAL: "m", OTHER: "x"}


def _code(tag: str) -> int:
    if tag.startswith("n"):
        return NOUN
    return {"j": ABBREVIATION, "vn": VERBAL_NOUN, "v": VERB, "m": NUMERAL}.get(tag, OTHER)


class WordClasses:
    """jieba's dictionary tags, with the domain dictionary's, in about 5 MB."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        entries: dict[bytes, int] = {}
        with tokenizer.get_dict_file() as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3:
                    entries[parts[0]] = _code(parts[2].decode("ascii", "replace"))
        for word, _, tag in user_words():
            if tag:
                entries[word.encode("utf-8")] = _code(tag)
        words = sorted(entries)
        self._blob = b"\n".join(words) + b"\n"
        lengths = np.fromiter((len(w) + 1 for w in words), dtype=np.int64, count=len(words))
        self._starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int32)
        self._codes = bytes(entries[w] for w in words)

    def code(self, word: str) -> int | None:
        key = word.encode("utf-8")
        blob, starts = self._blob, self._starts
        lo, hi = 0, len(starts)
        while lo < hi:
            mid = (lo + hi) // 2
            start = int(starts[mid])
            found = blob[start : blob.index(b"\n", start)]
            if found < key:
                lo = mid + 1
            elif found > key:
                hi = mid
            else:
                return self._codes[mid]
        return None

    def flag(self, word: str) -> str:
        """A jieba-style flag for the classes kept: n, j, vn, v, m or x. A word the dictionary
        holds without a tag is x, as jieba.posseg has it; one it lacks (Latin letters, say) is n."""
        code = self.code(word)
        if code is not None:
            return _FLAGS[code]
        return "x" if self.tokenizer.FREQ.get(word) else "n"

    def tagged(self, text: str) -> list[tuple[str, str]]:
        return [(w, self.flag(w)) for w in self.tokenizer.lcut(text, HMM=False)]


@lru_cache(maxsize=1)
def word_classes() -> WordClasses:
    from .keywords import _tokenizer

    tokenizer = _tokenizer()
    tokenizer.check_initialized()
    return WordClasses(tokenizer)
