"""Word's automatic list numbers (一、 第一条 1.), read from numbering.xml and styles.xml."""

from __future__ import annotations

import re
from dataclasses import dataclass

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


class DocxNumbering:
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
_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


def _format_number(value: int, fmt: str) -> str:
    if value < 0:
        return str(value)
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
        "taiwaneseCountingThousand",
        "chineseLegalSimplified",
    ):
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
