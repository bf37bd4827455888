"""python eval/trials/memory_join_sim.py ROOT OUT.json SETS EXTRA: as outcomes_dump.py, with the
memory (bot/known.py's built-in known questions) widened by the questions of the sets in EXTRA
(comma-separated), the models otherwise unchanged: what joining EXTRA would do to SETS before any
refit (fifteenth session)."""

import json
import sys
import tempfile
from pathlib import Path

root = Path(sys.argv[1])
sys.path.insert(0, str(root))
sys.path.insert(0, str(root / "eval"))

from calibrate import known_items  # noqa: E402

import bot.known as known  # noqa: E402
from bot.evaluation.runner import run_questions  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402

out = {}
with tempfile.TemporaryDirectory() as tmp:
    bot = indexed_bot(Path(tmp))
    shipped = known.builtin()
    extra = []
    for name in [s for s in sys.argv[4].split(",") if s]:
        extra += known_items(bot, load_gold(name))
    widened = tuple(shipped) + tuple(extra)
    known.builtin.cache_clear()
    known.builtin = lambda: widened  # noqa: E731 - the memory every known_index call now reads
    bot = indexed_bot(Path(tmp) / "b")
    bot.warm_up()
    print("memory", len(shipped), "->", len(widened), file=sys.stderr)
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
