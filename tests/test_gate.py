"""The regression gate: `studybot eval` on the reported gold set, failing below the thresholds in
eval/gold/thresholds.json (set a little under what the shipped answer path measures)."""

from __future__ import annotations

import json

from bot.cli import main
from bot.testing import ROOT


def test_reported_gold_set_passes_the_gate(seed_bot, capsys):
    gold = ROOT / "eval" / "gold" / "heldout.jsonl"
    code = main(
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
            "--gate",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    metrics = json.loads(captured.out)["metrics"]
    thresholds = json.loads((ROOT / "eval" / "gold" / "thresholds.json").read_text(encoding="utf-8"))
    assert all(metrics[name] >= minimum for name, minimum in thresholds.items())


def test_the_gate_fails_below_a_threshold(seed_bot, tmp_path, capsys):
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"hit@1": 1.01}), encoding="utf-8")
    gold = ROOT / "eval" / "gold" / "heldout.jsonl"
    code = main(
        [
            "eval",
            "--set",
            str(gold),
            "--index",
            str(seed_bot.settings.index_dir),
            "--variants",
            "fusion",
            "--no-save",
            "--gate",
            str(strict),
        ]
    )
    assert code == 1 and "评测未达门槛" in capsys.readouterr().err
