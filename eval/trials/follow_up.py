"""Follow-up detection, three ways (tenth session; not kept): V0 as shipped (bot/query.py
is_follow_up: a short question opening with 那/这个… or ending in 呢); V1 any question opening with
那/那么/要是/如果是/换成/对于, whatever its length; V2 V1, and a question refused on its own asked
again joined to the previous one. Measured on the sixteenth and seventeenth blind batches (then
outside the memory) each given a random previous question of another clause (does a conversation
pull a question off course?), their follow-ups, and dev's follow-ups by folds.

Run: .venv/bin/python eval/trials/follow_up.py   (about 4 minutes; measured on a553192)
"""

import dataclasses
import random
import re
import sys
import tempfile
from pathlib import Path

from common import ROOT, SETS  # also puts the project on sys.path

sys.path.insert(0, str(ROOT / "eval"))
from quality import ROOT, folds, memory_chain

import bot.query as bq
from bot.evaluation.runner import run_questions
from bot.goldset import load_gold
from bot.testing import indexed_bot
from bot.trust import trust_model

orig = bq.is_follow_up
LEAD = re.compile(r"^(那|那么|要是|如果是|换成|对于)")
mode = {"v": 0, "force": False}


def patched(text):
    if mode["force"]:
        return True
    if orig(text):
        return True
    return mode["v"] >= 1 and bool(LEAD.search(text))


bq.is_follow_up = patched


class Retry:
    def __init__(self, chain):
        self.chain = chain

    def invoke(self, req):
        a = self.chain.invoke(req)
        if mode["v"] >= 2 and a.refused and req.previous and not patched(req.question):
            mode["force"] = True
            try:
                b = self.chain.invoke(req)
            finally:
                mode["force"] = False
            if not b.refused:
                return b
        return a


rng = random.Random(7)
blind = load_gold(SETS["b16"]) + load_gold(SETS["b17"])
ins = [q for q in blind if not q.refusal and q.kind != "followup"]
guard = []
for q in blind:
    if q.kind == "followup" or q.kind == "injection":
        continue
    others = [p for p in ins if p.gold != q.gold]
    guard.append(dataclasses.replace(q, previous=rng.choice(others).question))
fups = [q for q in blind if q.kind == "followup"]


def summ(outs):
    inside = [o for o in outs if not o.question.refusal]
    outside = [o for o in outs if o.question.refusal]
    return (
        f"in {len(inside)} top1 {sum(o.rank == 1 for o in inside)} key {sum(o.key_ok for o in inside)} "
        f"refused {sum(o.refused for o in inside)} | oos {len(outside)} refused {sum(o.refused for o in outside)}"
    )


with tempfile.TemporaryDirectory() as tmp:
    bot = indexed_bot(Path(tmp))
    bot.warm_up()
    cur = [bot.adapter, trust_model()]
    chain = Retry(memory_chain(bot, lambda s: cur[0], lambda: cur[1]))
    dev = load_gold(ROOT / "eval/gold/dev.jsonl")
    devf = [q for q in dev if q.kind == "followup"]
    groups = folds(bot, ROOT / "eval/gold/dev.jsonl")(devf)
    for v in (0, 1, 2):
        mode["v"] = v
        cur[0], cur[1] = bot.adapter, trust_model()
        g = run_questions(chain, guard)["outcomes"]
        f = run_questions(chain, fups)["outcomes"]
        d = []
        for a, m, part in groups:
            cur[0], cur[1] = a, m
            d += run_questions(chain, part)["outcomes"]
        print(f"V{v} guard: {summ(g)}")
        print(f"V{v} blind followups: {summ(f)}")
        print(f"V{v} dev followups: {summ(d)}", flush=True)
