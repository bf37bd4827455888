"""Sixth-session trial analysis: what ce2.py's cross-encoder scores do for sentence choice, clause
choice and refusal, beside the shipped answer path (features + the refusal model's memory).

Run: .venv/bin/python eval/trials/ce2_analyse.py TAG TRAIN_MAX_NUMBER [EXTRA.pkl:VEC.npy:NAME ...]
Sets: "train" (dev below the number, out-of-fold scores when ce2 ran with folds), "blind" (dev
from the number on: written blind, never trained on), "held" (eval/gold/heldout.jsonl), extras.
"""

import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from eval.trials.ce2 import SENTENCES  # noqa: E402
from eval.trials.common import REWORD, gold_clauses, rule_of  # noqa: E402

tag, limit = sys.argv[1], int(sys.argv[2])
scores = pickle.load(open(f"/tmp/s7/ce2-{tag}.pkl", "rb"))
dev, held = pickle.load(open("/tmp/s6/dev.pkl", "rb")), pickle.load(open("/tmp/s6/held.pkl", "rb"))
V = pickle.load(open("/tmp/s6/qvec.pkl", "rb"))
labels = V["labels"]
sets = {
    "train": [r for r in dev if int(r["id"][1:]) < limit],
    "blind": [r for r in dev if int(r["id"][1:]) >= limit],
    "held": held,
}
vec = {r["id"]: v for r, v in zip(dev, V["dev"])} | {r["id"]: v for r, v in zip(held, V["held"])}
for spec in sys.argv[3:]:
    path, vpath, name = spec.split(":")
    rows = pickle.load(open(path, "rb"))
    sets[name] = rows
    vec |= {r["id"]: v for r, v in zip(rows, np.load(vpath))}

# the memory: training rows only (what a model shipped from them would know)
mem = sets["train"]
M = np.array([vec[r["id"]] for r in mem])
m_in = np.array([r["inscope"] for r in mem])
m_gold = [gold_clauses(labels, r) for r in mem]
label_index = {lab: i for i, (lab, _) in enumerate(labels)}


def memory_features(r):
    s = M @ vec[r["id"]]
    s = np.where(np.array([m["id"] == r["id"] for m in mem]), -1, s)
    ci = r["tops"][0]["ci"]
    same = np.array([m_in[j] and ci in m_gold[j] for j in range(len(mem))])
    a = s[same].max() if same.sum() >= 3 else 0.75
    b = s[~m_in].max() if (~m_in).any() else 0.75
    return [a, b]


def ok_sentence(r, text):
    return all(k in text for k in r["key"])


def ce_of(r):
    return scores.get(r["id"])


def sentence_table():
    print("== sentence choice (top clause gold, keyed): shipped first vs CE argmax vs CE + bonus for shipped first")
    for name, rows in sets.items():
        for grp in ("plain", "reworded"):
            idx = [
                r
                for r in rows
                if r["inscope"]
                and r["key"]
                and r["tops"][0]["gold"]
                and ce_of(r)
                and ((r["kind"] in REWORD) == (grp == "reworded"))
            ]
            if not idx:
                continue
            res = {"shipped": np.mean([ok_sentence(r, r["tops"][0]["sentences"][0]) for r in idx])}
            for bonus in (0.0, 1.0, 2.0, 4.0):
                picks = []
                for r in idx:
                    sents = r["tops"][0]["sentences"]
                    # scores are in clause order (SENTENCES); map shipped-order sentences to them
                    order = SENTENCES.get(r["tops"][0]["label"], sents)
                    sc = np.array(ce_of(r)[0])
                    first = order.index(sents[0]) if sents[0] in order else 0
                    sc[first] += bonus
                    picks.append(ok_sentence(r, order[int(sc.argmax())]))
                res[f"ce+{bonus}"] = np.mean(picks)
            print(f"{name:6s} {grp:9s} n={len(idx):3d} " + " ".join(f"{k} {v:.3f}" for k, v in res.items()))


def clause_table():
    print("== clause choice among top 3 (in scope): shipped first vs CE max + bias for shipped first")
    for name, rows in sets.items():
        for grp in ("plain", "reworded"):
            idx = [r for r in rows if r["inscope"] and ce_of(r) and ((r["kind"] in REWORD) == (grp == "reworded"))]
            if not idx:
                continue
            res = {"shipped": np.mean([r["tops"][0]["gold"] for r in idx])}
            for b in (0.0, 1.0, 2.0, 3.0):
                picks = []
                for r in idx:
                    sc = np.array([max(s) if s else -99 for s in ce_of(r)])
                    sc[0] += b
                    picks.append(r["tops"][int(sc.argmax())]["gold"])
                res[f"b{b}"] = np.mean(picks)
            print(f"{name:6s} {grp:9s} n={len(idx):3d} " + " ".join(f"{k} {v:.3f}" for k, v in res.items()))


def refusal_table():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    print("== refusal: model fitted on train rows; threshold at 1.5% of train in-scope refused (rules + model)")

    def mat(rows, with_ce):
        X = []
        for r in rows:
            x = list(r["features"]) + memory_features(r)
            if with_ce:
                top = ce_of(r)[0] if ce_of(r) else [0]
                x += [max(top), sorted(top)[-2] if len(top) > 1 else max(top)]
            X.append(x)
        return np.array(X, dtype=float)

    for with_ce in (False, True):
        tr = [r for r in sets["train"] if ce_of(r) or not with_ce]
        X, y = mat(tr, with_ce), np.array([r["inscope"] for r in tr])
        rule = np.array([rule_of(r) for r in tr])
        mu, sd = X.mean(0), X.std(0) + 1e-9
        model = LogisticRegression(max_iter=5000).fit((X - mu) / sd, y)
        p = model.predict_proba((X - mu) / sd)[:, 1]
        budget = int(0.015 * y.sum()) - int((rule & y).sum())
        cut = np.sort(p[y & ~rule])[max(0, budget)]
        line = [f"{'features+memory+CE' if with_ce else 'features+memory':20s}"]
        for name, rows in sets.items():
            rows = [r for r in rows if ce_of(r) or not with_ce]
            if not rows:
                continue
            Z, yy = mat(rows, with_ce), np.array([r["inscope"] for r in rows])
            rr = np.array([rule_of(r) for r in rows])
            pp = model.predict_proba((Z - mu) / sd)[:, 1]
            refused = rr | (pp < cut)
            auc = roc_auc_score(yy[~rr], pp[~rr]) if len(set(yy[~rr])) > 1 else float("nan")
            line.append(f"{name} oos {refused[~yy].mean():.2f} in {refused[yy].mean():.3f} auc {auc:.3f}")
        print(" | ".join(line))
        if with_ce:
            for name, rows in sets.items():
                rows = [r for r in rows if ce_of(r) and not rule_of(r)]
                yy = np.array([r["inscope"] for r in rows])
                c = np.array([max(ce_of(r)[0]) for r in rows])
                if len(set(yy)) > 1:
                    print(f"   CE max alone AUC {name}: {roc_auc_score(yy, c):.3f}")


sentence_table()
clause_table()
refusal_table()
