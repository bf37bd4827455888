import sys

import numpy as np
from common import REWORD, is_gold, load, refused_at, rule_of
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

TAG = sys.argv[1]
dev, held = load("dev.pkl"), load("held.pkl")
ce_dev, ce_held = load(f"ce_{TAG}.pkl")


def ce_feats(ce):
    top = ce[0]
    return [top[:2].max(), top.max()]


print("== refusal")
y = np.array([r["inscope"] for r in dev])
rule = np.array([rule_of(r) for r in dev])
hy = np.array([r["inscope"] for r in held])
hrule = np.array([rule_of(r) for r in held])
X = np.array([r["features"] for r in dev])
hX = np.array([r["features"] for r in held])
C = np.array([ce_feats(c) for c in ce_dev])
hC = np.array([ce_feats(c) for c in ce_held])
for name, D, H in (
    ("features", X, hX),
    ("+ce top2", np.c_[X, C[:, :1]], np.c_[hX, hC[:, :1]]),
    ("+ce all", np.c_[X, C[:, 1:]], np.c_[hX, hC[:, 1:]]),
    ("ce only", C[:, :1], hC[:, :1]),
):
    mean, sd = D.mean(0), D.std(0) + 1e-9
    model = LogisticRegression(max_iter=5000).fit((D - mean) / sd, y)
    ph = model.predict_proba((H - mean) / sd)[:, 1]
    auc = roc_auc_score(hy[~hrule], ph[~hrule])
    for mr in (0.01, 0.02):
        cut, inside, outside = refused_at((D - mean) / sd, y, rule, mr)
        hr = hrule | (ph < cut)
        print(
            f"{name:10s} @{mr:.0%}: dev in {inside:.3f} oos {outside:.3f}; held in {hr[hy].mean():.3f} oos {hr[~hy].mean():.3f}; held AUC {auc:.3f}"
        )

print("== sentence choice (top clause gold, keyed)")
for setname, rows, ces in (("dev", dev, ce_dev), ("held", held, ce_held)):
    for group in ("plain", "reworded"):
        idx = [
            i
            for i, r in enumerate(rows)
            if r["inscope"]
            and r["key"]
            and is_gold(r, r["tops"][0])
            and ((r["kind"] in REWORD) == (group == "reworded"))
        ]

        def ok(i, j):
            s = rows[i]["tops"][0]["sentences"][j]
            return all(k in s for k in rows[i]["key"])

        ship = np.mean([ok(i, 0) for i in idx])
        res = [f"shipped {ship:.3f}"]
        for w in (0.0, 0.5, 1.0, 2.0):
            # prior: shipped rank 0 gets w, 1 gets w/2
            picks = []
            for i in idx:
                s = ces[i][0].copy()
                s[0] += w
                if len(s) > 1:
                    s[1] += w / 2
                picks.append(ok(i, int(s.argmax())))
            res.append(f"ce+{w} {np.mean(picks):.3f}")
        print(f"{setname:5s} {group:9s} n={len(idx):3d} " + " ".join(res))

print("== clause rerank (in scope)")
for setname, rows, ces in (("dev", dev, ce_dev), ("held", held, ce_held)):
    for group in ("plain", "reworded"):
        idx = [i for i, r in enumerate(rows) if r["inscope"] and ((r["kind"] in REWORD) == (group == "reworded"))]
        ship = np.mean([is_gold(rows[i], rows[i]["tops"][0]) for i in idx])
        res = [f"shipped {ship:.3f}"]
        for b in (0.0, 1.0, 2.0, 3.0, 4.0):
            picks = []
            for i in idx:
                sc = np.array([c.max() for c in ces[i]])
                sc[0] += b
                picks.append(is_gold(rows[i], rows[i]["tops"][int(sc.argmax())]))
            res.append(f"b{b} {np.mean(picks):.3f}")
        print(f"{setname:5s} {group:9s} n={len(idx):3d} " + " ".join(res))
