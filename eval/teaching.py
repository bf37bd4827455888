"""What teaching does, measured on a held-apart set (eval/gold/teach.jsonl: 30 facts asked three
ways each, one of the three taught; 20 out-of-scope questions alike in vocabulary).

Run: .venv/bin/python eval/teaching.py

Teaches each group's `taught:` question as an alias of its gold clause, in a database of its own,
and prints, before and after: the taught questions, their rewordings (never taught), the
out-of-scope questions, and the full reported gold set (eval/gold/heldout.jsonl), so a trainer
sees that teaching helps what it should and does not hurt the rest.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.evaluation.metrics import score  # noqa: E402
from bot.evaluation.runner import run_questions  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402


def figures(bot, questions) -> dict[str, float]:
    outcomes = run_questions(bot.chain, questions)["outcomes"]
    m = score(outcomes)
    return {
        "n": m["n"],
        "top-1": m["hit@1"],
        "fact": m["answer_key_accuracy"],
        "refused": m["refusal_recall"] if m["hit@1"] is None else m["in_scope_refused"],
    }


def main() -> None:
    teach = load_gold(ROOT / "eval" / "gold" / "teach.jsonl")
    taught = [q for q in teach if q.note.startswith("taught:")]
    reworded = [q for q in teach if q.note.startswith("reworded:")]
    outside = [q for q in teach if q.refusal]
    heldout = load_gold(ROOT / "eval" / "gold" / "heldout.jsonl")
    sets = {
        "taught questions": taught,
        "their rewordings": reworded,
        "out of scope, alike": outside,
        "held-apart gold set": heldout,
    }
    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        bot.warm_up()
        before = {name: figures(bot, qs) for name, qs in sets.items()}
        trainer = bot.accounts.add_user("TEACHER", "教学评测", "广东省司法厅", "trainer", "teaching-eval-1")
        for q in taught:
            bot.teaching.teach(trainer, q.question, bot.clause(q.gold[0]))
        after = {name: figures(bot, qs) for name, qs in sets.items()}
    print(f"{len(taught)} questions taught.")
    print(
        f"{'':24s}{'n':>5s}{'top-1 before':>14s}{'after':>8s}{'fact before':>13s}{'after':>8s}"
        f"{'refused before':>16s}{'after':>8s}"
    )

    def fmt(value):
        return "—" if value is None else f"{value:.2f}"

    for name in sets:
        b, a = before[name], after[name]
        print(
            f"{name:24s}{b['n']:>5d}{fmt(b['top-1']):>14s}{fmt(a['top-1']):>8s}{fmt(b['fact']):>13s}"
            f"{fmt(a['fact']):>8s}{fmt(b['refused']):>16s}{fmt(a['refused']):>8s}"
        )


if __name__ == "__main__":
    main()
