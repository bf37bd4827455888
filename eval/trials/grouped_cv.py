"""Trial (ninth session): does cross-validation over random folds understate what the refusal
model with the question's vector costs on questions from a new writer?

The development set grew in batches, each written by one hand in one style; a random fold leaves
near neighbours of a question in training, a batch left out does not. This fits the shipped
models' features (as `eval/calibrate.py` collects them) and compares, for the memory model and the
model with the vector, random 5-fold CV with leave-batches-out CV (StratifiedGroupKFold over the
batches below): the line at 0.5% / 1.0% of in-scope questions refused by random folds, and what that
line refuses of in-scope and out-of-scope questions when each batch is left out.

Run: .venv/bin/python eval/trials/grouped_cv.py     (about 3 minutes)
"""

import re
import tempfile
from pathlib import Path

import numpy as np
from common import SETS  # also puts the project on sys.path

# Batches by id (README, "Answer quality"): the first 869 questions in the rounds that wrote them,
# then the blind batches of about 160, each one writer.
BOUNDS = [365, 445, 560, 710, 870, 1030, 1190, 1350, 1510, 1670, 1830, 1990, 2150, 2310]


def batch(qid: str) -> int:
    n = int(re.sub(r"\D", "", qid))
    return next(i for i, b in enumerate(BOUNDS) if n < b)


def cv_probabilities(Z, y, groups, c, grouped: bool, seed: int) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    cv = np.zeros(len(y))
    if grouped:
        splits = StratifiedGroupKFold(5, shuffle=True, random_state=seed).split(Z, y, groups)
    else:
        splits = StratifiedKFold(5, shuffle=True, random_state=seed).split(Z, y)
    for train, test in splits:
        cv[test] = LogisticRegression(C=c, max_iter=5000).fit(Z[train], y[train]).predict_proba(Z[test])[:, 1]
    return cv


def main() -> None:
    from bot.goldset import load_gold
    from bot.testing import indexed_bot
    from eval.calibrate import gathered, parser

    args = parser().parse_args([])
    questions = load_gold(SETS["dev"])
    by_text = {q.question: q.id for q in questions}
    with tempfile.TemporaryDirectory() as tmp:
        _, _, (X, near, vectors, y, asked) = gathered(indexed_bot(Path(tmp)), questions)
    groups = np.array([batch(by_text[a]) for a in asked])
    covered = ~np.isnan(near).any(axis=1)
    models = {
        "memory model": (np.hstack([X, near])[covered], args.c),
        "with the vector": (np.hstack([X, near, vectors])[covered], args.c_vector),
    }
    y, groups = y[covered], groups[covered]
    print(f"{len(y)} questions ({int(y.sum())} in scope) in {len(set(groups))} batches")
    for name, (M, c) in models.items():
        Z = (M - M.mean(0)) / (M.std(0) + 1e-9)
        for share in (0.005, 0.01):
            rows = []
            for seed in range(3):
                random = cv_probabilities(Z, y, groups, c, False, seed)
                grouped = cv_probabilities(Z, y, groups, c, True, seed)
                line = float(np.sort(random[y])[int(share * y.sum())])
                rows.append(
                    [(p[y] < line).mean() for p in (random, grouped)]
                    + [(p[~y] < line).mean() for p in (random, grouped)]
                )
            a, b, o1, o2 = np.median(rows, axis=0)
            print(
                f"{name:16s} line at {share:.1%} by random folds: in-scope refused {a:.3f} random, {b:.3f} "
                f"batches left out; out-of-scope refused {o1:.3f} random, {o2:.3f} batches left out"
            )


if __name__ == "__main__":
    main()
