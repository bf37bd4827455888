"""Choose retrieval granularity, fusion weights and candidate depth on the development set.

Run: .venv/bin/python eval/tune_retrieval.py [--set eval/gold/dev.jsonl] [--quick]
Prints clause-level top-1 / top-3 for each variant, by question kind: every question one clause
answers on its own (no out-of-scope questions, no follow-ups). Tune on the dev set only; run the
chosen setting once on eval/gold/heldout.jsonl to report it.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bot.goldset import load_gold  # noqa: E402
from bot.keywords import tokenize  # noqa: E402
from bot.query import understand  # noqa: E402
from bot.retrieve import RRF_C, SENTENCE_DEPTH, WEIGHTS, QueryEncoder, hybrid_retriever  # noqa: E402
from bot.service import StudyBot  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402

SKIPPED = {"out_of_scope", "followup"}
KINDS = ("fact", "date", "unit", "yesno", "list", "paraphrase", "colloquial", "traditional")


def load(path: Path) -> list[dict]:
    return [
        {"id": q.id, "question": q.question, "kind": q.kind, "gold": list(q.gold)}
        for q in load_gold(path)
        if q.kind not in SKIPPED
    ]


def seed_bot(home: Path) -> StudyBot:
    return indexed_bot(home, sorted((ROOT / "corpus").iterdir()))


def clause_bm25_ranking(store, search: str, k: int) -> list[str]:
    scores = store.bm25_clauses.scores(tokenize(search))
    order = np.argsort(-scores)[:k]
    return [store.clauses[i].label for i in order if scores[i] > 0]


def evaluate(rank_fn, questions) -> dict[str, tuple[float, float, int]]:
    hits1, hits3, total = defaultdict(int), defaultdict(int), defaultdict(int)
    for q in questions:
        labels = rank_fn(q)
        for kind in (q["kind"], "all"):
            total[kind] += 1
            hits1[kind] += bool(labels[:1]) and labels[0] in q["gold"]
            hits3[kind] += any(lab in q["gold"] for lab in labels[:3])
    return {k: (hits1[k] / total[k], hits3[k] / total[k], total[k]) for k in total}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default=str(ROOT / "eval" / "gold" / "dev.jsonl"))
    parser.add_argument("--quick", action="store_true", help="only the chosen setting and the single retrievers")
    args = parser.parse_args()
    questions = load(Path(args.set))

    with tempfile.TemporaryDirectory() as tmp:
        bot = seed_bot(Path(tmp))
        store = bot.store
        encoder = QueryEncoder(bot.embedder)
        searches = {q["id"]: understand(q["question"], store.documents).search for q in questions}

        def fused(weights, c, depth):
            weights = tuple(float(w) for w in weights)

            def rank(q):
                retriever = hybrid_retriever(store, encoder, k=5, weights=weights, c=c, depth=depth)
                docs = retriever.invoke(searches[q["id"]])
                return [store.by_id[d.metadata["clause_id"]].label for d in docs]

            return rank

        variants = {
            "bm25 sentences": fused((1, 0, 0, 0, 0, 0), 60, 60),
            "e5 sentences": fused((0, 1, 0, 0, 0, 0), 60, 60),
            "bm25 clauses": fused((0, 0, 1, 0, 0, 0), 60, 60),
            "e5 clauses (mean of sentences)": fused((0, 0, 0, 1, 0, 0), 60, 60),
            "bigram sentences": fused((0, 0, 0, 0, 1, 0), 60, 60),
            "bigram clauses": fused((0, 0, 0, 0, 0, 1), 60, 60),
        }
        grid = (
            [(WEIGHTS, RRF_C, SENTENCE_DEPTH)]
            if args.quick
            else itertools.product(
                [
                    WEIGHTS,
                    (0.4, 0.3, 0.3, 0, 0.1, 0.1),
                    (0.4, 0.3, 0.3, 0, 0, 0.3),
                    (0.5, 0.5, 0, 0),
                    (0.4, 0.3, 0.3, 0),
                    (0.4, 0.2, 0.2, 0.2),
                    (0.5, 0.2, 0.1, 0.2),
                    (0.3, 0.2, 0.3, 0.2),
                    (0.4, 0.3, 0.1, 0.2),
                    (0.5, 0.3, 0, 0.2),
                    (0.6, 0.2, 0, 0.2),
                    (0.4, 0.2, 0.3, 0.1),
                    (0.3, 0.3, 0.2, 0.2),
                    (0.3, 0.4, 0.1, 0.2),
                    (0.2, 0.5, 0.1, 0.2),
                ],
                [5, 10, 30, 60],
                [60],
            )
        )
        for weights, c, depth in grid:
            variants[f"rrf w={weights} c={c}"] = fused(weights, c, depth)

        print(f"{len(questions)} questions from {args.set}")
        header = "variant".ljust(40) + "".join(f"{k:>16}" for k in (*KINDS, "all"))
        print(header)
        rows = []
        for name, fn in variants.items():
            res = evaluate(fn, questions)
            rows.append((res["all"][0], name, res))
            print(
                name.ljust(40)
                + "".join(f"{res[k][0]:>8.2f}/{res[k][1]:<.2f}  " if k in res else " " * 16 for k in (*KINDS, "all"))
            )
        best = max(rows, key=lambda r: r[0])
        print(f"\nbest top-1 overall: {best[1]} ({best[0]:.3f})")


if __name__ == "__main__":
    main()
