"""A quiz question, whatever made it (the rules, a model, a trainer's bank), and grading an answer."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace

TYPES = ("fill_blank", "single_choice", "true_false", "which_clause")
TYPE_NAMES = {"fill_blank": "填空题", "single_choice": "单选题", "true_false": "判断题", "which_clause": "出处题"}
BLANK = "____"
CHOICE_BLANK = "（　　）"
TRUE, FALSE = "正确", "错误"
LETTERS = "ABCDEF"
TRUE_WORDS = {"正确", "对", "√", "✓", "是", "t", "true", "y", "yes"}
FALSE_WORDS = {"错误", "错", "×", "✗", "否", "f", "false", "n", "no"}


@dataclass(frozen=True)
class Question:
    type: str
    stem: str
    options: tuple[str, ...]
    answer: str  # the option's text (true_false: 正确/错误), never a letter
    clause_id: str
    label: str
    explanation: str
    quote: str = ""  # the clause's sentence the question rests on, quoted in the explanation
    source: str = "rules"  # rules | llm | bank
    fact: str = ""  # the fact asked about (true_false: as the clause states it); which_clause: the quote
    replacement: str = ""  # true_false, false version: what stands in the statement instead of `fact`
    kind: str = ""  # the fact's kind (facts.Fact.kind_key)
    doc_id: str = ""
    question_id: int | None = None  # bank questions
    bank_id: int | None = None
    tags: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """Stable identity for the 错题本: the same question asked again has the same key."""
        if self.question_id is not None:
            return f"bank-{self.question_id}"
        raw = "|".join((self.type, self.clause_id, self.stem, self.answer))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]

    @property
    def type_name(self) -> str:
        return TYPE_NAMES[self.type]

    def to_json(self, clause_text: str = "") -> dict:
        """The CLI's contract: type, stem, options, answer (text), citation, explanation."""
        return {
            "type": self.type,
            "stem": self.stem,
            "options": list(self.options),
            "answer": self.answer,
            "citation": {"clause_id": self.clause_id, "label": self.label, "text": clause_text},
            "explanation": self.explanation,
            "key": self.key,
        }

    def snapshot(self) -> str:
        """JSON kept with rounds, answers and cards, so they survive corpus and bank changes."""
        data = asdict(self)
        data["options"], data["tags"] = list(self.options), list(self.tags)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_snapshot(cls, text: str | dict) -> Question:
        data = json.loads(text) if isinstance(text, str) else dict(text)
        data["options"] = tuple(data.get("options") or ())
        data["tags"] = tuple(data.get("tags") or ())
        return cls(**data)

    def with_(self, **changes) -> Question:
        return replace(self, **changes)


def normalize(text: str) -> str:
    """For comparing answers: full-width to half-width, no spaces, quotes or final punctuation."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"[\s“”\"'‘’《》「」]", "", text)
    return text.rstrip("。.；;，,").lower()


def resolve_choice(question: Question, given: str) -> str:
    """A letter (B, b, Ｂ) means that option; anything else is taken as the option's text."""
    raw = normalize(given).upper()
    if question.options and len(raw) == 1 and raw in LETTERS[: len(question.options)]:
        return question.options[LETTERS.index(raw)]
    return given


def is_correct(question: Question, given: str) -> bool:
    given = (given or "").strip()
    if not given:
        return False
    if question.type == "true_false":
        word = normalize(given)
        wanted = TRUE_WORDS if question.answer == TRUE else FALSE_WORDS
        return word in wanted
    if question.type in ("single_choice", "which_clause"):
        return normalize(resolve_choice(question, given)) == normalize(question.answer)
    return _same_fill(normalize(given), normalize(question.answer))


def _same_fill(given: str, answer: str) -> bool:
    if given == answer:
        return True
    # "60" for 60学时 and "1学时" for 1个学时: the number is what is being learnt.
    m = re.fullmatch(r"(\d+(?:\.\d+)?)个?(\D*)", answer)
    g = re.fullmatch(r"(\d+(?:\.\d+)?)个?(\D*)", given)
    return bool(m and g and m.group(1) == g.group(1) and g.group(2) in ("", m.group(2)))
