"""Plain text and Markdown: encoding detection (BOM, UTF-8, GB18030, Big5, a detector's guess)."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ..errors import DocumentError
from .cleanup import collapse_blank_lines, tidy
from .reasons import REASON_BINARY, REASON_UNDECODABLE

# UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Files that are surely not text even though they may be mostly ASCII (PDF) or short (PNG header).
_BINARY_SIGNATURES = (
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF8",
    b"PK\x03\x04",
    b"%PDF-",
    b"\xd0\xcf\x11\xe0",
    b"\x1f\x8b",
    b"7z\xbc\xaf",
    b"Rar!",
    b"\x7fELF",
)
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c\x1b")
_BINARY_SAMPLE = 8192

_CHINESE_CODECS = ("gb18030", "big5hkscs")
# GB2312 and GBK pages are decoded as GB18030, their superset: pages labelled gb2312 often use GBK.
_CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "csgb2312": "gb18030",
    "windows-936": "gb18030",
    "big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "utf8": "utf-8",
}


def decode_text(path: Path, data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode text bytes: BOM, UTF-8, a declared Chinese charset, GB18030, then a detector's guess."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            text = _try_decode(data, codec)
            if text is not None:
                return text, codec
            break
    if _looks_binary(data):
        raise DocumentError(path, REASON_BINARY)
    candidates = ["utf-8"]
    if declared in _CHINESE_CODECS:
        candidates.append(declared)
    for codec in candidates:
        text = _try_decode(data, codec)
        if text is not None:
            return text, codec
    chinese = _decode_chinese(data)
    if chinese is not None:
        return chinese
    # A declared non-Chinese charset (say windows-1252) decodes almost anything, so it comes after
    # the Chinese codecs: old Chinese sites often mislabel GBK pages as iso-8859-1.
    if declared and declared not in candidates:
        text = _try_decode(data, declared)
        if text is not None:
            return text, declared
    guessed = _guess_encoding(data)
    if guessed is not None:
        return guessed
    raise DocumentError(path, REASON_UNDECODABLE)


def _try_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _looks_binary(data: bytes) -> bool:
    """Text in UTF-8 or GB18030 never has NULs or many control bytes; images and archives do."""
    if data.startswith(_BINARY_SIGNATURES):
        return True
    sample = data[:_BINARY_SAMPLE]
    nuls = sample.count(0)
    controls = sum(1 for byte in sample if (byte < 0x20 and byte not in _TEXT_CONTROLS) or byte == 0x7F)
    return nuls > len(sample) * 0.01 or controls > len(sample) * 0.05


def _decode_chinese(data: bytes) -> tuple[str, str] | None:
    """Decode as GB18030 (superset of GBK/GB2312), unless the bytes are really Big5.

    Big5 byte pairs are also valid GB18030, but read that way the commonest Big5 characters turn
    into kana, Greek, pinyin letters and private-use codes. Only when that nonsense is plentiful,
    and the Big5 reading has none of it, is the file Big5: short GBK lines stay GBK.
    """
    text = _try_decode(data, "gb18030")
    if text is None:
        return None
    big5_text = _try_decode(data, "big5hkscs")
    if (
        big5_text is not None
        and _unlikely_share(text) >= _BIG5_GARBAGE_SHARE
        and _unlikely_share(big5_text) < _unlikely_share(text) / 10
    ):
        return big5_text, "big5hkscs"
    return text, "gb18030"


# Characters that show up when Big5 is read as GB18030 but are rare in real Chinese policy text.
_UNLIKELY_IN_CHINESE = re.compile(r"[\u0100-\u024f\u0370-\u04ff\u3040-\u30ff\u3100-\u312f\ue000-\uf8ff\ufe10-\ufe4f]")
_BIG5_GARBAGE_SHARE = 0.15


def _unlikely_share(text: str) -> float:
    non_ascii = sum(1 for ch in text if ord(ch) > 0x7F)
    return len(_UNLIKELY_IN_CHINESE.findall(text)) / non_ascii if non_ascii else 0.0


def _guess_encoding(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    return str(best), best.encoding


def normalise_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def read_txt(path: Path, data: bytes) -> tuple[str, str]:
    return decode_text(path, data)


def read_md(path: Path, data: bytes) -> tuple[str, str]:
    text, encoding = decode_text(path, data)
    return collapse_blank_lines(_strip_markdown(tidy(text))), encoding


_MD_FENCE = re.compile(r"^ {0,3}(```|~~~)")
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)")
_MD_HEADING_CLOSE = re.compile(r"[ \t]+#+[ \t]*$")
_MD_RULE = re.compile(r"^ {0,3}(?:=+|(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_MD_BULLET = re.compile(r"^[ \t]*[-*+][ \t]+(?:\[[ xX]\][ \t]+)?")
_MD_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_MD_LINK_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+")
_MD_TABLE_ROW = re.compile(r"^[ \t]*\|.*\|[ \t]*$")
_MD_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
# Escaped characters are parked in the Private Use Area while syntax is stripped, then restored.
_MD_PARK = 0xE000
_MD_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # image: keep the alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # link: keep the words, drop the target
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # reference link
    (re.compile(r"<((?:https?|ftp)://[^>\s]+)>"), r"\1"),  # autolink
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"~~(?=\S)(.+?)(?<=\S)~~"), r"\1"),
    (re.compile(r"(?<!\*)\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?!\*)"), r"\1"),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),  # _ is never emphasis inside a word
)


def _strip_markdown(text: str) -> str:
    """Remove Markdown markup but keep every content line, with its 一、/1./第三条 numbering, at line start."""
    lines = _drop_front_matter(text.split("\n"))
    out: list[str] = []
    in_code = False
    for line in lines:
        if _MD_FENCE.match(line):
            in_code = not in_code
            continue
        out.append(line if in_code else _strip_markdown_line(line))
    return "\n".join(line for line in out if line is not None)


def _drop_front_matter(lines: list[str]) -> list[str]:
    """A leading '---' … '---' block is YAML metadata for site generators, not policy text."""
    if not lines or lines[0].strip() != "---":
        return lines
    for index in range(1, min(len(lines), 40)):
        if lines[index].strip() in ("---", "..."):
            return lines[index + 1 :]
    return lines


def _strip_markdown_line(line: str) -> str | None:
    if _MD_RULE.match(line) or _MD_LINK_DEFINITION.match(line):
        return None
    if _MD_TABLE_ROW.match(line):
        if _MD_TABLE_RULE.match(line):
            return None
        line = "\t".join(cell.strip() for cell in line.strip().strip("|").split("|"))
    line = _MD_ESCAPE.sub(lambda m: chr(_MD_PARK + ord(m.group(1))), line)
    if _MD_HEADING.match(line):
        line = _MD_HEADING_CLOSE.sub("", _MD_HEADING.sub("", line))
    line = _MD_QUOTE.sub("", line)
    line = _MD_BULLET.sub("", line)
    for pattern, replacement in _MD_INLINE:
        line = pattern.sub(replacement, line)
    return re.sub("[\ue000-\ue07f]", lambda m: chr(ord(m.group()) - _MD_PARK), line)
