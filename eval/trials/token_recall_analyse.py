import numpy as np
from common import REWORD, is_gold, load, refused_at, rule_of
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

dev, held = load("dev.pkl"), load("held.pkl")
tk = load("tok.pkl")


def f(per):  # top clause: max over sentences of each stat
    return per[0].max(0)


y = np.array([r["inscope"] for r in dev])
rule = np.array([rule_of(r) for r in dev])
hy = np.array([r["inscope"] for r in held])
hrule = np.array([rule_of(r) for r in held])
X = np.array([r["features"] for r in dev])
hX = np.array([r["features"] for r in held])
T = np.array([f(p) for p in tk["dev"]])
hT = np.array([f(p) for p in tk["held"]])
for name, D, H in (
    ("features", X, hX),
    ("+tok mean", np.c_[X, T[:, :1]], np.c_[hX, hT[:, :1]]),
    ("+tok all", np.c_[X, T], np.c_[hX, hT]),
    ("tok only", T, hT),
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
print("== sentence choice by token recall")
for setname, rows, ces in (("dev", dev, tk["dev"]), ("held", held, tk["held"])):
    for group in ("plain", "reworded"):
        idx = [
            i
            for i, r in enumerate(rows)
            if r["inscope"]
            and r["key"]
            and is_gold(r, r["tops"][0])
            and ((r["kind"] in REWORD) == (group == "reworded"))
        ]
        ok = lambda i, j: all(k in rows[i]["tops"][0]["sentences"][j] for k in rows[i]["key"])
        res = [f"shipped {np.mean([ok(i, 0) for i in idx]):.3f}"]
        for w in (0.0, 0.02, 0.05, 0.1):
            picks = []
            for i in idx:
                s = ces[i][0][:, 0].copy()
                s[0] += w
                picks.append(ok(i, int(s.argmax())))
            res.append(f"+{w} {np.mean(picks):.3f}")
        print(setname, group, len(idx), " ".join(res))
print("== clause by token recall")
for setname, rows, ces in (("dev", dev, tk["dev"]), ("held", held, tk["held"])):
    for group in ("plain", "reworded"):
        idx = [i for i, r in enumerate(rows) if r["inscope"] and ((r["kind"] in REWORD) == (group == "reworded"))]
        res = [f"shipped {np.mean([is_gold(rows[i], rows[i]['tops'][0]) for i in idx]):.3f}"]
        for b in (0.0, 0.01, 0.02, 0.04):
            picks = []
            for i in idx:
                sc = np.array([c[:, 0].max() for c in ces[i]])
                sc[0] += b
                picks.append(is_gold(rows[i], rows[i]["tops"][int(sc.argmax())]))
            res.append(f"b{b} {np.mean(picks):.3f}")
        print(setname, group, len(idx), " ".join(res))
