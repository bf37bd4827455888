"""Fit the refusal model (bot/trust.py) on the development set and write bot/data/trust.json, and
the set's questions as the model's memory, bot/data/known_questions.jsonl (bot/known.py), and the
query adapter fitted on its answerable questions, bot/data/query_adapter.npz (bot/adapter.py).

Run: .venv/bin/python eval/calibrate.py [--set eval/gold/dev.jsonl] [--write]

Two fits: with the memory's features (for clauses the memory knows) and without (for the rest).
In-scope questions are the positive class, out-of-scope ones the negative (injections are refused
by pattern, not by this model). Each threshold is set from 5-fold cross-validated probabilities (the
median over --repeats shuffles of the folds) so that at most --max-refused (--max-refused-without)
of in-scope development questions are refused; the cross-validated
figures are printed, so the choice is never made on the questions it is measured on. The
held-apart set (eval/gold/heldout.jsonl) is never read here. The refusal features of each question
are taken with an adapter fitted on the other folds, so they are what a new question would see.
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

from bot.adapter import ADAPTER_FILE, QueryAdapter, positives  # noqa: E402
from bot.adapter import fit as fit_adapter  # noqa: E402
from bot.adapter import save as save_adapter  # noqa: E402
from bot.answer import NOT_COVERED  # noqa: E402
from bot.chain import AskRequest, build_answer_chain  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.known import KNOWN_FEATURES, KNOWN_FILE, KnownQuestion, known_index, search_text, specific_kinds  # noqa: E402
from bot.lexicon import lexicon  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402
from bot.trust import FEATURES, TrustFeatures  # noqa: E402


def known_items(bot, questions) -> list[KnownQuestion]:
    """The set's questions as bot/known.py's known questions: each answerable one tied to its gold
    clauses, each out-of-scope one judged against every document loaded (the seed)."""
    items, docs = [], tuple(sorted(bot.store.documents))
    for q in questions:
        if q.kind == "injection" or q.previous:
            continue  # refused by pattern; a follow-up is known only with the question before it
        if q.refusal:
            items.append(KnownQuestion(q.question, False, docs=docs))
            continue
        for ref in q.gold:
            clause = bot.clause(ref)
            items.append(KnownQuestion(q.question, True, clause.doc_id, clause.label, key=tuple(q.key)))
    return items


FOLDS = 5


def adapters(bot, questions) -> tuple[QueryAdapter, dict[str, QueryAdapter]]:
    """bot/adapter.py's adapter fitted on every answerable question (the one written), and for each
    such question one fitted without its fold (the one its refusal features are taken with)."""
    store = bot.store
    trained = [q for q in questions if not q.refusal and not q.previous and q.kind != "injection"]
    vectors = bot.embedder.encode_queries([search_text(q.question) for q in trained])
    targets = [positives(store, q.gold, q.key) for q in trained]
    fold = np.random.default_rng(0).integers(0, FOLDS, len(trained))
    docs = frozenset(store.documents)

    def make(chosen) -> QueryAdapter:
        matrix = fit_adapter(store.sentence_vectors, vectors[chosen], [targets[i] for i in np.flatnonzero(chosen)])
        return QueryAdapter(matrix, bot.embedder.model_id, docs, int(chosen.sum()))

    each = [make(fold != f) for f in range(FOLDS)]
    return make(np.ones(len(trained), dtype=bool)), {q.question: each[f] for q, f in zip(trained, fold)}


def collect(bot, questions, known, full: QueryAdapter, held_out: dict[str, QueryAdapter]):
    """Per question: the refusal features (FEATURES), bot/known.py's (NaN where the clause found
    has no known question), the question's e5 vector, whether it is in scope, and the question."""
    features = TrustFeatures(bot.store, bot.encoder, lexicon(str(bot.settings.model_cache_dir)))
    current = [full]
    chain = build_answer_chain(
        lambda: bot.store,
        bot.encoder,
        lexicon=bot.lexicon,
        aliases=bot.teaching.index_for,
        known=bot.known_for,
        adapter=lambda store: current[0],
    )
    rows, near, vectors, labels, asked = [], [], [], [], []
    for q in questions:
        if q.kind == "injection":
            continue
        current[0] = held_out.get(q.question, full)  # out-of-scope ones were never fitted on
        answer = chain.invoke(AskRequest(q.question, previous=q.previous))
        if not answer.retrieved or (answer.refused and answer.answer != NOT_COVERED):
            # Refused by a rule before the model is asked (a year or law no text names, a figure
            # or consequence the clause lacks…): at run time the model never judges it, so it is
            # not fitted on it either (step G of the fifteenth session, shipped with step L of the
            # sixteenth: eval/trials/session15_rules.txt, session16_rules.txt).
            continue
        ci = answer.retrieved[0].metadata["clause_index"]
        values = features.compute(answer.question, answer.search, ci)
        rows.append([values[name] for name in FEATURES])
        extra = known.features(
            answer.search, bot.encoder(answer.search), ci, bot.store.clauses[ci].doc_id, specific_kinds(answer.question)
        )
        near.append([extra[name] for name in KNOWN_FEATURES] if extra else [np.nan] * len(KNOWN_FEATURES))
        vectors.append(bot.encoder(answer.search))
        labels.append(not q.refusal)
        asked.append(q.question)
    return np.array(rows), np.array(near), np.array(vectors), np.array(labels), asked


def fit(X, y, names, args, label: str, max_refused: float, c: float | None = None) -> dict:
    """A logistic model on standardised X, its threshold from cross-validated probabilities (the
    median over --repeats shuffles of the folds) so that at most `max_refused` of in-scope
    questions are refused; the cross-validated figures are printed and kept with it."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    mean, scale = X.mean(0), X.std(0) + 1e-9
    Z = (X - mean) / scale
    thresholds, summaries = [], []
    for repeat in range(args.repeats):
        cv = np.zeros(len(y))
        for train, test in StratifiedKFold(5, shuffle=True, random_state=repeat).split(Z, y):
            model = LogisticRegression(C=c or args.c, max_iter=5000).fit(Z[train], y[train])
            cv[test] = model.predict_proba(Z[test])[:, 1]
        inside = np.sort(cv[y])
        cut = float(inside[int(max_refused * len(inside))])
        thresholds.append(cut)
        summaries.append((roc_auc_score(y, cv), (cv[y] < cut).mean(), (cv[~y] < cut).mean()))
    model = LogisticRegression(C=c or args.c, max_iter=5000).fit(Z, y)
    auc, inside_refused, outside_refused = np.mean(summaries, axis=0)
    summary = {
        "cv_auc": round(float(auc), 4),
        "cv_in_scope_refused": round(float(inside_refused), 4),
        "cv_out_of_scope_refused": round(float(outside_refused), 4),
        "cv_repeats": args.repeats,
    }
    if label:
        print(f"{label}: {len(y)} questions ({int(y.sum())} in scope); by this model alone, cross-validated: {summary}")
        for name, weight in zip(names, model.coef_[0]):
            print(f"  {name:14s} {weight:+.3f}")
    return {
        "features": list(names),
        "mean": mean.round(6).tolist(),
        "scale": scale.round(6).tolist(),
        "coef": model.coef_[0].round(6).tolist(),
        "intercept": round(float(model.intercept_[0]), 6),
        "threshold": round(float(np.median(thresholds)), 6),
        "C": c or args.c,
        "measured_on": Path(args.set).name,
        **summary,
    }


def fit_models(X, near, vectors, y, args, model_id: str, verbose: bool = False) -> dict:
    """bot/trust.py's three models (trust.json): without the memory's features, with them, and
    with them and the question's e5 vector (`with_vector`, used where the memory applies)."""
    data = fit(X, y, FEATURES, args, "without known questions" if verbose else "", args.max_refused_without)
    covered = ~np.isnan(near).any(axis=1)
    data["with_known"] = fit(
        np.hstack([X, near])[covered],
        y[covered],
        FEATURES + KNOWN_FEATURES,
        args,
        "with known questions" if verbose else "",
        args.max_refused,
    )
    scoped = fit(
        np.hstack([X, near, vectors])[covered],
        y[covered],
        FEATURES + KNOWN_FEATURES,
        args,
        "with known questions and the question's vector" if verbose else "",
        args.max_refused_vector,
        c=args.c_vector,
    )
    data["with_vector"] = scoped | {"model_id": model_id, "dims": int(vectors.shape[1])}
    return data


FOLD_SEED = 1  # the refusal models' folds for eval/quality.py (the adapter's are its own)


def gathered(bot, questions, full: QueryAdapter | None = None, held_out: dict[str, QueryAdapter] | None = None):
    """A set's known questions, its query adapter (fitted on it, and without each fold: `adapters`,
    unless given) and `collect`'s features: (items, adapter, (X, near, vectors, y, asked))."""
    items = known_items(bot, questions)
    known = known_index(bot.store, bot.encoder, bot.settings.model_cache_dir, bot.embedder.model_id, items=items)
    if full is None or held_out is None:
        full, held_out = adapters(bot, questions)
    return items, full, collect(bot, questions, known, full, held_out)


def fold_models(bot, questions, full: QueryAdapter, held_out: dict[str, QueryAdapter], repeats: int = 3) -> dict:
    """For each question of the set, bot/trust.py's TrustModel fitted without its fold (FOLDS folds
    over the set's questions) with the settings `main` writes: eval/quality.py answers the
    development set with these, so its refusal figures are not in-sample."""
    from bot.trust import TrustModel

    args = parser().parse_args([])
    args.repeats = repeats
    _, _, (X, near, vectors, y, asked) = gathered(bot, questions, full, held_out)
    fold = np.random.default_rng(FOLD_SEED).integers(0, FOLDS, len(y))
    models = {}
    for f in range(FOLDS):
        train = fold != f
        model = TrustModel.from_dict(
            fit_models(X[train], near[train], vectors[train], y[train], args, bot.embedder.model_id)
        )
        models.update({q: model for q, g in zip(asked, fold) if g == f})
    return models


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default=str(ROOT / "eval" / "gold" / "dev.jsonl"))
    parser.add_argument(
        "--max-refused",
        type=float,
        default=0.005,
        help="share of in-scope questions the model with the memory refuses (0.015 before the vector model joined "
        "it, 0.01 until the sixteenth session joined b62-b133, whose questions are harder than dev's)",
    )
    parser.add_argument(
        "--max-refused-without",
        type=float,
        default=0.01,
        help="the same for the model without it (clauses of added texts): more careful, as it separates less well",
    )
    parser.add_argument(
        "--max-refused-vector",
        type=float,
        default=0.0025,
        help="the same for the model that also weighs the question's vector; it only adds refusals to the memory "
        "model's (eval/trials/scope_probe.py; 0.005 until the sixteenth session)",
    )
    parser.add_argument("--c", type=float, default=1.0, help="inverse regularisation of the logistic model")
    parser.add_argument("--c-vector", type=float, default=0.01, help="the same for the model with the vector")
    parser.add_argument("--repeats", type=int, default=10, help="shuffles of the cross-validation folds")
    parser.add_argument("--write", action="store_true")
    return parser


def main() -> None:
    args = parser().parse_args()
    if "heldout" in Path(args.set).name:
        sys.exit("the held-apart set is for reporting only: calibrate on a development set")
    questions = load_gold(args.set)
    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        items, adapter, (X, near, vectors, y, _) = gathered(bot, questions)
        data = fit_models(X, near, vectors, y, args, bot.embedder.model_id, verbose=True)
    if args.write:
        out = ROOT / "bot" / "data" / "trust.json"
        out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        lines = [
            json.dumps(
                {"question": k.question, "answerable": k.answerable}
                | (
                    {"doc_id": k.doc_id, "label": k.label, "key": list(k.key)}
                    if k.answerable
                    else {"docs": list(k.docs)}
                ),
                ensure_ascii=False,
            )
            for k in items
        ]
        known_file = ROOT / "bot" / "data" / KNOWN_FILE
        known_file.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        adapter_file = ROOT / "bot" / "data" / ADAPTER_FILE
        save_adapter(adapter_file, adapter)
        print(f"written to {out}, {known_file} ({len(items)} known questions) and {adapter_file}")


if __name__ == "__main__":
    main()
