"""Trial: the same with the memory and the fit from d001-d444 only, measured on the blind batch
(d445-d559) and the held-out set: the honest check before shipping bot/known.py."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from sklearn.metrics import roc_auc_score

from eval.cross_encoder_trial import compare_refusal
from eval.trials.common import gold_clauses, load_known  # noqa: E402

labels, V, dev_all, held = load_known()


def num(r):
    return int(r["id"][1:])


ix = [i for i, r in enumerate(dev_all) if num(r) <= 444]
fx = [i for i, r in enumerate(dev_all) if num(r) > 444]
dev = [dev_all[i] for i in ix]
fresh = [dev_all[i] for i in fx]
Ev = V["dev"][ix]
Fv = V["dev"][fx]
Hv = V["held"]


def gidx(r):
    return gold_clauses(labels, r)


ein = np.array([r["inscope"] for r in dev])
egold = [gidx(r) for r in dev]
owner = np.zeros((len(labels), len(dev)), bool)
for j, g in enumerate(egold):
    for ci in g:
        owner[ci, j] = ein[j]


def feats(rows, Q, loo):
    S = Q @ Ev.T
    if loo:
        np.fill_diagonal(S, -1)
    F = []
    for i, r in enumerate(rows):
        top = r["tops"][0]["ci"]
        s = S[i]
        a = s[owner[top]].max() if owner[top].any() else 0.0
        F.append([a, s[~ein].max()])
    return np.array(F)


sets = {
    "dev442": (dev, feats(dev, Ev, True)),
    "fresh": (fresh, feats(fresh, Fv, False)),
    "held": (held, feats(held, Hv, False)),
}


def arr(rows):
    return (
        np.array([r["features"] for r in rows]),
        np.array([r["inscope"] for r in rows]),
        np.array([r["rule"] for r in rows]),
    )


D, y, rule = arr(dev)
for name in ("fresh", "held"):
    rows, K = sets[name]
    H, hy, hrule = arr(rows)
    print(
        "==",
        name,
        len(rows),
        "AUC a",
        round(roc_auc_score(hy, K[:, 0]), 3),
        "b",
        round(roc_auc_score(hy, -K[:, 1]), 3),
        "a-b",
        round(roc_auc_score(hy, K[:, 0] - K[:, 1]), 3),
    )
    compare_refusal(
        [("shipped", D, H), ("+knn a,b", np.hstack([D, sets["dev442"][1]]), np.hstack([H, K]))], y, rule, hy, hrule
    )
