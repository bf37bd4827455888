"""python eval/trials/outcomes_dump.py ROOT OUT.json set1,set2,...: each question's outcome (clause
rank, fact stated, refused) with the code in ROOT (a git worktree), and the pooled counts.
`memory_join_sim.py` and `vote_memory_sim.py` answer with a widened memory through the same
`outcomes` and `save`."""

import json
import sys
import tempfile
from pathlib import Path


def use_root(root: str) -> Path:
    """Import `bot` (and eval/'s scripts) from the checkout or worktree at `root`."""
    path = Path(root)
    sys.path[:0] = [str(path), str(path / "eval")]
    return path


def outcomes(chain, names: str) -> dict:
    """Each question of the comma-separated sets, answered by `chain`: its kind, text, clause rank,
    whether the fact is stated and whether it was refused, by id."""
    from bot.evaluation.runner import run_questions
    from bot.goldset import load_gold

    out = {}
    for name in names.split(","):
        for o in run_questions(chain, load_gold(name))["outcomes"]:
            q = o.question
            out[q.id] = dict(
                kind=q.kind, q=q.question, rank=o.rank, key=bool(o.key_ok), ref=bool(o.refused), ans=o.answer[:140]
            )
    return out


def save(out: dict, path: str) -> None:
    """Write the outcomes and print the pooled counts."""
    json.dump(out, open(path, "w", encoding="utf-8"), ensure_ascii=False)
    ins = [v for v in out.values() if v["kind"] != "out_of_scope"]
    oos = [v for v in out.values() if v["kind"] == "out_of_scope"]
    print(
        "top1", sum(v["rank"] == 1 for v in ins), "fact", sum(v["key"] for v in ins),
        "inref", sum(v["ref"] for v in ins), "of", len(ins), "| oosref", sum(v["ref"] for v in oos), "of", len(oos),
    )  # fmt: skip


if __name__ == "__main__":
    use_root(sys.argv[1])
    from bot.testing import indexed_bot

    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        bot.warm_up()
        save(outcomes(bot.chain, sys.argv[3]), sys.argv[2])
