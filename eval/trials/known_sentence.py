"""Trial: the nearest development question's answering sentence (the one holding its key) chosen for
a similar question, against the shipped sentence choice."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from eval.trials.common import gold_clauses, load_known, number  # noqa: E402

labels, V, dev_all, held = load_known()
num = number


def gidx(r):
    return gold_clauses(labels, r)


for exset, testname in (("442", "fresh"), ("442", "held"), ("all", "held")):
    ix = [i for i, r in enumerate(dev_all) if exset == "all" or num(r) <= 444]
    ex = [dev_all[i] for i in ix]
    Ev = V["dev"][ix]
    if testname == "fresh":
        tx = [i for i, r in enumerate(dev_all) if num(r) > 444]
        test = [dev_all[i] for i in tx]
        Tv = V["dev"][tx]
    else:
        test, Tv = held, V["held"]
    S = Tv @ Ev.T
    res = {}
    for i, r in enumerate(test):
        if not r["inscope"] or not r["tops"][0]["gold"] or not r["key"]:
            continue
        grp = "rew" if r["kind"] in ("paraphrase", "colloquial") else "plain"
        ci = r["tops"][0]["ci"]
        sents = r["tops"][0]["sentences"]
        ok_ship = (not r["refused"]) and all(k in r["answer"] for k in r["key"])
        cand = [j for j, e in enumerate(ex) if e["inscope"] and e["key"] and ci in gidx(e)]
        best = None
        if cand:
            j = max(cand, key=lambda j: S[i, j])
            sim = S[i, j]
            es = [s for s in sents if all(k in s for k in ex[j]["key"])]
            if es:
                best = (sim, es[0])
        for th in (0.0, 0.9, 0.92, 0.94):
            if best and best[0] >= th:
                ok = all(k in best[1] for k in r["key"])
            else:
                ok = ok_ship
            res.setdefault((grp, th), []).append(ok)
        res.setdefault((grp, "ship"), []).append(ok_ship)
    for k in sorted(res, key=str):
        print(exset, testname, k, f"{np.mean(res[k]):.3f} n={len(res[k])}")
