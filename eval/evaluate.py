"""Answer quality on a question set: top-1 cited clause, key fact in the answer, refusals, length.

Run: .venv/bin/python eval/evaluate.py [eval/gold.jsonl ...]   (default: dev and gold)
Prints one row per question kind: count, top-1 right (in-scope) or refused (oos/injection), key
fact stated, wrongly refused; and the median answer length. `-v` lists every miss.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eval.tune_retrieval import load, seed_bot  # noqa: E402


def evaluate(bot, path: Path, verbose: bool) -> None:
    rows: dict[str, list[int]] = {}
    lengths = []
    for q in load(path):
        answer = bot.ask(q["question"])
        kind = q["kind"]
        row = rows.setdefault(kind, [0, 0, 0, 0])
        row[0] += 1
        if kind in ("oos", "injection"):
            row[1] += answer.refused
            if verbose and not answer.refused:
                print(f"  ✗ {kind} answered: {q['question']} → {answer.citations[0].label}")
            continue
        right = not answer.refused and answer.citations[0].label in q["gold"]
        fact = not answer.refused and any(f in answer.answer for f in q["facts"])
        row[1] += right
        row[2] += fact
        row[3] += answer.refused
        if not answer.refused:
            lengths.append(len(answer.answer))
        if verbose and not (right and fact):
            got = "refused" if answer.refused else answer.citations[0].label
            print(f"  ✗ {kind}: {q['question']} gold {q['gold']} → {got}")
    print(f"\n{path.name}")
    print(f"{'kind':<12}{'n':>4}{'top-1 / refused':>18}{'fact':>8}{'refused':>9}")
    for kind, (n, ok, fact, refused) in rows.items():
        if kind in ("oos", "injection"):
            print(f"{kind:<12}{n:>4}{ok / n:>18.2f}{'':>8}{'':>9}")
        else:
            print(f"{kind:<12}{n:>4}{ok / n:>18.2f}{fact / n:>8.2f}{refused:>9}")
    print(f"median answer length: {statistics.median(lengths):.0f} characters")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="*", default=[str(ROOT / "eval" / "dev.jsonl"), str(ROOT / "eval" / "gold.jsonl")])
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bot = seed_bot(Path(tmp))
        for name in args.sets:
            evaluate(bot, Path(name), args.verbose)


if __name__ == "__main__":
    main()
