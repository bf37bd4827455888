"""python eval/trials/vote_memory_sim.py ROOT OUT.json SETS EXTRA: as memory_join_sim.py, but the
answerable questions of EXTRA only vote (the clause vote and the sentence vote of bot/known.py); the
refusal model's features still come from the shipped memory alone (fifteenth session)."""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

root = Path(sys.argv[1])
sys.path.insert(0, str(root))
sys.path.insert(0, str(root / "eval"))

from calibrate import known_items  # noqa: E402

import bot.known as known  # noqa: E402
from bot.evaluation.runner import run_questions  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402


def features(self, search, vector, clause_index, doc_id, kinds):
    if clause_index not in self.covered:
        return None
    sims, own = self._similarities(search, vector)
    own = own | self.vote_only
    answerable = (self.clause == clause_index) & ~own
    refused = self._refused(doc_id) & ~own
    same_kind = refused & self._asking(kinds)
    return {
        "known_near": float(sims[answerable].max()) if answerable.any() else known.FLOOR,
        "refused_near": float(sims[refused].max()) if refused.any() else known.FLOOR,
        "refused_same_kind": float(sims[same_kind].max()) if same_kind.any() else known.FLOOR,
    }


out = {}
with tempfile.TemporaryDirectory() as tmp:
    bot = indexed_bot(Path(tmp))
    shipped = known.builtin()
    extra = []
    for name in [s for s in sys.argv[4].split(",") if s]:
        extra += [k for k in known_items(bot, load_gold(name)) if k.answerable]
    widened = tuple(shipped) + tuple(extra)
    known.builtin.cache_clear()
    known.builtin = lambda: widened  # noqa: E731
    made = known.known_index

    def known_index(*args, **kwargs):
        index = made(*args, **kwargs)
        # Rows past the shipped ones up to the taught ones: the shipped rows whose clause is in the
        # store come first; with the seed, every one.
        mask = np.zeros(len(index), dtype=bool)
        mask[len(shipped) : len(widened)] = True
        index.vote_only = mask
        return index

    known.known_index = known_index
    known.KnownIndex.features = features
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
