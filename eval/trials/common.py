"""What the trial scripts share: the pickles `collect.py` writes, and the refusal measure of
eval/cross_encoder_trial.py (threshold set at a share of in-scope questions refused, 5-fold
cross-validated, 10 shuffles)."""

import pickle

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

WORK = "/tmp/trials"
MODEL_REASON = "已加载的文本没有涉及这个问题，无法作答（不作猜测）。"
REWORD = {"paraphrase", "colloquial"}


def load(name):
    return pickle.load(open(f"{WORK}/{name}", "rb"))


def is_gold(row, top):
    return top["label"] in row["gold"] or top["clause_id"] in row["gold"]


def rule_of(r):
    return r["refused"] and MODEL_REASON not in r["answer"]


def refused_at(Z, y, rule, max_refused, repeats=10):
    out = []
    for rep in range(repeats):
        p = np.zeros(len(y))
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=rep).split(Z, y):
            p[te] = LogisticRegression(max_iter=5000).fit(Z[tr], y[tr]).predict_proba(Z[te])[:, 1]
        budget = int(max_refused * y.sum()) - int((rule & y).sum())
        cut = np.sort(p[y & ~rule])[max(0, budget)]
        refused = rule | (p < cut)
        out.append((cut, refused[y].mean(), refused[~y].mean()))
    return np.median([o[0] for o in out]), np.mean([o[1] for o in out]), np.mean([o[2] for o in out])
