"""The evaluation question sets: well formed, true to the real clauses, dev and held-out kept apart."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter

import pytest

from bot.clean import to_simplified
from bot.errors import GoldSetError, StudyBotError
from bot.goldset import DEFAULT_DOC, KINDS, GoldQuestion, load_gold
from tests.conftest import ROOT

GOLD_DIR = ROOT / "eval" / "gold"
HELDOUT_MIN_SIZE = 170
HELDOUT_MIN_KINDS = {
    "out_of_scope": 35,
    "paraphrase": 35,
    "fact": 8,
    "date": 8,
    "unit": 8,
    "yesno": 8,
    "list": 8,
    "followup": 8,
    "traditional": 8,
    "colloquial": 8,
}
DEV_MIN_KINDS = {"out_of_scope": 40, "paraphrase": 40}
NEAR_DUPLICATE = 0.8


@pytest.fixture(scope="module")
def dev() -> list[GoldQuestion]:
    return load_gold(GOLD_DIR / "dev.jsonl")


@pytest.fixture(scope="module")
def heldout() -> list[GoldQuestion]:
    return load_gold(GOLD_DIR / "heldout.jsonl")


def field(clause, name: str):
    """Clauses come as dicts today and as ClauseRecord objects soon: read either."""
    return clause[name] if isinstance(clause, dict) else getattr(clause, name)


def resolver(bot):
    """gold reference (label within the question's document, or clause id) -> clause."""
    by_label, by_id = {}, {}
    for clause in bot.clauses():
        by_label[(field(clause, "doc_id"), field(clause, "label"))] = clause
        by_id[field(clause, "clause_id")] = clause
    return lambda question, ref: by_id.get(ref) or by_label.get((question.doc, ref))


def test_both_sets_load_with_unique_ids(dev, heldout):
    ids = Counter(q.id for q in dev + heldout)
    assert not [i for i, n in ids.items() if n > 1]
    assert {q.kind for q in dev + heldout} <= set(KINDS)


def test_heldout_size_and_spread_of_kinds(heldout):
    kinds = Counter(q.kind for q in heldout)
    assert len(heldout) >= HELDOUT_MIN_SIZE
    short = {k: (kinds[k], n) for k, n in HELDOUT_MIN_KINDS.items() if kinds[k] < n}
    assert not short, f"题型数量不足（现有, 至少）：{short}"


def test_dev_has_the_added_refusals_and_paraphrases(dev):
    kinds = Counter(q.kind for q in dev)
    assert all(kinds[k] >= n for k, n in DEV_MIN_KINDS.items()), kinds


def test_traditional_questions_are_written_in_traditional_characters(dev, heldout):
    traditional = [q for q in dev + heldout if q.kind == "traditional"]
    simplified = [q.id for q in traditional if to_simplified(q.question) == q.question]
    assert not simplified


def test_gold_names_real_clauses_and_keys_are_quoted_from_them(seed_bot, dev, heldout):
    find = resolver(seed_bot)
    problems = []
    for q in dev + heldout:
        clauses = [find(q, ref) for ref in q.gold]
        problems += [f"{q.id}: 找不到条款 {ref}" for ref, c in zip(q.gold, clauses) if c is None]
        texts = [field(c, "text") for c in clauses if c is not None]
        where = "、".join(q.gold)
        problems += [f"{q.id}: key {k!r} 不在 {where} 原文中" for k in q.key if not any(k in t for t in texts)]
    assert not problems, "\n".join(problems)


def test_every_clause_of_the_seed_is_gold_in_heldout(seed_bot, heldout):
    find = resolver(seed_bot)
    covered = {field(find(q, ref), "clause_id") for q in heldout for ref in q.gold if find(q, ref)}
    missing = [field(c, "label") for c in seed_bot.clauses() if field(c, "clause_id") not in covered]
    assert not missing, f"留出集没有考到的条款：{missing}"


def bigrams(text: str) -> set[str]:
    # Simplified and without punctuation, so a traditional or re-punctuated copy still counts.
    text = re.sub(r"\W", "", to_simplified(text))
    return {text[i : i + 2] for i in range(len(text) - 1)}


def asked(questions):
    """Every text a set asks: the question, and for a follow-up the question before it."""
    return [(q.id, text) for q in questions for text in (q.question, q.previous) if text]


def test_no_question_is_in_both_dev_and_heldout(dev, heldout):
    close = []
    for (a, text_a), (b, text_b) in itertools.product(asked(dev), asked(heldout)):
        x, y = bigrams(text_a), bigrams(text_b)
        if text_a == text_b or (x | y and len(x & y) / len(x | y) >= NEAR_DUPLICATE):
            close.append(f"{a} {text_a} ≈ {b} {text_b}")
    assert not close, "\n".join(close)


def test_near_duplicate_check_catches_a_copy_with_a_word_changed():
    x = bigrams("行政执法人员每年要参加多少学时的培训？")
    y = bigrams("行政執法人員每年要參加多少學時的培訓啊")
    assert len(x & y) / len(x | y) >= NEAR_DUPLICATE


def test_loader_reads_defaults(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text(
        json.dumps(
            {
                "id": "x1",
                "question": "一年要学几个钟？",
                "kind": "colloquial",
                "gold": ["二（一）2"],
                "key": ["60学时"],
            },
            ensure_ascii=False,
        )
        + "\n\n",
        encoding="utf-8",
    )
    [q] = load_gold(path)
    assert q == GoldQuestion("x1", "一年要学几个钟？", "colloquial", ("二（一）2",), ("60学时",))
    assert q.doc == DEFAULT_DOC and q.previous is None and not q.refusal


def test_loader_lists_every_bad_line_by_number(tmp_path):
    good = {"id": "x1", "question": "问题？", "kind": "fact", "gold": ["二（一）2"], "key": ["60学时"]}
    lines = [
        good,  # 1 fine
        '{"id": "x2", "question": ',  # 2 not JSON
        {**good, "id": "x3", "key": []},  # 3 in-scope without key
        {"id": "x4", "kind": "fact", "gold": ["二（一）2"], "key": ["60学时"]},  # 4 no question
        {**good, "id": "x5", "kind": "trivia"},  # 5 unknown kind
        {**good},  # 6 duplicate id x1
        {**good, "id": "x7", "kind": "out_of_scope", "key": []},  # 7 refusal with gold
        {**good, "id": "x8", "kind": "followup"},  # 8 follow-up without previous
        "",  # 9 blank: skipped
        {**good, "id": "x10", "question": "  "},  # 10 empty question
        {**good, "id": "x11", "keys": ["60学时"]},  # 11 misspelt field
        {**good, "id": "x12", "kind": "followup", "previous": "上一问？"},  # 12 fine
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines), encoding="utf-8"
    )
    with pytest.raises(GoldSetError) as caught:
        load_gold(path)
    error = caught.value
    assert isinstance(error, StudyBotError)
    assert [number for number, _ in error.problems] == [2, 3, 4, 5, 6, 7, 8, 10, 11]
    message = str(error)
    for number, words in [
        (2, "JSON"),
        (3, "key"),
        (4, "question"),
        (5, "trivia"),
        (6, "重复"),
        (7, "gold"),
        (8, "previous"),
        (10, "question"),
        (11, "keys"),
    ]:
        line = next(x for x in message.splitlines() if x.strip().startswith(f"第 {number} 行"))
        assert words in line, line


def test_loader_names_a_missing_file(tmp_path):
    with pytest.raises(GoldSetError, match="无法读取题集文件"):
        load_gold(tmp_path / "none.jsonl")
