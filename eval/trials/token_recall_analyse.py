"""Refusal, sentence choice and clause choice by token-level recall (`token_recall.py` writes
it). Run: .venv/bin/python eval/trials/token_recall_analyse.py"""

import numpy as np
from common import arrays, clause_choice, compare_refusal, load, sentence_choice

dev, held = load("dev.pkl"), load("held.pkl")
tk = load("tok.pkl")


def f(per):  # top clause: max over sentences of each stat
    return per[0].max(0)


(y, rule, X), (hy, hrule, hX) = arrays(dev), arrays(held)
T = np.array([f(p) for p in tk["dev"]])
hT = np.array([f(p) for p in tk["held"]])
compare_refusal(
    (
        ("features", X, hX),
        ("+tok mean", np.c_[X, T[:, :1]], np.c_[hX, hT[:, :1]]),
        ("+tok all", np.c_[X, T], np.c_[hX, hT]),
        ("tok only", T, hT),
    ),
    y,
    rule,
    hy,
    hrule,
)
sets = (("dev", dev, tk["dev"]), ("held", held, tk["held"]))
print("== sentence choice by token recall")
sentence_choice(sets, lambda per: per[0][:, 0], (0.0, 0.02, 0.05, 0.1))
print("== clause by token recall")
clause_choice(sets, lambda per: [c[:, 0].max() for c in per], (0.0, 0.01, 0.02, 0.04))
