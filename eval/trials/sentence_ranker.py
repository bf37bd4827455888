"""Eighth-session trial: choose the answering sentence of the clause found by a small learned
model over the signals bot/extract.py's hand-set line adds up (e5 meaning, word and character-pair
BM25, the asked kind) and one more: the query adapter's softmax over the clause's sentences
(bot/adapter.py fits it for exactly this target, the sentence that holds the answer key).

Run: .venv/bin/python eval/trials/sentence_ranker.py collect   (once, ~2 min; writes /tmp/trials)
     .venv/bin/python eval/trials/sentence_ranker.py compare

Development questions are collected with the adapter fitted without their fold (as
eval/quality.py answers them) and the ranker is cross-validated over the same folds; the held-out
set and the thirteenth blind batch are scored with the adapter and ranker fitted on all of dev.
Prints, per set and group, the share of questions (top clause gold, with a key) whose chosen
sentence's quote holds every key.
"""

import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np
from common import REWORD, SETS  # also puts the project on sys.path

WORK = Path("/tmp/trials")


def collect():
    from bot.adapter import TEMPERATURE
    from bot.answer import Extractor
    from bot.asked import asked_kinds, states_any
    from bot.chain import AskRequest
    from bot.extract import _asked_answers, _cue_bonus, best_sentences
    from bot.goldset import load_gold
    from bot.keywords import tokenize
    from bot.testing import indexed_bot
    from eval.calibrate import adapters
    from eval.quality import memory_chain

    bot = indexed_bot(Path(tempfile.mkdtemp()))
    bot.warm_up()
    store = bot.store
    dev = load_gold(SETS["dev"])
    full, held_out = adapters(bot, dev)
    current = [full]
    chain = memory_chain(bot, adapter=lambda s: current[0])
    WORK.mkdir(exist_ok=True)
    for name, path in SETS.items():
        rows = []
        for q in load_gold(path):
            if q.refusal or q.kind == "injection" or not q.key:
                continue
            adapter = held_out.get(q.question, full) if name == "dev" else full
            current[0] = adapter
            answer = chain.invoke(AskRequest(q.question, previous=q.previous))
            if answer.refused or not answer.retrieved:
                continue
            ci = answer.retrieved[0].metadata["clause_index"]
            clause = store.clauses[ci]
            if clause.label not in q.gold and clause.clause_id not in q.gold:
                continue
            search = answer.search
            vector = bot.encoder(search)
            tokens = tokenize(search)
            ranked = dict(
                best_sentences(
                    store,
                    ci,
                    search,
                    vector,
                    store.bm25_sentences.scores(tokens),
                    store.bigram_sentences.scores(search),
                )
            )
            ex = Extractor(store, bot.encoder, bot.lexicon)
            sv = store.clause_sentence_vectors(ci)
            dense = sv @ vector
            adapted = sv @ adapter.adapt(vector)
            p = np.exp((adapted - adapted.max()) / TEMPERATURE)
            p = p / p.sum()
            first = store.first_row[ci]
            n = len(clause.sentences)
            kw = store.bm25_sentences.scores(tokens)[first : first + n]
            bg = store.bigram_sentences.scores(search)[first : first + n]
            kinds = asked_kinds(search)
            specific = [k for k in kinds if k not in ("yesno", "list")]
            asked = _asked_answers(search)
            feats, labels, candidates = [], [], []
            for i, sentence in enumerate(clause.sentences):
                if i not in ranked:
                    continue  # the heading
                quote, _ = ex._sentence(clause.sentences, i)
                candidates.append(i)
                labels.append(all(k in quote for k in q.key))
                feats.append(
                    {
                        "shipped": ranked[i],
                        "dense": float(dense[i]),
                        "adapted": float(adapted[i]),
                        "p": float(p[i]),
                        "kw": float(kw[i]),
                        "bg": float(bg[i]),
                        "cue": _cue_bonus(asked, sentence) / 0.25,
                        "states": float(bool(specific) and states_any(kinds, sentence)),
                        "len": len(sentence) / 100,
                        "pos": i / max(n - 1, 1),
                    }
                )
            rows.append(
                {
                    "id": q.id,
                    "question": q.question,
                    "kind": q.kind,
                    "reworded": q.kind in REWORD,
                    "followup": bool(q.previous),
                    "candidates": candidates,
                    "feats": feats,
                    "labels": labels,
                }
            )
        pickle.dump(rows, open(WORK / f"ranker_{name}.pkl", "wb"))
        print(name, len(rows), flush=True)


NAMES = ["dense", "adapted", "p", "kw", "bg", "cue", "states", "len", "pos"]


def within(values):
    v = np.asarray(values, dtype=float)
    spread = v.max() - v.min()
    return (v - v.min()) / spread if spread > 1e-9 else np.zeros_like(v)


def matrix(row, names):
    """Per-candidate features, each also normalised within the clause."""
    cols = []
    for name in names:
        raw = [f[name] for f in row["feats"]]
        cols.append(raw)
        if name in ("dense", "adapted", "kw", "bg", "p"):
            cols.append(within(raw))
    return np.array(cols, dtype=float).T


def fit(rows, names, c):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    X = np.vstack([matrix(r, names) for r in rows])
    y = np.concatenate([r["labels"] for r in rows])
    scaler = StandardScaler().fit(X)
    model = LogisticRegression(C=c, max_iter=2000).fit(scaler.transform(X), y)
    return lambda r: model.decision_function(scaler.transform(matrix(r, names)))


def ok(row, scores):
    return bool(row["labels"][int(np.argmax(scores))])


def report(label, sets):
    out = []
    for name, rows, scorer in sets:
        for group in (False, True):
            chosen = [r for r in rows if r["reworded"] == group]
            out.append(f"{name}/{'rew' if group else 'pln'} {np.mean([ok(r, scorer(r)) for r in chosen]):.3f}")
    print(f"{label:34s} " + "  ".join(out))


def compare():
    dev = pickle.load(open(WORK / "ranker_dev.pkl", "rb"))
    held = pickle.load(open(WORK / "ranker_held.pkl", "rb"))
    b13 = pickle.load(open(WORK / "ranker_b13.pkl", "rb"))
    sizes = [
        f"{n} pln {sum(not r['reworded'] for r in s)} rew {sum(r['reworded'] for r in s)}"
        for n, s in (("dev", dev), ("held", held), ("b13", b13))
    ]
    print("questions (top clause gold, with a key):", "; ".join(sizes))
    shipped = lambda r: [f["shipped"] for f in r["feats"]]  # noqa: E731
    report("shipped", [("dev", dev, shipped), ("held", held, shipped), ("b13", b13, shipped)])
    oracle = lambda r: [float(x) for x in r["labels"]]  # noqa: E731
    report("oracle (some sentence holds keys)", [("dev", dev, oracle), ("held", held, oracle), ("b13", b13, oracle)])
    for w in (0.25, 0.5, 1.0):
        add = lambda r, w=w: [f["shipped"] + w * f["p"] for f in r["feats"]]  # noqa: E731
        report(f"shipped + {w} adapter p", [("dev", dev, add), ("held", held, add), ("b13", b13, add)])
    fold = np.random.default_rng(1).integers(0, 5, len(dev))
    for names in (NAMES, [n for n in NAMES if n not in ("adapted", "p")], NAMES + ["shipped"]):
        for c in (0.1, 1.0):
            scores = {}
            for f in range(5):
                scorer = fit([r for r, g in zip(dev, fold) if g != f], names, c)
                for r, g in zip(dev, fold):
                    if g == f:
                        scores[r["id"]] = scorer(r)
            cv = lambda r, scores=scores: scores[r["id"]]  # noqa: E731
            full = fit(dev, names, c)
            tag = "no adapter" if "p" not in names else ("+shipped" if "shipped" in names else "all")
            report(f"logistic {tag} C={c}", [("dev", dev, cv), ("held", held, full), ("b13", b13, full)])


if __name__ == "__main__":
    {"collect": collect, "compare": compare}[sys.argv[1]]()
