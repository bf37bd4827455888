"""The refusal model with each weight bounded to the sign it is meant to have.
Run: .venv/bin/python eval/trials/monotone.py"""

import json

import numpy as np
from common import arrays, load
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

t = json.load(open(__import__("pathlib").Path(__file__).resolve().parents[2] / "bot/data/trust.json"))
F = t["features"]


def features_of(name):
    y, rule, X = arrays(load(name))
    return X, y, rule


X, y, rule = features_of("dev.pkl")
FX, fy, frule = features_of("fresh.pkl")
HX, hy, hrule = features_of("held.pkl")
# sign each feature should have (+1 more trust, -1 less, 0 free)
SIGN = {
    "dense_top": 1,
    "margin": 1,
    "cover_words": 1,
    "cover_bigrams": 1,
    "lex_mean": 1,
    "lex_min": 1,
    "foreign": -1,
    "asked": 0,
    "kind_ok": 1,
    "kind_cover": 1,
    "target_ok": 1,
    "target_in": 1,
}


def fit(Z, yy, C=1.0, mono=False, cols=None):
    if not mono:
        m = LogisticRegression(C=C, max_iter=5000).fit(Z, yy)
        return m.coef_[0], m.intercept_[0]
    k = Z.shape[1]
    s = np.array([SIGN[F[c]] for c in cols])

    def f(w):
        z = Z @ w[:k] + w[k]
        p = 1 / (1 + np.exp(-z))
        loss = -(yy * np.log(p + 1e-12) + (1 - yy) * np.log(1 - p + 1e-12)).sum() + 0.5 / C * (w[:k] ** 2).sum()
        g = Z.T @ (p - yy) + w[:k] / C
        return loss, np.r_[g, (p - yy).sum()]

    b = [(0, None) if v > 0 else (None, 0) if v < 0 else (None, None) for v in s] + [(None, None)]
    r = minimize(f, np.zeros(k + 1), jac=True, bounds=b, method="L-BFGS-B")
    return r.x[:k], r.x[k]


def run(name, cols, mono):
    D = X[:, cols]
    mu, sd = D.mean(0), D.std(0) + 1e-9
    Z = (D - mu) / sd
    cuts = []
    ins = []
    oos = []
    for rep in range(10):
        p = np.zeros(len(y))
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=rep).split(Z, y):
            w, b = fit(Z[tr], y[tr], mono=mono, cols=cols)
            p[te] = 1 / (1 + np.exp(-(Z[te] @ w + b)))
        budget = int(0.01 * y.sum()) - int((rule & y).sum())
        cut = np.sort(p[y & ~rule])[max(0, budget)]
        ref = rule | (p < cut)
        cuts.append(cut)
        ins.append(ref[y].mean())
        oos.append(ref[~y].mean())
    cut = np.median(cuts)
    w, b = fit(Z, y, mono=mono, cols=cols)
    out = [f"{name:22s} dev cv in {np.mean(ins):.3f} oos {np.mean(oos):.3f}"]
    for nm, (A, yy, rr) in (("fresh", (FX, fy, frule)), ("held", (HX, hy, hrule))):
        p = 1 / (1 + np.exp(-(((A[:, cols] - mu) / sd) @ w + b)))
        ref = rr | (p < cut)
        out.append(f"{nm} in {ref[yy].mean():.3f} oos {ref[~yy].mean():.3f}")
    print(" | ".join(out))
    return w


allc = list(range(len(F)))
w = run("current", allc, False)
print(dict(zip(F, np.round(w, 2))))
run("no cover_bigrams", [i for i in allc if F[i] != "cover_bigrams"], False)
w = run("monotone", allc, True)
print(dict(zip(F, np.round(w, 2))))
