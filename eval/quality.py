"""Answer trust in one table: plain and reworded questions (clause top-1, fact stated), out-of-scope
refused, in-scope refused and warm latency, on the development set and the held-apart set, for the
answer path as shipped and with each of its later changes taken out (which change moved which
number).

Run: .venv/bin/python eval/quality.py [--sets dev,heldout,path/to/more.jsonl] [--steps all] [--counts]

"Plain" is the gold kinds fact, date, unit, yesno, list and traditional; "reworded" is paraphrase
and colloquial. Fact stated = the answer holds every answer-key string of the question.
"""

from __future__ import annotations

import argparse
import dataclasses
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
from bot.trust import trust_model  # noqa: E402

PLAIN = {"fact", "date", "unit", "yesno", "list", "traditional"}
REWORDED = {"paraphrase", "colloquial"}
BEFORE_BIGRAMS = (0.4, 0.3, 0.3, 0.0, 0.0, 0.0)  # the fusion before character bigrams joined


def memory_chain(bot, adapter=None, refusal_model=None):
    """The shipped answer path (the refusal model's memory, the trainers' taught questions), with
    `adapter(store)` as its query adapter and `refusal_model()` as its refusal model when given."""
    return build_answer_chain(
        lambda: bot.store,
        bot.encoder,
        lexicon=bot.lexicon,
        aliases=bot.teaching.index_for,
        known=bot.known_for,
        adapter=adapter,
        refusal_model=refusal_model,
    )


def steps(bot, adapter, refusal_model) -> dict[str, object]:
    """The answer path as shipped, and with each change undone, newest first. `adapter(store)` is
    the query adapter in use and `refusal_model()` the refusal model (see `folds`)."""
    without_vector = lambda: unscoped(refusal_model())  # noqa: E731
    vector_everywhere = lambda: dataclasses.replace(refusal_model() or trust_model(), words_in_clause=2.0)  # noqa: E731
    return {
        "shipped": memory_chain(bot, adapter, refusal_model),
        "without the clause-words guard": memory_chain(bot, adapter, vector_everywhere),
        "without the question's vector in refusal": memory_chain(bot, adapter, without_vector),
        "… and without the query adapter": memory_chain(bot, None, without_vector),
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


def counts(outcomes) -> dict[str, str]:
    """The same columns as `row` as "k/n" (pooling batches, or comparing runs a question apart)."""

    def part(selected, test):
        chosen = [o for o in outcomes if selected(o)]
        return f"{sum(test(o) for o in chosen)}/{len(chosen)}"

    plain, reworded = (lambda o: o.question.kind in PLAIN), (lambda o: o.question.kind in REWORDED)
    return {
        "plain top-1": part(plain, lambda o: o.rank == 1),
        "plain fact": part(plain, lambda o: o.key_ok),
        "reworded top-1": part(reworded, lambda o: o.rank == 1),
        "reworded fact": part(reworded, lambda o: o.key_ok),
        "oos refused": part(lambda o: o.question.kind == "out_of_scope", lambda o: o.refused),
        "in-scope refused": part(lambda o: not o.question.refusal, lambda o: o.refused),
        "answerable fact": part(lambda o: not o.question.refusal, lambda o: o.key_ok),
    }


def unscoped(model):
    """The refusal model without its part that weighs the question's vector (the step before)."""
    model = model or trust_model()
    return dataclasses.replace(model, scoped=None)


def folds(bot, path: Path):
    """questions → [(adapter, refusal model, questions)]: for the set the shipped adapter and
    refusal model were fitted on (the development set), groups by fold, each question answered
    with an adapter and a refusal model fitted without it (eval/calibrate.py's); else one group
    with the shipped ones."""
    if path.resolve() != (ROOT / "eval" / "gold" / "dev.jsonl").resolve() or bot.adapter is None:
        return lambda questions: [(bot.adapter, trust_model(), questions)]
    from eval.calibrate import adapters, fold_models

    dev = load_gold(path)
    full, held_out = adapters(bot, dev)
    models = fold_models(bot, dev, full, held_out)

    def split(questions):
        groups: dict[tuple[int, int], tuple[object, object, list]] = {}
        for q in questions:
            adapter = held_out.get(q.question, full)  # out-of-scope ones were never fitted on
            model = models.get(q.question, trust_model())  # injections are refused by pattern
            groups.setdefault((id(adapter), id(model)), (adapter, model, []))[2].append(q)
        return list(groups.values())

    return split


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--sets", default="dev,heldout", help="names in eval/gold/ or paths of .jsonl files, comma-separated"
    )
    parser.add_argument(
        "--steps", default="all", help="all; 'shipped' for the shipped path only; N for the first N steps"
    )
    parser.add_argument("--counts", action="store_true", help="also print each row as counts (k/n)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        bot.warm_up()
        current = [bot.adapter, trust_model()]
        chains = steps(bot, lambda store: current[0], lambda: current[1])
        if args.steps != "all":
            keep = int(args.steps) if args.steps.isdigit() else 1
            chains = dict(list(chains.items())[:keep])
        for name in args.sets.split(","):
            path = Path(name) if name.endswith(".jsonl") else ROOT / "eval" / "gold" / f"{name}.jsonl"
            questions = load_gold(path)
            print(f"\n{path.name} ({len(questions)} questions)")
            header = None
            # The shipped adapter and refusal model were fitted on the development set: its questions
            # are answered with ones fitted without their own fold (eval/calibrate.py's), so the row
            # is honest.
            split = folds(bot, path)
            for step, chain in chains.items():
                bot.encoder.clear()  # every step pays for its own question vectors
                outcomes = []
                for adapter, model, part in split(questions):
                    current[0], current[1] = adapter, model
                    outcomes += run_questions(chain, part)["outcomes"]
                current[0], current[1] = bot.adapter, trust_model()
                figures = row(outcomes)
                if header is None:
                    header = f"{'':38s}" + "".join(f"{k:>17s}" for k in figures)
                    print(header)
                print(
                    f"{step:38s}"
                    + "".join(f"{v:>17.1f}" if k == "p50 ms" else f"{v:>17.2f}" for k, v in figures.items())
                )
                if args.counts:
                    print(f"{'':38s}" + "".join(f"{v:>17s}" for v in counts(outcomes).values()) + "  (answerable fact)")


if __name__ == "__main__":
    main()
