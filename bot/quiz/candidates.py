"""What each clause offers to ask, worked out from that clause alone.

A clause yields *blanks* (a fact in a trimmed fragment of one of its sentences: the stuff of
fill_blank, single_choice and true_false) and *quotes* (a fragment only that clause holds: the stuff
of which_clause). They depend on the clause's text, the data lists and GENERATOR_VERSION only —
not on the seed nor on other clauses — so they are cached per clause_id (bot/quiz/cache.py), and a
changed clause, whose clause_id changes with its text, is the only one worked out again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..records import ClauseRecord
from .facts import find_facts, lexicon_version

# Bump when what a clause yields changes; the lexicon's hash is added, so editing a list also counts.
GENERATOR_VERSION = "1"
OPEN, CLOSE = "（《“(", "）》”)"
STOPS = "，；：。！？"
CONTINUATIONS = ("并", "且", "也", "同时", "还", "以及", "其中", "又", "经", "报", "由", "对", "将", "从而", "进而")
MIN_FRAGMENT, MAX_FRAGMENT = 18, 130
QUOTE_MIN, QUOTE_MAX = 14, 60


def version() -> str:
    return f"{GENERATOR_VERSION}-{lexicon_version()}"


@dataclass(frozen=True)
class Blank:
    sentence: int  # index into clause.sentences
    kind: str
    sub: str
    answer: str
    fragment: str  # the trimmed part of the sentence that carries the fact, ending in 。
    start: int  # the answer's place in the fragment
    end: int

    @property
    def kind_key(self) -> str:
        return f"{self.kind}:{self.sub}" if self.kind in ("date", "number") else self.kind


@dataclass(frozen=True)
class Quote:
    sentence: int
    text: str  # a fragment of the sentence as it stands in the clause
    cut: bool  # the sentence goes on after it (shown with ……)


def clause_candidates(clause: ClauseRecord) -> dict:
    """{'blanks': [...], 'quotes': [...]} as plain data, ready to cache as JSON."""
    blanks: list[Blank] = []
    quotes: list[Quote] = []
    for i, sentence in enumerate(clause.sentences):
        if _is_title(clause, i):
            continue
        seen: set[tuple[str, str]] = set()
        for fact in find_facts(sentence, clause):
            fragment, start, end = trim(sentence, fact.start, fact.end)
            # One blank per fact and fragment, and none whose answer shows twice in its fragment.
            if (fact.text, fragment) in seen or fragment.count(fact.text) != 1:
                continue
            if not MIN_FRAGMENT // 2 <= len(fragment) <= MAX_FRAGMENT:
                continue
            seen.add((fact.text, fragment))
            blanks.append(Blank(i, fact.kind, fact.sub, fact.text, fragment, start, end))
        quote = quote_of(sentence)
        if quote:
            quotes.append(Quote(i, *quote))
    return {"blanks": [asdict(b) for b in blanks], "quotes": [asdict(q) for q in quotes]}


def blanks_of(data: dict) -> list[Blank]:
    return [Blank(**b) for b in data["blanks"]]


def quotes_of(data: dict) -> list[Quote]:
    return [Quote(**q) for q in data["quotes"]]


def _is_title(clause: ClauseRecord, index: int) -> bool:
    return index == 0 and clause.sentences[0].rstrip("。.") == clause.title.rstrip("。.")


def segments(text: str) -> list[tuple[int, int]]:
    """Spans of the text cut after each top-level ，；：。 (not inside brackets or quotes)."""
    spans, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif ch in STOPS and depth == 0:
            spans.append((start, i + 1))
            start = i + 1
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def _enclosing_parenthesis(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The inside of the innermost （…） around [start, end), if there is one."""
    stack = []
    for i, ch in enumerate(text):
        if ch == "（":
            stack.append(i)
        elif ch == "）" and stack:
            open_at = stack.pop()
            if open_at < start and i >= end:
                return open_at + 1, i
    return None


def trim(sentence: str, start: int, end: int) -> tuple[str, int, int]:
    """The part of the sentence that carries [start, end): its clause-segment, widened to
    MIN_FRAGMENT characters, and to the previous segment when it opens with 并/由/将…; a fact inside
    a bracket is asked within the bracket. Returns (fragment ending in 。, new start, new end)."""
    inner = _enclosing_parenthesis(sentence, start, end)
    base = 0
    if inner and inner[1] - inner[0] >= MIN_FRAGMENT // 2:
        base = inner[0]
        sentence = sentence[inner[0] : inner[1]]
        start, end = start - base, end - base
    spans = segments(sentence)
    at = next(i for i, (a, b) in enumerate(spans) if a <= start < b)
    lo = hi = at
    while True:
        text = sentence[spans[lo][0] : spans[hi][1]]
        if lo > 0 and text.startswith(CONTINUATIONS):
            lo -= 1
        elif hi < len(spans) - 1 and len(sentence[end : spans[hi][1]].rstrip(STOPS)) < 2:
            hi += 1  # "要在____。" says nothing: the deadline needs what is due by it
        elif hi < len(spans) - 1 and text.rstrip(STOPS).endswith("的"):
            hi += 1  # "…已经制定行政裁量权基准的，" is a condition: take what follows from it
        elif len(text) >= MIN_FRAGMENT:
            break
        elif lo > 0:
            lo -= 1
        elif hi < len(spans) - 1:
            hi += 1
        else:
            break
    a, b = spans[lo][0], spans[hi][1]
    fragment = sentence[a:b].rstrip(STOPS + "、") + "。"
    return fragment, start - a, end - a


def quote_of(sentence: str) -> tuple[str, bool] | None:
    """The sentence's opening segments up to QUOTE_MAX characters, or None when too short."""
    spans = segments(sentence)
    text = ""
    for _, b in spans:
        piece = sentence[spans[0][0] : b]
        if len(piece.rstrip(STOPS)) > QUOTE_MAX:
            break
        text = piece
    text = text.rstrip(STOPS + "、")
    if len(text) < QUOTE_MIN:
        return None
    return text, len(text) < len(sentence.rstrip(STOPS))
