"""Fit the refusal model (bot/trust.py) on the development set and write bot/data/trust.json.

Run: .venv/bin/python eval/calibrate.py [--set eval/gold/dev.jsonl] [--write]

In-scope questions are the positive class, out-of-scope ones the negative (injections are refused
by pattern, not by this model). The threshold is set from 5-fold cross-validated probabilities (the
median over --repeats shuffles of the folds) so that at most --max-refused of in-scope
development questions are refused; the cross-validated
figures are printed, so the choice is never made on the questions it is measured on. The
held-apart set (eval/gold/heldout.jsonl) is never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.chain import AskRequest  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.lexicon import lexicon  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402
from bot.trust import FEATURES, TrustFeatures  # noqa: E402


def collect(bot, questions) -> tuple[np.ndarray, np.ndarray]:
    features = TrustFeatures(bot.store, bot.encoder, lexicon(str(bot.settings.model_cache_dir)))
    rows, labels = [], []
    for q in questions:
        if q.kind == "injection":
            continue
        answer = bot.chain.invoke(AskRequest(q.question, previous=q.previous))
        if not answer.retrieved:
            continue
        values = features.compute(answer.question, answer.search, answer.retrieved[0].metadata["clause_index"])
        rows.append([values[name] for name in FEATURES])
        labels.append(not q.refusal)
    return np.array(rows), np.array(labels)


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default=str(ROOT / "eval" / "gold" / "dev.jsonl"))
    parser.add_argument("--max-refused", type=float, default=0.01, help="share of in-scope questions refused")
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation of the logistic model")
    parser.add_argument("--repeats", type=int, default=10, help="shuffles of the cross-validation folds")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if "heldout" in Path(args.set).name:
        sys.exit("the held-apart set is for reporting only: calibrate on a development set")
    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        X, y = collect(bot, load_gold(args.set))
    mean, scale = X.mean(0), X.std(0) + 1e-9
    Z = (X - mean) / scale
    # Cross-validated probabilities, over several shuffles of the folds: the threshold is the
    # median of each shuffle's, so it does not hang on which questions fell in which fold.
    thresholds, summaries = [], []
    for repeat in range(args.repeats):
        cv = np.zeros(len(y))
        for train, test in StratifiedKFold(5, shuffle=True, random_state=repeat).split(Z, y):
            model = LogisticRegression(C=args.c, max_iter=5000).fit(Z[train], y[train])
            cv[test] = model.predict_proba(Z[test])[:, 1]
        inside = np.sort(cv[y])
        cut = float(inside[int(args.max_refused * len(inside))])
        thresholds.append(cut)
        summaries.append((roc_auc_score(y, cv), (cv[y] < cut).mean(), (cv[~y] < cut).mean()))
    threshold = float(np.median(thresholds))
    model = LogisticRegression(C=args.c, max_iter=5000).fit(Z, y)
    auc, inside_refused, outside_refused = np.mean(summaries, axis=0)
    summary = {
        "cv_auc": round(float(auc), 4),
        "cv_in_scope_refused": round(float(inside_refused), 4),
        "cv_out_of_scope_refused": round(float(outside_refused), 4),
        "cv_repeats": args.repeats,
    }
    print(f"{len(y)} questions ({int(y.sum())} in scope); by this model alone, cross-validated: {summary}")
    for name, c in zip(FEATURES, model.coef_[0]):
        print(f"  {name:14s} {c:+.3f}")
    data = {
        "features": list(FEATURES),
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "coef": model.coef_[0].round(6).tolist(),
        "intercept": round(float(model.intercept_[0]), 6),
        "threshold": round(threshold, 6),
        "C": args.c,
        "measured_on": Path(args.set).name,
        **summary,
    }
    if args.write:
        out = ROOT / "bot" / "data" / "trust.json"
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"written to {out}")


if __name__ == "__main__":
    main()
