"""Held-out questions by closeness to the development set: refused with and without the memory."""

import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, "/work/main")
from bot.chain import AskRequest, build_answer_chain
from bot.goldset import load_gold
from bot.testing import indexed_bot

V = pickle.load(open("/tmp/trials5/qvec.pkl", "rb"))
held = pickle.load(open("/tmp/trials5/held.pkl", "rb"))
near = dict(zip([r["id"] for r in held], (V["held"] @ V["dev"].T).max(1)))
bot = indexed_bot(Path(tempfile.mkdtemp()))
plain = build_answer_chain(lambda: bot.store, bot.encoder, lexicon=bot.lexicon, aliases=bot.teaching.index_for)
rows = []
for q in load_gold(Path("/work/main/eval/gold/heldout.jsonl")):
    if q.id not in near:
        continue
    a, b = (
        bot.chain.invoke(AskRequest(q.question, previous=q.previous)),
        plain.invoke(AskRequest(q.question, previous=q.previous)),
    )
    rows.append((q.refusal, near[q.id], a.refused, b.refused))
for lo, hi in ((0, 0.95), (0.95, 1.01)):
    for oos in (True, False):
        sel = [r for r in rows if r[0] == oos and lo <= r[1] < hi]
        if sel:
            print(
                f"{'OOS' if oos else 'in '} nearest dev cosine [{lo}, {hi}): n {len(sel)}, refused with memory {np.mean([r[2] for r in sel]):.2f}, without {np.mean([r[3] for r in sel]):.2f}"
            )
