"""Trial: the nearest answerable development question's clause put first when the keyword lists are
weak (cover_words < c) and it is close (cosine >= t); memory d001-d444, leave-one-out on it."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bot.trust import FEATURES
from eval.trials.common import gold_clauses, load_known, number  # noqa: E402

CW = FEATURES.index("cover_words")
CB = FEATURES.index("cover_bigrams")
DT = FEATURES.index("dense_top")
labels, V, dev_all, held = load_known()
num = number


def gidx(r):
    return gold_clauses(labels, r)


ix = [i for i, r in enumerate(dev_all) if num(r) <= 444]
ex = [dev_all[i] for i in ix]
Ev = V["dev"][ix]
exin = np.array([r["inscope"] for r in ex])
exg = [gidx(r) for r in ex]
tx = [i for i, r in enumerate(dev_all) if num(r) > 444]
sets = (
    ("dev442-loo", ex, Ev, True),
    ("fresh", [dev_all[i] for i in tx], V["dev"][tx], False),
    ("held", held, V["held"], False),
)
grid = [(c, t) for c in (0.2, 0.3, 0.4, 0.5) for t in (0.90, 0.92, 0.94)]
for name, test, Tv, loo in sets:
    S = Tv @ Ev.T
    if loo:
        np.fill_diagonal(S, -1)
    res = {}
    for i, r in enumerate(test):
        if not r["inscope"]:
            continue
        g = gidx(r)
        if not g:
            continue
        grp = "rew" if r["kind"] in ("paraphrase", "colloquial") else "plain"
        s = S[i].copy()
        s[~exin] = -1
        j = int(s.argmax())
        top = r["tops"][0]["ci"]
        res.setdefault((grp, "ship"), []).append(top in g)
        f = r["features"]
        for c, t in grid:
            pick = top
            if f[CW] < c and s[j] >= t and top not in exg[j]:
                pick = sorted(exg[j])[0]
            res.setdefault((grp, f"c{c} t{t}"), []).append(pick in g)

    def mean(key):
        return np.mean(res[key]) if key in res else float("nan")

    print(name, f"ship plain {mean(('plain', 'ship')):.3f} rew {mean(('rew', 'ship')):.3f}")
    for c, t in grid:
        k = f"c{c} t{t}"
        print(f"  {k:12s} plain {mean(('plain', k)):.3f} rew {mean(('rew', k)):.3f}")
