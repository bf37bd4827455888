"""Finding the facts a question can ask about in a clause's sentences.

Four kinds: dates and deadlines (2024年6月底前), numbers with their unit (60学时, 45分钟, 四级),
responsible bodies (省司法厅) and named systems and terms (粤执法, 一案一码, 《广东省行政检查办法》).
The term and body lists are data: bot/data/userdict.txt less bot/data/quiz_generic.txt, plus the
clause's own quoted terms and book titles; bot/data/quiz_bodies.txt plus the clause's responsible
units. Nothing here depends on other clauses, so a clause's facts change only when it does.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..records import ClauseRecord
from ..segment import cn_to_int

DATA = Path(__file__).resolve().parent.parent / "data"
LEXICON_FILES = ("userdict.txt", "quiz_generic.txt", "quiz_bodies.txt")

# A date needs a month or a 底/前: a bare "2025年" is usually part of a range such as 2023—2025年.
DATE = re.compile(
    r"(?<![\d—\-～至])((?:19|20)\d\d)年(?:(\d{1,2})月)?(?:(\d{1,2})日)?(底|末|初)?(前|以前|之前)?(?![\d—\-～])"
)
UNITS = (
    "个工作日",
    "工作日",
    "个学时",
    "学时",
    "分钟",
    "小时",
    "个月",
    "天",
    "周",
    "次",
    "级",
    "项",
    "%",
    "万元",
    "元",
)
CN_DIGITS = "一二两三四五六七八九十百"
NUMBER = re.compile(
    rf"(?<![\d.{CN_DIGITS}上下第同唯统单])(\d+(?:\.\d+)?|[{CN_DIGITS}]+)({'|'.join(map(re.escape, UNITS))})"
)
# Chinese numerals only with units that take them in these texts (四级全覆盖, 进行一次评估).
CN_UNITS = {"级", "次", "项", "个月", "天", "周"}
QUOTED = re.compile(r"“([^“”\n]{2,14})”")
BOOK = re.compile(r"《([^《》\n]{6,40})》")
# "省政府规章" is a kind of regulation, not the body 省政府.
BODY_NOT_BEFORE = ("规章", "办公厅", "常务会议", "部门", "各部门", "批准后")
# Only for telling whether an option text is a body (classify), never for finding one in text.
PROVINCE_BODY = re.compile(r"省[^省，、。；\s]{2,8}(?:厅|局|委)")

PRIORITY = {"term": 0, "date": 1, "number": 2, "body": 3}  # on overlap, lower wins, then longer


@dataclass(frozen=True)
class Fact:
    kind: str  # date | number | body | term
    sub: str  # date: deadline/point; number: its unit; body: body; term: quoted/book/term
    text: str
    start: int
    end: int

    @property
    def kind_key(self) -> str:
        """Options of a single-choice question share this: dates with dates, 学时 with 学时."""
        return f"{self.kind}:{self.sub}" if self.kind in ("date", "number") else self.kind


def _read_list(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.startswith("#")]


@lru_cache(maxsize=1)
def base_terms() -> tuple[str, ...]:
    generic = set(_read_list("quiz_generic.txt"))
    bodies = set(_read_list("quiz_bodies.txt"))
    terms = {t for t in _read_list("userdict.txt") if len(t) >= 3 and t not in generic and t not in bodies}
    return tuple(sorted(terms, key=lambda t: (-len(t), t)))


@lru_cache(maxsize=1)
def base_bodies() -> tuple[str, ...]:
    return tuple(sorted(set(_read_list("quiz_bodies.txt")), key=lambda t: (-len(t), t)))


@lru_cache(maxsize=1)
def lexicon_version() -> str:
    """Changes whenever a list the facts depend on changes, so cached candidates are redone."""
    digest = hashlib.sha256()
    for name in LEXICON_FILES:
        digest.update((DATA / name).read_bytes())
    return digest.hexdigest()[:12]


def clause_units(clause: ClauseRecord) -> list[str]:
    units = []
    for part in re.split(r"[、，,；]", clause.units or ""):
        part = re.sub(r"(按职责分工)?负责$|牵头$|配合$", "", part.strip())
        if 3 <= len(part) <= 16:
            units.append(part)
    return units


def clause_terms(clause: ClauseRecord) -> tuple[list[str], list[str], list[str]]:
    """(terms, book titles, bodies) this clause may be asked about."""
    quoted = sorted({m.group(1) for m in QUOTED.finditer(clause.text)})
    books = sorted({m.group(1) for m in BOOK.finditer(clause.text)})
    bodies = sorted(set(base_bodies()) | set(clause_units(clause)), key=lambda t: (-len(t), t))
    return quoted, books, bodies


def find_facts(sentence: str, clause: ClauseRecord) -> list[Fact]:
    """The facts in one sentence of the clause, not overlapping, in reading order."""
    quoted, books, bodies = clause_terms(clause)
    found: list[Fact] = []
    for m in QUOTED.finditer(sentence):
        found.append(Fact("term", quoted_sub(m.group(1)), m.group(1), m.start(1), m.end(1)))
    for m in BOOK.finditer(sentence):
        found.append(Fact("term", "book", m.group(1), m.start(1), m.end(1)))
    for m in DATE.finditer(sentence):
        if not (m.group(2) or m.group(4) or m.group(5)):
            continue
        sub = "deadline" if m.group(5) else "point"
        found.append(Fact("date", sub, m.group(0), m.start(), m.end()))
    for m in NUMBER.finditer(sentence):
        number, unit = m.group(1), m.group(2)
        if not number[0].isdigit() and unit not in CN_UNITS:
            continue
        if number[0].isdigit() and len(number) >= 4:
            continue  # a year or a hotline number, not a quantity
        found.append(Fact("number", unit.removeprefix("个"), m.group(0), m.start(), m.end()))
    for term in (*quoted, *base_terms()):
        for start in _occurrences(sentence, term):
            found.append(Fact("term", quoted_sub(term) if term in quoted else "term", term, start, start + len(term)))
    for body in bodies:
        for start in _occurrences(sentence, body):
            after = sentence[start + len(body) :]
            if not after.startswith(BODY_NOT_BEFORE):
                found.append(Fact("body", "body", body, start, start + len(body)))
    return _non_overlapping(found)


def quoted_sub(term: str) -> str:
    """Quoted terms of one shape go together: “四个意识” with “两个维护”, “1310” with codes."""
    if re.fullmatch(r"[一二两三四五六七八九十]个[\u4e00-\u9fff]+", term):
        return "slogan"
    if re.fullmatch(r"[\d]+", term):
        return "code"
    return "quoted"


def _occurrences(text: str, word: str) -> list[int]:
    starts, at = [], text.find(word)
    while at >= 0:
        starts.append(at)
        at = text.find(word, at + len(word))
    return starts


def _non_overlapping(facts: list[Fact]) -> list[Fact]:
    taken: list[Fact] = []
    for fact in sorted(facts, key=lambda f: (PRIORITY[f.kind], -(f.end - f.start), f.start)):
        if all(fact.end <= t.start or fact.start >= t.end for t in taken):
            taken.append(fact)
    return sorted(taken, key=lambda f: f.start)


def classify(text: str) -> str:
    """The kind_key of a whole option text, or 'other': the same test for any question's options."""
    text = text.strip()
    m = DATE.fullmatch(text)
    if m and (m.group(2) or m.group(4) or m.group(5)):
        return f"date:{'deadline' if m.group(5) else 'point'}"
    m = NUMBER.fullmatch(text)
    if m:
        return f"number:{m.group(2).removeprefix('个')}"
    if (
        text in base_bodies()
        or PROVINCE_BODY.fullmatch(text)
        or re.fullmatch(r"[\u4e00-\u9fff]{2,12}(厅|局|委|所|机关|政府|部门|党委)", text)
    ):
        return "body"
    return "term" if re.fullmatch(r"[\u4e00-\u9fff0-9、“”《》（）—]{2,40}", text) else "other"


def number_value(text: str) -> tuple[float, str, str] | None:
    """'60学时' → (60, '学时', 'digits'); '四级' → (4, '级', 'cn')."""
    m = NUMBER.fullmatch(text)
    if not m:
        return None
    number = m.group(1)
    if number[0].isdigit():
        return float(number), m.group(2), "digits"
    return float(cn_to_int(number)), m.group(2), "cn"


def date_parts(text: str) -> tuple[int, int | None, str] | None:
    """'2024年6月底前' → (2024, 6, '底前')."""
    m = DATE.fullmatch(text)
    if not m:
        return None
    return int(m.group(1)), int(m.group(2)) if m.group(2) else None, (m.group(4) or "") + (m.group(5) or "")
