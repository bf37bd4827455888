"""memory = all dev (LOO); evaluate the NN override on d001-d559 (older), d560-d869 (blind batches), held."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bot.trust import FEATURES
from eval.trials.common import gold_clauses, load_known, number  # noqa: E402

CW = FEATURES.index("cover_words")
labels, V, dev, held = load_known()
num = number


def gidx(r):
    return gold_clauses(labels, r)


Ev = V["dev"]
exin = np.array([r["inscope"] for r in dev])
exg = [gidx(r) for r in dev]
exsearch = [r["search"] for r in dev]
grid = [(c, t) for c in (0.2, 0.3, 0.4) for t in (0.88, 0.90, 0.92, 0.94)]


def run(name, idx, test, Tv, loo):
    S = Tv @ Ev.T
    res = {}
    for i in idx:
        r = test[i]
        if not r["inscope"]:
            continue
        g = gidx(r)
        if not g:
            continue
        grp = "rew" if r["kind"] in ("paraphrase", "colloquial") else "plain"
        s = S[i].copy()
        s[~exin] = -1
        if loo:
            s[[j for j, x in enumerate(exsearch) if x == r["search"]]] = -1
        j = int(s.argmax())
        top = r["tops"][0]["ci"]
        res.setdefault((grp, "ship"), []).append(top in g)
        for c, t in grid:
            pick = top
            if r["features"][CW] < c and s[j] >= t and top not in exg[j]:
                pick = sorted(exg[j])[0]
            res.setdefault((grp, f"c{c} t{t}"), []).append(pick in g)
    m = lambda k: np.mean(res[k]) if k in res else float("nan")
    print(
        name,
        f"ship plain {m(('plain', 'ship')):.3f} rew {m(('rew', 'ship')):.3f}  n rew {len(res.get(('rew', 'ship'), []))}",
    )
    for c, t in grid:
        k = f"c{c} t{t}"
        print(f"  {k:12s} plain {m(('plain', k)):.3f} rew {m(('rew', k)):.3f}")


run("dev d001-d559 LOO", [i for i, r in enumerate(dev) if num(r) <= 559], dev, Ev, True)
run("dev d560-d869 LOO", [i for i, r in enumerate(dev) if num(r) > 559], dev, Ev, True)
run("held", list(range(len(held))), held, V["held"], False)
