"""Trial: closeness to judged development questions as refusal features, the memory being all of
dev (leave-one-out), measured on the held-out set; and the nearest question's clause as a retriever."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from eval.cross_encoder_trial import compare_refusal
from eval.trials.common import gold_clauses, load_known  # noqa: E402

labels, V, dev, held = load_known()


def gidx(r):
    return gold_clauses(labels, r)


Dv, Hv = V["dev"], V["held"]
din = np.array([r["inscope"] for r in dev])
dgold = [gidx(r) for r in dev]


def feats(rows, Q, self_mask_fn):
    S = Q @ Dv.T
    F = []
    for i, r in enumerate(rows):
        s = S[i].copy()
        s[self_mask_fn(i)] = -1
        top = r["tops"][0]["ci"]
        same = np.array([din[j] and top in dgold[j] for j in range(len(dev))])
        a = s[same].max() if same.any() else 0.0
        b = s[~din].max()
        F.append([a, b, a - b])
    return np.array(F)


# dev: exclude questions in same fold? exclude self and near-duplicates of the same id only
dmask = lambda i: np.array([j == i for j in range(len(dev))])
hmask = lambda i: np.zeros(len(dev), bool)
Df, Hf = feats(dev, Dv, dmask), feats(held, Hv, hmask)
D = np.array([r["features"] for r in dev])
H = np.array([r["features"] for r in held])
y = din
hy = np.array([r["inscope"] for r in held])
rule = np.array([r["rule"] for r in dev])
hrule = np.array([r["rule"] for r in held])
from sklearn.metrics import roc_auc_score

for j, n in enumerate(["alias_same", "oos_near", "diff"]):
    print(n, "dev AUC", round(roc_auc_score(y, Df[:, j]), 3), "held", round(roc_auc_score(hy, Hf[:, j]), 3))
compare_refusal([("shipped", D, H), ("+knn", np.hstack([D, Df]), np.hstack([H, Hf]))], y, rule, hy, hrule)
# retrieval: nearest dev in-scope question's gold as vote
for name, rows, Q, mk in (("dev", dev, Dv, dmask), ("held", held, Hv, hmask)):
    S = Q @ Dv.T
    res = {}
    for i, r in enumerate(rows):
        if not r["inscope"]:
            continue
        g = gidx(r)
        if not g:
            continue
        grp = "rew" if r["kind"] in ("paraphrase", "colloquial") else "plain"
        s = S[i].copy()
        s[mk(i)] = -1
        s[~din] = -1
        j = int(s.argmax())
        res.setdefault((grp, "nn_gold"), []).append(bool(dgold[j] & g))
        res.setdefault((grp, "ship"), []).append(r["tops"][0]["gold"])
        # rerank top3: boost clause by max alias sim
        top3 = [t["ci"] for t in r["tops"]]
        sc = []
        for k, ci in enumerate(top3):
            m = np.array([ci in dgold[jj] for jj in range(len(dev))]) & din
            sc.append((s[m].max() if m.any() else 0) - 0.0 * k)
        for w in (0.01, 0.02, 0.03):
            best = max(range(len(top3)), key=lambda k: sc[k] - w * k)
            res.setdefault((grp, f"rerank w{w}"), []).append(top3[best] in g)
    for k in sorted(res):
        print(name, k, f"{np.mean(res[k]):.3f} n={len(res[k])}")
