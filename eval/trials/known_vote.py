"""Trial (eleventh session): the nearest known (development) questions' clause moved first, before
it shipped as bot/known.py `KnownIndex.vote`. Dev is answered with fold adapters and refusal models
(eval/quality.py `folds`), and each question's own batch (its gold note) is left out of the memory,
so that a near-duplicate written by the same hand cannot vote. Usage from the project root, on a
commit before 16f1b4f (after it the shipped chain votes too):

    .venv/bin/python eval/trials/known_vote.py dev 0.9:5:0.01:0.6,0.93:10:0.01:0.5

Each setting is T:K:tau:S (nearest cosine, depth, temperature, share); the first row printed is
always the path without the vote.
"""

import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "eval")]

import quality  # noqa: E402
from quality import folds, steps  # noqa: E402

import bot.adapter as adapter_module  # noqa: E402
from bot.evaluation.runner import run_questions  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.known import search_text  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402
from bot.trust import trust_model  # noqa: E402

RULE: dict = {"setting": None}
MEMORY: dict = {}
_promote = adapter_module.QueryAdapter.promote


def promote(self, store, docs, vector):
    docs = _promote(self, store, docs, vector)
    if RULE["setting"] is None or not docs:
        return docs
    nearest_line, depth, tau, share = RULE["setting"]
    sims = MEMORY["vectors"] @ vector
    usable = np.ones(len(sims), bool)
    for own in np.flatnonzero(sims > 0.9995):  # the question itself: its whole batch is left out
        usable &= MEMORY["notes"][own] != MEMORY["notes"]
    sims = np.where(usable, sims, -1.0)
    nearest = sims.max()
    if nearest < nearest_line:
        return docs
    near = sims >= nearest - 0.03
    votes = np.bincount(
        MEMORY["clauses"][near], weights=np.exp((sims[near] - nearest) / tau), minlength=len(store.clauses)
    )
    best = int(votes.argmax())
    if votes[best] < share * votes.sum():
        return docs
    for n, d in enumerate(docs[: int(depth)]):
        if d.metadata["clause_index"] == best:
            return docs if n == 0 else [d, *docs[:n], *docs[n + 1 :]]
    return docs


def counts(outcomes) -> str:
    answerable = [o for o in outcomes if not o.question.refusal]
    outside = [o for o in outcomes if o.question.kind == "out_of_scope"]
    reworded = [o for o in answerable if o.question.kind in quality.REWORDED]
    return (
        f"top-1 {sum(o.rank == 1 for o in answerable)} fact {sum(o.key_ok for o in answerable)} "
        f"refused {sum(o.refused for o in answerable)} of {len(answerable)} | reworded top-1 "
        f"{sum(o.rank == 1 for o in reworded)} fact {sum(o.key_ok for o in reworded)} of {len(reworded)} | "
        f"out of scope refused {sum(o.refused for o in outside)} of {len(outside)}"
    )


def settings_from(argv: list[str]) -> list:
    """None (the path without the trial's change) and each colon-separated setting of argv[2]."""
    return [None] + ([tuple(map(float, x.split(":"))) for x in argv[2].split(",")] if len(argv) > 2 else [])


def dev_memory(bot, memory: dict) -> tuple[list[dict], dict[str, int]]:
    """The answerable development questions as a memory: their vectors, gold clauses and batch
    notes (a question's whole batch is left out of its own comparisons). Returns the rows and the
    clause index of each label."""
    by_label = {c.label: i for i, c in enumerate(bot.store.clauses)}
    dev = [json.loads(line) for line in (ROOT / "eval/gold/dev.jsonl").open(encoding="utf-8")]
    known = [d for d in dev if d["gold"] and d["kind"] != "out_of_scope" and d["gold"][0] in by_label]
    memory["vectors"] = np.asarray(bot.embedder.encode_queries([search_text(d["question"]) for d in known]))
    memory["clauses"] = np.array([by_label[d["gold"][0]] for d in known])
    memory["notes"] = np.array([d.get("note", "")[:30] for d in known])
    return known, by_label


def measure(bot, names: str, settings: list, rule: dict) -> None:
    """Each named set answered once per setting (`rule["setting"]`), dev with fold adapters and
    refusal models; prints the counts."""
    current = [bot.adapter, trust_model()]
    chain = next(iter(steps(bot, lambda store: current[0], lambda: current[1]).values()))
    for name in names.split(","):
        path = Path(name) if name.endswith(".jsonl") else ROOT / "eval/gold" / f"{name}.jsonl"
        groups = folds(bot, path)(load_gold(path))
        for setting in settings:
            rule["setting"] = setting
            outcomes = []
            for adapter, model, part in groups:
                current[0], current[1] = adapter, model
                outcomes += run_questions(chain, part)["outcomes"]
            current[0], current[1] = bot.adapter, trust_model()
            print(path.name, setting, counts(outcomes), flush=True)


def main() -> None:
    adapter_module.QueryAdapter.promote = promote
    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        bot.warm_up()
        dev_memory(bot, MEMORY)
        measure(bot, sys.argv[1], settings_from(sys.argv), RULE)


if __name__ == "__main__":
    main()
