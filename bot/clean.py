"""Text normalisation: what a raw capture needs before it can be segmented and cited.

Order matters: pinyin first (it sits right after a character, before OpenCC changes nothing
about it), then traditional→simplified and its fixes, then width, brackets and spaces.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜüńňǹḿ"
_SYLLABLE = rf"[a-zA-Z{_TONED}]+[1-5]?"
# A pinyin annotation: Latin syllables (with or without tone marks or tone digits) in round
# brackets, right after a Chinese character. Brackets holding Chinese or digits are real text.
_PINYIN = re.compile(rf"(?<=[{CJK}])\s?[（(]\s*{_SYLLABLE}(?:[\s'·-]+{_SYLLABLE})*\s*[)）]")

# ASCII punctuation that sits next to Chinese text is the capture's shorthand for the full-width
# form; the segmenter and the citations use the full-width one.
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_NEAR_CJK_PUNCT = re.compile(rf"(?<=[{CJK}）”》])([,:;!?])|([,:;!?])(?=[{CJK}（“《])")


def _data_lines(name: str) -> list[str]:
    text = resources.files("bot.data").joinpath(name).read_text(encoding="utf-8")
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _t2s_fixes() -> tuple[tuple[str, str], ...]:
    pairs = [tuple(ln.split("\t")[:2]) for ln in _data_lines("t2s_fixes.tsv")]
    return tuple(sorted(pairs, key=lambda p: -len(p[0])))


@lru_cache(maxsize=1)
def _furniture() -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p) for p in _data_lines("furniture.txt"))


@lru_cache(maxsize=1)
def _cantonese() -> tuple[re.Pattern, tuple[tuple[re.Pattern, str], ...]]:
    """The rules of cantonese.tsv, in file order, and the pattern of the Cantonese-only forms."""
    rules, markers = [], []
    for line in _data_lines("cantonese.tsv"):
        written, mandarin, *flag = line.split("\t")
        rules.append((re.compile(written), mandarin))
        if flag and flag[0].strip() == "marker":
            markers.append(written)
    return re.compile("|".join(markers)), tuple(rules)


def from_cantonese(text: str) -> str:
    """Written Cantonese (有冇、系咪、边个、几耐) in Mandarin words, so that it is searched, and what
    it asks is read, the way a Mandarin question is; text without a Cantonese-only form is
    returned unchanged (a Mandarin 系统 or 重点 is never touched)."""
    markers, rules = _cantonese()
    if not markers.search(text):
        return text
    for written, mandarin in rules:
        text = written.sub(mandarin, text)
    return text


def remove_pinyin(text: str) -> str:
    return _PINYIN.sub("", text)


def to_simplified(text: str) -> str:
    text = _converter().convert(text)
    for wrong, right in _t2s_fixes():
        text = text.replace(wrong, right)
    return text


def normalise_width(text: str) -> str:
    """Full-width letters, digits and spaces become ASCII; Chinese punctuation stays."""
    out = []
    for ch in text:
        code = ord(ch)
        if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
            out.append(chr(code - 0xFEE0))
        elif ch == "\u3000" or ch == "\xa0":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def normalise_brackets(text: str) -> str:
    """Round brackets around or beside Chinese become full-width; Latin-only ones stay."""

    def fix(match: re.Match) -> str:
        inner = match.group(1)
        before = text[match.start() - 1] if match.start() else ""
        if re.search(rf"[{CJK}]", inner) or re.match(rf"[{CJK}》”]", before) or re.fullmatch(r"[\d—\-–~年]+", inner):
            return f"（{inner}）"
        return match.group(0)

    text = re.sub(r"\(([^()\n]*)\)", fix, text)
    text = re.sub(r"（([^（）\n]*)\)", r"（\1）", text)
    text = re.sub(r"\(([^()（）\n]*)）", r"（\1）", text)
    return text


def normalise_spaces(line: str) -> str:
    line = line.strip()
    # Spaces between two Chinese characters or Chinese punctuation are layout, not text.
    line = re.sub(rf"(?<=[{CJK}\u3000-\u303f\uff00-\uffef])[ \t]+(?=[{CJK}\u3000-\u303f\uff00-\uffef])", "", line)
    line = re.sub(r"[ \t]{2,}", " ", line)
    return line


def normalise_punctuation(line: str) -> str:
    return _NEAR_CJK_PUNCT.sub(lambda m: _HALF_TO_FULL[m.group(1) or m.group(2)], line)


def is_furniture(line: str) -> bool:
    return any(p.search(line) for p in _furniture())


def strip_controls(text: str) -> str:
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"))


def clean_line(line: str) -> str:
    line = normalise_spaces(line)
    line = normalise_brackets(line)
    line = normalise_punctuation(line)
    return normalise_spaces(line)


def clean_text(raw: str) -> list[str]:
    """Raw document text → clean, simplified, non-empty lines without page furniture."""
    text = strip_controls(raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = remove_pinyin(text)
    text = to_simplified(text)
    text = normalise_width(text)
    lines = []
    for raw_line in text.split("\n"):
        line = clean_line(raw_line)
        if line and not is_furniture(line):
            lines.append(line)
    return lines


def normalise_query(text: str) -> str:
    """The same normalisation for a question, so that it matches the indexed text."""
    text = strip_controls(text)
    text = from_cantonese(to_simplified(normalise_width(remove_pinyin(text))))
    return clean_line(text.replace("\n", " "))
