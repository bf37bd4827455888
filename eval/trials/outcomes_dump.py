"""python eval/trials/outcomes_dump.py ROOT OUT.json set1,set2,...: each question's outcome (clause
rank, fact stated, refused) with the code in ROOT (a git worktree), and the pooled counts."""

import json
import sys
import tempfile
from pathlib import Path

root = Path(sys.argv[1])
sys.path.insert(0, str(root))

from bot.evaluation.runner import run_questions  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402

out = {}
with tempfile.TemporaryDirectory() as tmp:
    bot = indexed_bot(Path(tmp))
    bot.warm_up()
    for name in sys.argv[3].split(","):
        for o in run_questions(bot.chain, load_gold(name))["outcomes"]:
            q = o.question
            out[q.id] = dict(
                kind=q.kind, q=q.question, rank=o.rank, key=bool(o.key_ok), ref=bool(o.refused), ans=o.answer[:140]
            )
json.dump(out, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
ins = [v for v in out.values() if v["kind"] != "out_of_scope"]
oos = [v for v in out.values() if v["kind"] == "out_of_scope"]
print(
    "top1", sum(v["rank"] == 1 for v in ins), "fact", sum(v["key"] for v in ins),
    "inref", sum(v["ref"] for v in ins), "of", len(ins), "| oosref", sum(v["ref"] for v in oos), "of", len(oos),
)  # fmt: skip
