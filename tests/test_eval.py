"""`studybot eval`: metrics on a gold set, the three retrievals side by side, the report, stored runs."""

from __future__ import annotations

import json

from bot.cli import main
from bot.evaluation.metrics import METRIC_NAMES

SMALL = [
    {
        "id": "t1",
        "question": "行政执法人员每年要参加多少学时的培训？",
        "kind": "fact",
        "gold": ["二（一）2"],
        "key": ["60学时"],
    },
    {"id": "t2", "question": "申请行政复议的期限是多少天？", "kind": "out_of_scope", "gold": [], "key": []},
    {
        "id": "t3",
        "question": "那县级呢？",
        "kind": "followup",
        "gold": ["二（二）5"],
        "key": ["县级"],
        "previous": "行政裁量权基准一般由哪一级部门制定？",
    },
    {"id": "t4", "question": "红烧肉怎么做？", "kind": "out_of_scope", "gold": [], "key": []},
]


def write_set(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_eval_json_report_and_stored_run(seed_bot, tmp_path, capsys):
    gold = write_set(tmp_path / "small.jsonl", SMALL)
    index = str(seed_bot.settings.index_dir)
    assert main(["eval", "--set", str(gold), "--index", index, "--json", "--report", str(tmp_path / "r")]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(METRIC_NAMES) <= set(data["metrics"]) and data["metrics"]["n"] == 4
    assert data["metrics"]["hit@1"] == 1.0 and data["metrics"]["refusal_recall"] == 1.0
    assert set(data["by_kind"]) == {"fact", "out_of_scope", "followup"}
    assert set(data["variants"]) == {"fusion", "keyword", "dense"}
    assert data["generation"] == seed_bot.store.name
    html = (tmp_path / "r").glob("*.html").__next__().read_text(encoding="utf-8")
    assert "回答准确率评测报告" in html and "http" not in html.replace("http-equiv", "")  # offline
    assert isinstance(data["run_id"], int)  # stored in this test's own database


def test_failures_name_question_expected_and_got(seed_bot, tmp_path, capsys):
    wrong = [
        {
            "id": "w1",
            "question": "行政执法人员每年要参加多少学时的培训？",
            "kind": "fact",
            "gold": ["二（一）3"],
            "key": ["80学时"],
        }
    ]
    gold = write_set(tmp_path / "wrong.jsonl", wrong)
    assert (
        main(
            [
                "eval",
                "--set",
                str(gold),
                "--index",
                str(seed_bot.settings.index_dir),
                "--json",
                "--variants",
                "fusion",
                "--no-save",
            ]
        )
        == 0
    )
    failure = json.loads(capsys.readouterr().out)["failures"][0]
    assert failure["id"] == "w1" and failure["expected"]["key"] == ["80学时"]
    assert failure["got"]["cited"] == ["二（一）2"]
    assert any("引用的条款不对" in r for r in failure["reasons"]) and any("80学时" in r for r in failure["reasons"])


def test_runs_are_stored_and_compared(seed_bot, tmp_path):
    from bot.evaluation.runner import evaluate
    from bot.service import StudyBot

    bot = StudyBot(seed_bot.settings.with_(data_dir=tmp_path / "db"), embedder=seed_bot.embedder)
    first = bot.evaluations.save(evaluate(bot, write_set(tmp_path / "a.jsonl", SMALL), ("fusion",)))
    harder = [dict(SMALL[0], key=["60学时", "不存在的要点"]), *SMALL[1:]]
    second = bot.evaluations.save(evaluate(bot, write_set(tmp_path / "b.jsonl", harder), ("fusion",)))
    stored = bot.evaluations.get(second)
    assert stored.generation == seed_bot.store.name and stored.metrics["fusion"]["n"] == 4
    assert [w["id"] for w in bot.evaluations.got_worse(first, second)] == ["t1"]
    assert [r.id for r in bot.evaluations.runs()] == [second, first]


def test_bad_set_lines_are_named(seed_bot, tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\nnot json\n', encoding="utf-8")
    assert main(["eval", "--set", str(bad), "--index", str(seed_bot.settings.index_dir)]) == 1
    err = capsys.readouterr().err
    assert "第 1 行" in err and "第 2 行" in err
