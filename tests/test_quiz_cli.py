"""`studybot quiz …` run as a trainer would, on the seed index."""

from __future__ import annotations

import json
from collections import Counter

from bot.quiz.lookup import CorpusLookup
from bot.quiz.rules import check, check_unique
from tests.test_cli import run


def test_generate_forty_json_questions_that_pass_the_rules(seed_bot, quiz_bot):
    out = run(seed_bot, "quiz", "generate", "--n", "40", "--json")
    assert out.returncode == 0, out.stderr
    items = json.loads(out.stdout)
    assert len(items) == 40
    assert len(Counter(i["type"] for i in items)) >= 3
    lookup = CorpusLookup(seed_bot.store.clauses)
    questions = []
    for item in items:
        assert set(item) >= {"type", "stem", "options", "answer", "citation", "explanation"}
        assert item["answer"] and item["explanation"] and set(item["citation"]) == {"clause_id", "label", "text"}
        clause = lookup.clause(item["citation"]["clause_id"])
        assert clause.label == item["citation"]["label"] and clause.text == item["citation"]["text"]
        if item["type"] == "fill_blank":
            assert item["options"] == []
        else:
            assert item["answer"] in item["options"]
    # Reproducible: the same seed prints the same quiz; each passes the rules.
    again = run(seed_bot, "quiz", "generate", "--n", "40", "--json", "--seed", "0")
    assert json.loads(again.stdout) == items
    stems = {i["stem"] for i in items}
    for q in quiz_bot.quiz.generate(40, seed=0):  # the CLI and the service agree
        assert q.stem in stems
        assert check(q, lookup) == []
        questions.append(q)
    assert check_unique(questions, per_fact=True) == []


def test_generate_with_a_scope_and_as_text(seed_bot):
    out = run(seed_bot, "quiz", "generate", "--n", "3", "--scope", "二（一）2", "--seed", "2")
    assert out.returncode == 0, out.stderr
    assert "二（一）2" in out.stdout and "答案：" in out.stdout and "解析：" in out.stdout
    bad = run(seed_bot, "quiz", "generate", "--n", "3", "--scope", "九（九）")
    assert bad.returncode == 1 and "范围" in bad.stderr


def test_import_export_and_take(seed_bot, tmp_path):
    template = tmp_path / "模板.xlsx"
    assert run(seed_bot, "quiz", "template", "--out", str(template)).returncode == 0
    bank = tmp_path / "b.json"
    bank.write_text(
        json.dumps(
            [
                {
                    "type": "fill_blank",
                    "stem": "推行“____”制度。",
                    "answer": "扫码入企",
                    "clause": "二（四）12",
                    "tags": ["监督"],
                }
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    out = run(seed_bot, "quiz", "import", str(bank))
    assert out.returncode == 0 and "已导入 1 道题" in out.stdout, out.stderr
    gift = run(seed_bot, "quiz", "export", "--format", "gift")
    assert "::二（四）12::推行“{=扫码入企}”制度。" in gift.stdout
    assert run(seed_bot, "quiz", "export", "--format", "xlsx").returncode == 1  # binary needs --out
    broken = tmp_path / "broken.csv"
    broken.write_text("题型,题干,答案,依据条款\n问答题,x,y,二（一）2\n", encoding="utf-8")
    out = run(seed_bot, "quiz", "import", str(broken))
    assert out.returncode == 1 and "第 2 行「题型」列" in out.stderr
    take = run(seed_bot, "quiz", "take", "--n", "2", "--seed", "1", input="A\n对\n")
    assert take.returncode == 0, take.stderr
    assert "得分：" in take.stdout and ("答对了" in take.stdout or "答错了" in take.stdout)
