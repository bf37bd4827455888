"""Trial: m3e-small's similarities as refusal features (eval/cross_encoder_trial.py's compare_refusal)."""

import pickle
import sys

import numpy as np

sys.path.insert(0, "/work/main")
from sklearn.metrics import roc_auc_score

from eval.cross_encoder_trial import compare_refusal

M = pickle.load(open("/tmp/trials5/m3e.pkl", "rb"))
owner = M["owner"]
nC = len(M["labels"])


def feats(name):
    rows = pickle.load(open(f"/tmp/trials5/{name}.pkl", "rb"))
    sims = M[name]["sims"]
    cs = M[name]["csims"]
    X, extra, y, rule = [], [], [], []
    for i, r in enumerate(rows):
        ci = r["tops"][0]["ci"]
        s = np.sort(sims[i, owner == ci])[::-1]
        allc = np.array([sims[i, owner == c].max() for c in range(nC)])
        extra.append([s[0], s[0] - np.sort(allc)[-2] if allc.argmax() == ci else s[0] - allc.max(), cs[i, ci]])
        X.append(r["features"])
        y.append(r["inscope"])
        rule.append(r["rule"])
    return np.array(X), np.array(extra), np.array(y), np.array(rule)


D, De, y, rule = feats("dev")
H, He, hy, hrule = feats("held")
for j, n in enumerate(["m3e_top", "m3e_margin", "m3e_clause"]):
    print(n, "dev AUC", round(roc_auc_score(y, De[:, j]), 3), "held", round(roc_auc_score(hy, He[:, j]), 3))
print("dense_top dev AUC", round(roc_auc_score(y, D[:, 0]), 3), "held", round(roc_auc_score(hy, H[:, 0]), 3))
compare_refusal([("shipped features", D, H), ("+ m3e", np.hstack([D, De]), np.hstack([H, He]))], y, rule, hy, hrule)
