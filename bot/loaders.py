"""Read one source file (txt, md, docx, pdf, html) into plain text.

The segmenter that runs next finds clauses by the numbering at the start of lines (一、 （一） 1.
第三条), so every reader here keeps one paragraph per line and keeps that numbering. A bad file
never raises a library exception: it becomes a DocumentError with a Chinese reason, so indexing
can skip it and go on. Traditional→simplified conversion and similar clean-up happen later.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import DocumentError

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")

_FORMATS = {".txt": "txt", ".md": "md", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}

REASON_EMPTY = "文件为空"
REASON_BINARY = "不是文本文件（疑似二进制内容）"
REASON_UNDECODABLE = "无法识别文件的文字编码（不是 UTF-8，也不是 GBK/GB18030），请另存为 UTF-8 文本"
REASON_NOT_FOUND = "文件不存在"
REASON_IS_DIRECTORY = "这是一个文件夹，不是文件"
REASON_NO_PERMISSION = "没有读取权限，请检查文件权限"
REASON_BAD_DOCX = "docx 文件已损坏或不是 Word 文档"
REASON_OLE_DOCX = REASON_BAD_DOCX + "（疑似旧版 .doc 或已加密，请用 Word 另存为未加密的 .docx）"
REASON_DOCX_NO_TEXT = "docx 文件中没有文字"
REASON_BAD_PDF = "PDF 文件已损坏或不是有效的 PDF"
REASON_TRUNCATED_PDF = "PDF 文件不完整（可能下载或复制未完成），请重新获取原文件"
REASON_ENCRYPTED_PDF = "PDF 文件已加密，请先去除密码保护再放入"
REASON_PDF_NEEDS_CRYPTO = "PDF 文件使用 AES 加密，读取需要安装 cryptography 包（pip install cryptography）"
REASON_PDF_NO_TEXT = "PDF 中没有可提取的文字（可能是扫描件）"
REASON_HTML_NO_TEXT = "网页中没有可提取的正文文字"

_NO_TEXT_REASONS = {
    "txt": REASON_EMPTY,
    "md": REASON_EMPTY,
    "docx": REASON_DOCX_NO_TEXT,
    "pdf": REASON_PDF_NO_TEXT,
    "html": REASON_HTML_NO_TEXT,
}


@dataclass(frozen=True)
class RawDocument:
    path: Path
    text: str
    fmt: str  # "txt", "md", "docx", "pdf" or "html" (for .htm too)
    encoding: str | None  # codec the text was decoded with; None for docx and pdf


def read_document(path: Path) -> RawDocument:
    """Read one file into text, or raise DocumentError saying in Chinese why it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise DocumentError(path, _unsupported_reason(suffix))
    fmt = _FORMATS[suffix]
    data = _read_bytes(path)
    if not data:
        raise DocumentError(path, REASON_EMPTY)
    try:
        text, encoding = _READERS[fmt](path, data)
    except DocumentError:
        raise
    except Exception as exc:  # a parser choked in a way we did not foresee: still only this file fails
        raise DocumentError(path, f"文件无法解析（{type(exc).__name__}: {exc}）") from exc
    text = _tidy(text)
    if not text.strip():
        raise DocumentError(path, _NO_TEXT_REASONS[fmt])
    return RawDocument(path=path, text=text, fmt=fmt, encoding=encoding)


def _unsupported_reason(suffix: str) -> str:
    if suffix == ".doc":
        return "旧版 Word（.doc）文件无法读取，请用 Word 另存为 .docx"
    shown = suffix or "无扩展名"
    return f"不支持的文件格式（{shown}），支持：txt、md、docx、pdf、html、htm"


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise DocumentError(path, REASON_NOT_FOUND) from exc
    except IsADirectoryError as exc:
        raise DocumentError(path, REASON_IS_DIRECTORY) from exc
    except PermissionError as exc:
        raise DocumentError(path, REASON_NO_PERMISSION) from exc
    except OSError as exc:
        raise DocumentError(path, f"读取文件失败（{exc.strerror or exc}）") from exc


# ---------------------------------------------------------------- output clean-up

# C0 controls other than tab/newline never carry content, and a stray NUL breaks SQLite and Chroma.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _tidy(text: str) -> str:
    """Unify newlines (\\f is a page break in text exports), drop trailing spaces and edge blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = _CONTROL_CHARS.sub("", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _collapse_blank_lines(text: str) -> str:
    return re.sub(r"\n[ \t]*(?:\n[ \t]*)+\n", "\n\n", text)


def _drop_blank_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if line.strip())


# ---------------------------------------------------------------- text decoding

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
    b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"%PDF-", b"\xd0\xcf\x11\xe0",
    b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!", b"\x7fELF",
)
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c\x1b")
_BINARY_SAMPLE = 8192

_CHINESE_CODECS = ("gb18030", "big5hkscs")
# GB2312 and GBK pages are decoded as GB18030, their superset: pages labelled gb2312 often use GBK.
_CHARSET_ALIASES = {
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
    "gb_2312-80": "gb18030", "euc-cn": "gb18030", "csgb2312": "gb18030", "windows-936": "gb18030",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "x-x-big5": "big5hkscs", "cp950": "big5hkscs",
    "utf8": "utf-8",
}


def _decode_text(path: Path, data: bytes, declared: str | None = None) -> tuple[str, str]:
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


def _normalise_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


# ---------------------------------------------------------------- .txt and .md

def _read_txt(path: Path, data: bytes) -> tuple[str, str]:
    return _decode_text(path, data)


def _read_md(path: Path, data: bytes) -> tuple[str, str]:
    text, encoding = _decode_text(path, data)
    return _collapse_blank_lines(_strip_markdown(_tidy(text))), encoding


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
            return lines[index + 1:]
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


# ---------------------------------------------------------------- .docx

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _read_docx(path: Path, data: bytes) -> tuple[str, None]:
    if data.startswith(_OLE_SIGNATURE):  # .doc, or a password-protected .docx (also an OLE container)
        raise DocumentError(path, REASON_OLE_DOCX)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document))
    except Exception as exc:  # python-docx raises zip, XML, KeyError, ValueError… for broken files
        raise DocumentError(path, REASON_BAD_DOCX) from exc
    return _drop_blank_lines("\n".join(lines)), None


def _docx_lines(document):
    """Body paragraphs and tables in document order; each table row is one line of tab-joined cells."""
    from docx.table import Table

    numbering = _DocxNumbering(document)
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield from _docx_table_lines(block)
        else:
            yield numbering.label(block) + block.text


def _docx_table_lines(table):
    from docx.table import _Cell

    for row in table.rows:
        cells = []
        for tc in row._tr.tc_lst:  # one <w:tc> per merged cell, unlike row.cells which repeats it
            if tc.vMerge == "continue":  # covered by the cell above: its text is already there
                cells.append("")
                continue
            cell = _Cell(tc, table)
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
        yield "\t".join(cells)


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NUMBERING_RELTYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering"


def _w(tag: str) -> str:
    return f"{{{_W_NS}}}{tag}"


def _w_val(element, path: str) -> str | None:
    found = element.find(path) if element is not None else None
    return None if found is None else found.get(_w("val"))


@dataclass(frozen=True)
class _Level:
    fmt: str
    text: str
    start: int
    suffix: str
    legal: bool  # isLgl: referenced levels are shown as plain decimals (1.1, not 一.1)


class _DocxNumbering:
    """Render Word's automatic list numbers (一、 第一条 1.), which are not in the paragraph text.

    Word draws them from numbering.xml; without them a policy drafted with automatic numbering
    reaches the segmenter with no clause numbers at all.
    """

    def __init__(self, document):
        self._levels: dict[str, dict[int, _Level]] = {}  # numId -> ilvl -> level
        self._list_of: dict[str, str] = {}  # numId -> abstractNumId: instances share one counter
        self._restarts: dict[str, dict[int, int]] = {}  # numId -> ilvl -> startOverride
        self._counters: dict[str, dict[int, int]] = {}  # abstractNumId -> ilvl -> current number
        self._started: set[str] = set()
        self._style_numbering = _docx_style_numbering(document)
        root = _docx_numbering_root(document)
        if root is not None:
            self._load(root)

    def _load(self, root) -> None:
        abstracts = {a.get(_w("abstractNumId")): a for a in root.iter(_w("abstractNum"))}
        for num in root.iter(_w("num")):
            num_id = num.get(_w("numId"))
            abstract_id = _w_val(num, _w("abstractNumId"))
            abstract = self._follow_style_link(abstracts, abstracts.get(abstract_id))
            if abstract is None:
                continue
            levels = {int(lvl.get(_w("ilvl"), "0")): _docx_level(lvl) for lvl in abstract.iter(_w("lvl"))}
            for override in num.iter(_w("lvlOverride")):
                ilvl = int(override.get(_w("ilvl"), "0"))
                replacement = override.find(_w("lvl"))
                if replacement is not None:
                    levels[ilvl] = _docx_level(replacement)
                start = _w_val(override, _w("startOverride"))
                if start is not None and start.lstrip("-").isdigit():
                    self._restarts.setdefault(num_id, {})[ilvl] = int(start)
            self._levels[num_id] = levels
            self._list_of[num_id] = abstract.get(_w("abstractNumId"))

    def _follow_style_link(self, abstracts, abstract):
        """A list defined through a numbering style keeps its levels in the abstractNum the style uses."""
        link = _w_val(abstract, _w("numStyleLink"))
        if link is None:
            return abstract
        style_num = self._style_numbering.get(link, (None, None))[0]
        root = abstract.getparent()
        for num in root.iter(_w("num")):
            if num.get(_w("numId")) == style_num:
                target = abstracts.get(_w_val(num, _w("abstractNumId")))
                if target is not None and target.find(_w("lvl")) is not None:
                    return target
        return abstract

    def label(self, paragraph) -> str:
        num_id, ilvl = self._numbering_of(paragraph)
        levels = self._levels.get(num_id or "")
        if not levels or ilvl not in levels or levels[ilvl].fmt == "bullet":
            return ""  # bullets are decoration, not numbering the segmenter needs
        counters = self._advance(num_id, ilvl, levels)
        level = levels[ilvl]
        text = re.sub(r"%([1-9])", lambda m: self._format_ref(int(m.group(1)) - 1, counters, levels, level), level.text)
        if not text:
            return ""
        return text + _docx_suffix(text, level.suffix)

    def _numbering_of(self, paragraph) -> tuple[str | None, int]:
        style_num, style_lvl = self._style_numbering.get(_docx_style_id(paragraph), (None, None))
        num_pr = paragraph._p.find(f"{_w('pPr')}/{_w('numPr')}")
        num_id = _w_val(num_pr, _w("numId")) or style_num
        ilvl = _w_val(num_pr, _w("ilvl"))
        if num_id in (None, "0"):  # numId 0 switches off numbering inherited from the style
            return None, 0
        return num_id, int(ilvl if ilvl is not None else (style_lvl or 0))

    def _advance(self, num_id: str, ilvl: int, levels: dict[int, _Level]) -> dict[int, int]:
        counters = self._counters.setdefault(self._list_of[num_id], {})
        if num_id not in self._started:  # a startOverride restarts the shared list at this instance
            self._started.add(num_id)
            for restart_lvl in self._restarts.get(num_id, {}):
                counters.pop(restart_lvl, None)
        if ilvl in counters:
            counters[ilvl] += 1
        else:
            counters[ilvl] = self._restarts.get(num_id, {}).get(ilvl, levels[ilvl].start)
        for deeper in [lvl for lvl in counters if lvl > ilvl]:
            del counters[deeper]  # a new 一、 restarts its （一） at the first number
        return counters

    @staticmethod
    def _format_ref(ref: int, counters: dict[int, int], levels: dict[int, _Level], level: _Level) -> str:
        ref_level = levels.get(ref)
        if ref_level is None:
            return ""
        value = counters.get(ref, ref_level.start)
        return _format_number(value, "decimal" if level.legal else ref_level.fmt)


def _docx_numbering_root(document):
    for rel in document.part.rels.values():
        if rel.reltype == _NUMBERING_RELTYPE and not rel.is_external:
            return rel.target_part.element
    return None


def _docx_level(lvl) -> _Level:
    start = _w_val(lvl, _w("start")) or "0"
    return _Level(
        fmt=_w_val(lvl, _w("numFmt")) or "decimal",
        text=_w_val(lvl, _w("lvlText")) or "",
        start=int(start) if start.lstrip("-").isdigit() else 0,
        suffix=_w_val(lvl, _w("suff")) or "tab",
        legal=lvl.find(_w("isLgl")) is not None,
    )


def _docx_style_id(paragraph) -> str | None:
    return _w_val(paragraph._p.find(_w("pPr")), _w("pStyle"))


def _docx_style_numbering(document) -> dict[str, tuple[str | None, int | None]]:
    """styleId -> (numId, ilvl) a paragraph of that style gets, following basedOn chains."""
    styles = {}
    try:
        root = document.styles.element
    except Exception:  # a docx without a styles part simply has no style numbering
        return {}
    for style in root.iter(_w("style")):
        num_pr = style.find(f"{_w('pPr')}/{_w('numPr')}")
        ilvl = _w_val(num_pr, _w("ilvl"))
        styles[style.get(_w("styleId"))] = (
            _w_val(num_pr, _w("numId")),
            int(ilvl) if ilvl and ilvl.isdigit() else None,
            _w_val(style, _w("basedOn")),
        )
    resolved = {}
    for style_id in styles:
        current, seen = style_id, set()
        while current in styles and current not in seen:
            seen.add(current)
            num_id, ilvl, based_on = styles[current]
            if num_id is not None:
                resolved[style_id] = (num_id, ilvl)
                break
            current = based_on
    return resolved


def _docx_suffix(label: str, suffix: str) -> str:
    """Word puts a tab after the number by default; '一、' needs nothing after it, '第一条' a space."""
    if suffix == "nothing" or label[-1] in "、．）)」】：:":
        return ""
    return " "


_CHINESE_DIGITS = "零一二三四五六七八九"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
          (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _format_number(value: int, fmt: str) -> str:
    if value < 0:
        return str(value)
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting",
               "taiwaneseCounting", "taiwaneseCountingThousand", "chineseLegalSimplified"):
        return _chinese_number(value)
    if fmt == "ideographDigital":
        return "".join(_CHINESE_DIGITS[int(d)] for d in str(value))
    if fmt in ("ideographTraditional",) and 1 <= value <= 10:
        return _HEAVENLY_STEMS[value - 1]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= value <= 20:
        return chr(0x2460 + value - 1)
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(ord(d) + 0xFEE0) for d in str(value))
    if fmt == "decimalZero":
        return f"{value:02d}"
    if fmt in ("lowerLetter", "upperLetter") and value >= 1:
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter if fmt == "lowerLetter" else letter.upper()
    if fmt in ("lowerRoman", "upperRoman") and value >= 1:
        roman = _roman(value)
        return roman if fmt == "lowerRoman" else roman.upper()
    if fmt == "none":
        return ""
    return str(value)


def _chinese_number(value: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五: how 第X条 and X、 are written."""
    if value < 10:
        return _CHINESE_DIGITS[value]
    if value >= 10000:
        return str(value)
    parts = []
    pending_zero = False
    for unit_value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // unit_value % 10
        if digit == 0:
            pending_zero = bool(parts)
            continue
        if pending_zero:
            parts.append("零")
            pending_zero = False
        parts.append(_CHINESE_DIGITS[digit] + unit)
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def _roman(value: int) -> str:
    out = []
    for number, numeral in _ROMAN:
        while value >= number:
            out.append(numeral)
            value -= number
    return "".join(out)


# ---------------------------------------------------------------- .pdf

# Page furniture is looked for only among the first and last lines of each page.
_EDGE_LINES = 3
_PAGE_NUMBER = re.compile(
    r"""^(?:
        [-－—–─~～\s]*\d+[-－—–─~～\s]*                                 # 3   - 3 -   — 3 —
      | 第\s*[\d一二三四五六七八九十百零〇]+\s*页(?:\s*[,，/／]?\s*共\s*\d+\s*页)?  # 第 3 页  第3页 共10页
      | 共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页                            # 共10页 第3页
      | \d+\s*[/／]\s*\d+                                                # 3/10
      | (?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?                         # Page 3 of 10
    )$""",
    re.VERBOSE | re.IGNORECASE,
)
# Clause numbering that starts a new paragraph, so the line before it is never joined to it.
_NUMBERING = re.compile(
    r"""^\s*(?:
        [一二三四五六七八九十百]+[、．.]
      | [（(][一二三四五六七八九十百\d]+[）)]
      | \d+(?:\.\d+)*[.．、](?!\d)
      | \d+\.\d+(?:\.\d+)*\s
      | \d{1,2}\s+(?=\S)
      | 第[一二三四五六七八九十百千零〇两\d]+[编章节条款项部分]
      | [①-⑳⑴-⒇]
      | [•·▪●○■□◆◇]
      | 附件|附表|附录
    )""",
    re.VERBOSE,
)
_SENTENCE_END = "。；：！？;:!?.…"
_CLOSING_BRACKETS = "）)】〕］]》〉」』"
_CLOSING_QUOTES = "”’\"'"
# A line can never start a paragraph with these, so it always continues the line before.
_CONTINUATION_START = "，。、；：！？）》」』”,.;:!?)"
# A line shorter than this share of a full line ended before the margin: a heading, not a wrap.
_FULL_LINE_SHARE = 0.75


def _read_pdf(path: Path, data: bytes) -> tuple[str, None]:
    reader = _open_pdf(path, data)
    pages = [_pdf_page_lines(path, number, page) for number, page in enumerate(reader.pages, start=1)]
    if not any(line.strip() for lines in pages for line in lines):
        raise DocumentError(path, REASON_PDF_NO_TEXT)
    pages = _drop_page_furniture(pages)
    return "\n".join(_rejoin_broken_lines([line for lines in pages for line in lines])), None


def _open_pdf(path: Path, data: bytes):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    if b"%PDF-" not in data[:1024]:
        raise DocumentError(path, REASON_BAD_PDF)
    # pypdf quietly rebuilds a cut-off file and returns part of it; half a policy is worse than none.
    if b"%%EOF" not in data.rstrip(b"\x00 \t\r\n")[-1024:]:
        raise DocumentError(path, REASON_TRUNCATED_PDF)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many official PDFs only carry an owner password (no printing/copying) and open with "".
            if not reader.decrypt(""):
                raise DocumentError(path, REASON_ENCRYPTED_PDF)
        len(reader.pages)
    except DocumentError:
        raise
    except DependencyError as exc:
        raise DocumentError(path, REASON_PDF_NEEDS_CRYPTO) from exc
    except Exception as exc:  # pypdf raises PdfReadError, ValueError, KeyError… on broken files
        raise DocumentError(path, REASON_BAD_PDF) from exc
    return reader


def _pdf_page_lines(path: Path, number: int, page) -> list[str]:
    try:
        text = page.extract_text() or ""
    except Exception as exc:
        raise DocumentError(path, f"PDF 第 {number} 页无法解析（文件可能已损坏）") from exc
    # Blank lines in extracted text are layout (often just the page end), and would stop the re-join.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line.rstrip() for line in lines if line.strip()]


def _drop_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and running headers/footers, which would cut sentences at page breaks."""
    running = _running_lines(pages)
    return [_strip_page_edges(lines, running) for lines in pages]


def _edge_indexes(lines: list[str]) -> set[int]:
    filled = [index for index, line in enumerate(lines) if line.strip()]
    return set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])


def _furniture_key(line: str) -> str:
    """Compare headers without spaces and digits, so '报告 第3页' and '报告 第4页' match."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines found at a page edge on most pages. Under three pages a repeat proves nothing."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_furniture_key(lines[i]) for i in _edge_indexes(lines) if _may_be_furniture(lines[i])})
    return {key for key, count in counts.items() if key and count * 2 > len(pages)}


def _may_be_furniture(line: str) -> bool:
    """A numbered line (第3条, 一、…) or a finished sentence is content even if alike on every page."""
    return not _NUMBERING.match(line) and line.rstrip()[-1] not in "。！？；"


def _strip_page_edges(lines: list[str], running: set[str]) -> list[str]:
    edges = _edge_indexes(lines)
    return [
        line for index, line in enumerate(lines)
        if index not in edges or not (_PAGE_NUMBER.match(line.strip()) or _furniture_key(line) in running)
    ]


def _rejoin_broken_lines(lines: list[str]) -> list[str]:
    """Join lines the PDF wrapped mid-sentence; Chinese needs no space at the join."""
    full_width = _full_line_width(lines)
    out: list[str] = []
    previous = ""  # the last physical line, not the joined paragraph: its width shows a wrap
    for line in lines:
        if out and _continues(previous, line, full_width):
            out[-1] = _join(out[-1], line.lstrip())
        else:
            out.append(line)
        previous = line
    return out


def _continues(previous: str, line: str, full_width: float) -> bool:
    if not previous.strip() or not line.strip():
        return False
    if line.lstrip()[0] in _CONTINUATION_START:
        return True
    if _ends_sentence(previous) or _NUMBERING.match(line):
        return False
    return _display_width(previous) >= full_width * _FULL_LINE_SHARE


def _ends_sentence(line: str) -> bool:
    line = line.rstrip()
    if line[-1] in _CLOSING_BRACKETS:
        return True
    inner = line.rstrip(_CLOSING_QUOTES)  # “……。” ends the sentence; “两个确立” may not
    return bool(inner) and inner[-1] in _SENTENCE_END


def _join(left: str, right: str) -> str:
    """English words and numbers keep a space between them; Chinese characters do not."""
    if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line.strip())


def _full_line_width(lines: list[str]) -> float:
    """The width of a full line: most body lines run to the margin, so take a high percentile."""
    widths = sorted(_display_width(line) for line in lines if line.strip())
    if not widths:
        return 0.0
    return widths[int(0.9 * (len(widths) - 1))]


# ---------------------------------------------------------------- .html / .htm

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)
_HTML_DROP = ("script", "style", "noscript", "nav", "template", "svg", "select", "iframe", "aside", "head")
# A page-level <header>/<footer> is site chrome; inside <article>/<main> it holds the article title.
_HTML_CHROME = ("header", "footer")
_HTML_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HTML_BLOCKS = frozenset(
    "p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table thead tbody tfoot caption section article "
    "main blockquote pre hr form fieldset address figure figcaption center details summary body".split()
)
_HTML_CELLS = frozenset(("td", "th"))
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_LINE_BREAK = object()
_CELL_BREAK = object()


def _read_html(path: Path, data: bytes) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    text, encoding = _decode_text(path, data, declared=_declared_charset(data))
    soup = BeautifulSoup(text, "lxml")
    _drop_non_content(soup)
    return _html_text(soup.body or soup), encoding


def _declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return _normalise_charset(match.group(1).decode("ascii", "ignore")) if match else None


def _drop_non_content(soup) -> None:
    doomed = list(soup.find_all(_HTML_DROP))
    doomed += [tag for tag in soup.find_all(_HTML_CHROME) if tag.find_parent(("article", "main")) is None]
    doomed += soup.find_all(style=_HTML_HIDDEN_STYLE) + soup.find_all(hidden=True)
    for tag in doomed:
        if not tag.decomposed:
            tag.decompose()


def _html_text(root) -> str:
    """Text with block elements as line breaks and table cells joined by tabs, like the docx reader."""
    from bs4 import CData, NavigableString

    parts: list[str] = []
    stack: list[object] = [root]  # iterative: deeply nested pages must not hit the recursion limit
    while stack:
        node = stack.pop()
        if node is _LINE_BREAK:
            parts.append("\n")
        elif node is _CELL_BREAK:
            parts.append("\t")
        elif isinstance(node, NavigableString):
            if type(node) in (NavigableString, CData):  # skip comments, doctype, processing instructions
                parts.append(_collapse_html_space(str(node)))
        elif node.name == "br":
            parts.append("\n")
        elif node.name == "pre":
            parts.append("\n" + node.get_text() + "\n")
        else:
            block = node.name in _HTML_BLOCKS
            if node.name in _HTML_CELLS:
                parts.append("\t")
            if block:
                parts.append("\n")
                stack.append(_LINE_BREAK)
            stack.extend(reversed(list(node.children)))
    return _drop_blank_lines("\n".join(_clean_html_line(line) for line in "".join(parts).split("\n")))


def _collapse_html_space(text: str) -> str:
    """Source line breaks render as a space, but between two Chinese characters they are nothing."""

    def replace(match: re.Match) -> str:
        before = match.string[match.start() - 1] if match.start() else ""
        after = match.string[match.end()] if match.end() < len(match.string) else ""
        if "\n" in match.group() and _is_cjk(before) and _is_cjk(after):
            return ""
        return " "

    return _HTML_SPACE.sub(replace, text)


def _is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef")


def _clean_html_line(line: str) -> str:
    cells = [cell.strip(" ") for cell in line.split("\t")]
    return "\t".join(cells).strip("\t ")


_READERS = {"txt": _read_txt, "md": _read_md, "docx": _read_docx, "pdf": _read_pdf, "html": _read_html}
