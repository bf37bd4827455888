"""Eighth-session trial: does the refusal model separate better when it also weighs the question's
own e5 vector (a linear probe of what the development set's out-of-scope questions are about)?

Run: .venv/bin/python eval/trials/scope_probe.py collect   (~5 min; writes /tmp/trials/scope_*.pkl)
     .venv/bin/python eval/trials/scope_probe.py compare

`collect` answers the development set (adapter by folds, as eval/quality.py does), the held-out set
and the thirteenth blind batch, and keeps per question the refusal features of the clause found
(bot/trust.py's and bot/known.py's, the memory leave-one-out), its e5 vector and whether a rule
refused it. `compare` fits, on the development set's questions the model decides (found a clause
the memory covers, not refused by a rule), a logistic model with and without the vector; each
threshold refuses a set share of in-scope questions by 5-fold cross-validated probabilities (median
of 5 shuffles), and the model fitted on all of dev is then applied to the other sets. Printed: the
cross-validated out-of-scope share refused on dev, and per other set the questions the model refuses.
"""

import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np
from common import SETS  # also puts the project on sys.path

WORK = Path("/tmp/trials")
MODEL_REASON = "已加载的文本没有涉及这个问题，无法作答（不作猜测）。"


def collect():
    from bot.chain import AskRequest
    from bot.goldset import load_gold
    from bot.known import specific_kinds
    from bot.lexicon import lexicon
    from bot.testing import indexed_bot
    from bot.trust import TrustFeatures
    from eval.calibrate import adapters
    from eval.quality import memory_chain

    bot = indexed_bot(Path(tempfile.mkdtemp()))
    bot.warm_up()
    store = bot.store
    full, held_out = adapters(bot, load_gold(SETS["dev"]))
    current = [full]
    chain = memory_chain(bot, adapter=lambda s: current[0])
    features = TrustFeatures(store, bot.encoder, lexicon(str(bot.settings.model_cache_dir)))
    known = bot.known_for(store, None)
    WORK.mkdir(exist_ok=True)
    for name, path in SETS.items():
        rows = []
        for q in load_gold(path):
            if q.kind == "injection":
                continue
            current[0] = held_out.get(q.question, full) if name == "dev" else full
            answer = chain.invoke(AskRequest(q.question, previous=q.previous))
            row = {"question": q.question, "inscope": not q.refusal, "refused": answer.refused}
            row["rule"] = answer.refused and answer.answer != MODEL_REASON
            if answer.retrieved:
                ci = answer.retrieved[0].metadata["clause_index"]
                vector = bot.encoder(answer.search)
                values = features.compute(answer.question, answer.search, ci)
                near = known.features(
                    answer.search, vector, ci, store.clauses[ci].doc_id, specific_kinds(answer.question)
                )
                row["values"] = values | (near or {})
                row["vector"] = vector
            rows.append(row)
        pickle.dump(rows, open(WORK / f"scope_{name}.pkl", "wb"))
        print(name, len(rows), flush=True)


def compare():
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    from bot.known import KNOWN_FEATURES
    from bot.trust import FEATURES

    names = list(FEATURES) + list(KNOWN_FEATURES)
    sets = {n: pickle.load(open(WORK / f"scope_{n}.pkl", "rb")) for n in SETS}

    def decided(rows):
        return [r for r in rows if "values" in r and all(k in r["values"] for k in names) and not r["rule"]]

    def matrix(rows, vector):
        base = np.array([[r["values"][k] for k in names] for r in rows])
        return np.hstack([base, np.array([r["vector"] for r in rows])]) if vector else base

    dev = decided(sets["dev"])
    y = np.array([r["inscope"] for r in dev])
    for share in (0.005, 0.01, 0.015):
        for vector, c in ((False, 1.0), (True, 0.003), (True, 0.01), (True, 0.03), (True, 0.1)):
            X = matrix(dev, vector)
            runs = []
            for repeat in range(5):
                p = np.zeros(len(y))
                for train, test in StratifiedKFold(5, shuffle=True, random_state=repeat).split(X, y):
                    scaler = StandardScaler().fit(X[train])
                    model = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(X[train]), y[train])
                    p[test] = model.predict_proba(scaler.transform(X[test]))[:, 1]
                runs.append(p)
            p = np.median(runs, 0)
            cut = np.quantile(p[y], share)
            scaler = StandardScaler().fit(X)
            model = LogisticRegression(C=c, max_iter=5000).fit(scaler.transform(X), y)
            line = f"in-scope {share:.3f} {'vector C=' + str(c) if vector else 'no vector':16s} dev-cv oos {np.mean(p[~y] < cut):.3f}"
            for name in ("held", "b13"):
                rows = decided(sets[name])
                yn = np.array([r["inscope"] for r in rows])
                refused = model.predict_proba(scaler.transform(matrix(rows, vector)))[:, 1] < cut
                line += f" | {name} oos {np.sum(refused & ~yn)}/{np.sum(~yn)} in {np.sum(refused & yn)}/{np.sum(yn)}"
            print(line, flush=True)


if __name__ == "__main__":
    {"collect": collect, "compare": compare}[sys.argv[1]]()
