"""Trial: clause top-1 by m3e-small alone and fused with the shipped ranking, plain and reworded."""

import pickle
import sys

import numpy as np

sys.path.insert(0, "/work/main")
M = pickle.load(open("/tmp/trials5/m3e.pkl", "rb"))
labels, owner = M["labels"], M["owner"]
nC = len(labels)


def gold_idx(r):
    return {i for i, (label, cid) in enumerate(labels) if label in r["gold"] or cid in r["gold"]}


for name in ("dev", "held"):
    rows = pickle.load(open(f"/tmp/trials5/{name}.pkl", "rb"))
    sims, cs = M[name]["sims"], M[name]["csims"]
    per = np.full((len(rows), nC), -1.0)
    for ci in range(nC):
        per[:, ci] = sims[:, owner == ci].max(1)
    stats = {}
    for i, r in enumerate(rows):
        if not r["inscope"]:
            continue
        g = gold_idx(r)
        if not g:
            continue
        grp = "rew" if r["kind"] in ("paraphrase", "colloquial") else "plain"
        ship = r["tops"][0]["gold"]
        top3 = [t["ci"] for t in r["tops"]]
        m_s = int(per[i].argmax()) in g
        m_c = int(cs[i].argmax()) in g
        m_mix = int((per[i] + cs[i]).argmax()) in g
        # rerank shipped top3 by RRF with m3e rank
        rank_m = {ci: k for k, ci in enumerate(np.argsort(-per[i]))}
        fused = sorted(top3, key=lambda ci: 1 / (60 + top3.index(ci)) + 1 / (60 + rank_m[ci]))[::-1]

        # fusion over all clauses: shipped rank for top3 else 3..
        def fr(w):
            sc = {
                ci: w / (10 + rank_m[ci]) + (1 / (10 + top3.index(ci)) if ci in top3 else 1 / (10 + 3 + rank_m[ci] * 0))
                for ci in range(nC)
            }
            return max(sc, key=sc.get) in g

        for k, v in (
            ("ship", ship),
            ("m3e_sent", m_s),
            ("m3e_clause", m_c),
            ("m3e_mix", m_mix),
            ("rrf_top3", fused[0] in g),
            ("ship_top3", any(ci in g for ci in top3)),
            ("m3e_top3", any(int(c) in g for c in np.argsort(-per[i])[:3])),
        ):
            stats.setdefault((grp, k), []).append(v)
    for k in sorted(stats):
        print(name, k, f"{np.mean(stats[k]):.3f} n={len(stats[k])}")
