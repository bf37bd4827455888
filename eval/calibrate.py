"""Calibrate the refusal line on the development set: in-scope questions vs out-of-scope ones.

Run: .venv/bin/python eval/calibrate.py [--write]
For every dev question it takes the top clause's two features (best sentence cosine from e5,
IDF-weighted share of the question's words found in the clause), then searches a line
w_dense·dense + w_cover·cover + bias ≥ 0 that keeps in-scope questions answered (first) and
refuses out-of-scope ones (second). `--write` stores it in bot/data/calibration.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bot.answer import Answerer  # noqa: E402
from bot.extract import missing_figure  # noqa: E402
from bot.query import understand  # noqa: E402
from eval.tune_retrieval import load, seed_bot  # noqa: E402


def features(answerer: Answerer, question: str) -> tuple[float, float]:
    query = understand(question, answerer.store.documents)
    docs = answerer.retrieve(query)
    return answerer.features(query, docs[0]) if docs else (0.0, 0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default=str(ROOT / "eval" / "dev.jsonl"))
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    questions = load(Path(args.set))
    with tempfile.TemporaryDirectory() as tmp:
        bot = seed_bot(Path(tmp))
        answerer = Answerer(bot.store, bot.embedder)
        rows = []
        for q in questions:
            if q["kind"] == "injection":
                continue  # refused by pattern, not by this line
            d, c = features(answerer, q["question"])
            query = understand(q["question"], answerer.store.documents)
            docs = answerer.retrieve(query)
            texts = [answerer.store.clauses[x.metadata["clause_index"]].text for x in docs[:3]]
            if missing_figure(query.question, texts):
                continue  # refused by the figure check, not by this line
            rows.append((d, c, q["kind"] != "oos", q["question"]))
    X = np.array([(d, c) for d, c, _, _ in rows])
    y = np.array([ok for _, _, ok, _ in rows])
    best = None
    for w_cover in np.arange(0.0, 2.01, 0.05):
        for threshold in np.arange(0.5, 1.6, 0.005):
            score = X[:, 0] + w_cover * X[:, 1] - threshold
            answered = score >= 0
            kept = (answered & y).sum() / y.sum()
            refused = (~answered & ~y).sum() / (~y).sum()
            # In-scope questions answered matter most; then out-of-scope refused; then margin.
            # Refusing an answerable question costs more than answering an unanswerable one with
            # a cited clause the officer can check: keep in-scope answers first.
            key = (kept >= 0.97, round(kept * 0.5 + refused * 0.5, 4), -threshold)
            if best is None or key > best[0]:
                best = (key, w_cover, threshold, kept, refused)
    _, w_cover, threshold, kept, refused = best
    print(f"{len(rows)} questions ({int(y.sum())} in scope, {int((~y).sum())} out of scope)")
    print(f"line: dense + {w_cover:.2f}·cover ≥ {threshold:.3f}  → in-scope answered {kept:.2%}, "
          f"out-of-scope refused {refused:.2%}")
    for d, c, ok, question in sorted(rows, key=lambda r: r[0] + w_cover * r[1]):
        mark = "✓" if (d + w_cover * c >= threshold) == ok else "✗"
        print(f"{mark} {'in ' if ok else 'OUT'} dense={d:.3f} cover={c:.2f}  {question}")
    if args.write:
        out = {"w_dense": 1.0, "w_cover": round(float(w_cover), 3), "bias": -round(float(threshold), 4),
               "measured_on": Path(args.set).name, "in_scope_answered": round(float(kept), 4),
               "out_of_scope_refused": round(float(refused), 4)}
        (ROOT / "bot" / "data" / "calibration.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n",
                                                                encoding="utf-8")
        print("written to bot/data/calibration.json")


if __name__ == "__main__":
    main()
