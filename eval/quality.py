"""Answer trust in one table: plain and reworded questions (clause top-1, fact stated), out-of-scope
refused, in-scope refused and warm latency, on the development set and the held-apart set, for the
answer path as shipped and with each of its later changes taken out (which change moved which
number).

Run: .venv/bin/python eval/quality.py [--sets dev,heldout,path/to/more.jsonl] [--steps all]

"Plain" is the gold kinds fact, date, unit, yesno, list and traditional; "reworded" is paraphrase
and colloquial. Fact stated = the answer holds every answer-key string of the question.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.chain import build_answer_chain  # noqa: E402
from bot.evaluation.runner import run_questions  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402

PLAIN = {"fact", "date", "unit", "yesno", "list", "traditional"}
REWORDED = {"paraphrase", "colloquial"}
BEFORE_BIGRAMS = (0.4, 0.3, 0.3, 0.0, 0.0, 0.0)  # the fusion before character bigrams joined


def steps(bot, adapter) -> dict[str, object]:
    """The answer path as shipped, and with each change undone, newest first. `adapter(store)` is
    the query adapter in use (see `fold_adapters`)."""
    return {
        "shipped": build_answer_chain(
            lambda: bot.store,
            bot.encoder,
            lexicon=bot.lexicon,
            aliases=bot.teaching.index_for,
            known=bot.known_for,
            adapter=adapter,
        ),
        "without the query adapter": build_answer_chain(
            lambda: bot.store, bot.encoder, lexicon=bot.lexicon, aliases=bot.teaching.index_for, known=bot.known_for
        ),
        "… and without the refusal model's memory": build_answer_chain(
            lambda: bot.store, bot.encoder, lexicon=bot.lexicon, aliases=bot.teaching.index_for
        ),
        "… and without whole-sentence quotes": build_answer_chain(
            lambda: bot.store, bot.encoder, lexicon=bot.lexicon, whole_sentences=False
        ),
        "… and with the asked-kind rule (before)": build_answer_chain(
            lambda: bot.store, bot.encoder, lexicon=bot.lexicon, kind_rule=True, whole_sentences=False
        ),
        "… and without the refusal model": build_answer_chain(
            lambda: bot.store, bot.encoder, kind_rule=False, whole_sentences=False
        ),
        "… and without bigram lists (before)": build_answer_chain(
            lambda: bot.store, bot.encoder, kind_rule=False, weights=BEFORE_BIGRAMS, whole_sentences=False
        ),
    }


def row(outcomes) -> dict[str, float]:
    def share(selected, test):
        chosen = [o for o in outcomes if o.question.kind in selected]
        return sum(test(o) for o in chosen) / len(chosen) if chosen else float("nan")

    oos = [o for o in outcomes if o.question.kind == "out_of_scope"]
    inside = [o for o in outcomes if not o.question.refusal]
    return {
        "plain top-1": share(PLAIN, lambda o: o.rank == 1),
        "plain fact": share(PLAIN, lambda o: o.key_ok),
        "reworded top-1": share(REWORDED, lambda o: o.rank == 1),
        "reworded fact": share(REWORDED, lambda o: o.key_ok),
        "oos refused": sum(o.refused for o in oos) / len(oos),
        "in-scope refused": sum(o.refused for o in inside) / len(inside),
        "p50 ms": statistics.median(o.elapsed_ms for o in outcomes if not o.error),
    }


def fold_adapters(bot, path: Path):
    """questions → [(adapter, questions)]: for the set the shipped adapter was fitted on (the
    development set), one group per fold with the adapter fitted without it; else one group."""
    if path.resolve() != (ROOT / "eval" / "gold" / "dev.jsonl").resolve() or bot.adapter is None:
        return lambda questions: [(bot.adapter, questions)]
    from eval.calibrate import adapters

    _, held_out = adapters(bot, load_gold(path))

    def split(questions):
        groups: dict[int, tuple[object, list]] = {}
        for q in questions:
            adapter = held_out.get(q.question, bot.adapter)  # out-of-scope ones were never fitted on
            groups.setdefault(id(adapter), (adapter, []))[1].append(q)
        return list(groups.values())

    return split


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--sets", default="dev,heldout", help="names in eval/gold/ or paths of .jsonl files, comma-separated"
    )
    parser.add_argument("--steps", default="all", help="all, or 'shipped' for the shipped path only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        bot.warm_up()
        current = [bot.adapter]
        chains = steps(bot, lambda store: current[0])
        if args.steps != "all":
            chains = {"shipped": chains["shipped"]}
        for name in args.sets.split(","):
            path = Path(name) if name.endswith(".jsonl") else ROOT / "eval" / "gold" / f"{name}.jsonl"
            questions = load_gold(path)
            print(f"\n{path.name} ({len(questions)} questions)")
            header = None
            # The shipped adapter was fitted on the development set: its questions are answered with
            # adapters fitted without their own fold (eval/calibrate.py's), so the row is honest.
            folds = fold_adapters(bot, path)
            for step, chain in chains.items():
                bot.encoder.clear()  # every step pays for its own question vectors
                outcomes = []
                for adapter, part in folds(questions):
                    current[0] = adapter
                    outcomes += run_questions(chain, part)["outcomes"]
                current[0] = bot.adapter
                figures = row(outcomes)
                if header is None:
                    header = f"{'':38s}" + "".join(f"{k:>17s}" for k in figures)
                    print(header)
                print(
                    f"{step:38s}"
                    + "".join(f"{v:>17.1f}" if k == "p50 ms" else f"{v:>17.2f}" for k, v in figures.items())
                )


if __name__ == "__main__":
    main()
