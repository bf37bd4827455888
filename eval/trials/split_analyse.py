"""Refusal, sentence choice and clause choice by the split cross-encoder's scores
(`split_encoder.py` writes them). Run: .venv/bin/python eval/trials/split_analyse.py TAG"""

import sys

import numpy as np
from common import arrays, clause_choice, compare_refusal, load, sentence_choice

TAG = sys.argv[1]
dev, held = load("dev.pkl"), load("held.pkl")
ce_dev, ce_held = load(f"ce_{TAG}.pkl")


def ce_feats(ce):
    top = ce[0]
    return [top[:2].max(), top.max()]


print("== refusal")
(y, rule, X), (hy, hrule, hX) = arrays(dev), arrays(held)
C = np.array([ce_feats(c) for c in ce_dev])
hC = np.array([ce_feats(c) for c in ce_held])
compare_refusal(
    (
        ("features", X, hX),
        ("+ce top2", np.c_[X, C[:, :1]], np.c_[hX, hC[:, :1]]),
        ("+ce all", np.c_[X, C[:, 1:]], np.c_[hX, hC[:, 1:]]),
        ("ce only", C[:, :1], hC[:, :1]),
    ),
    y,
    rule,
    hy,
    hrule,
)
sets = (("dev", dev, ce_dev), ("held", held, ce_held))
print("== sentence choice (top clause gold, keyed)")
sentence_choice(sets, lambda per: per[0], (0.0, 0.5, 1.0, 2.0), second=0.5)
print("== clause rerank (in scope)")
clause_choice(sets, lambda per: [c.max() for c in per], (0.0, 1.0, 2.0, 3.0, 4.0))
