"""Trial (twelfth session): the memory's sentence vote, before it ships. The answerable development
questions tied to the clause being quoted vote for the sentence whose whole (parts joined at ；)
holds every key of theirs; each sentence's share of the votes, times W, is added to its score in
bot/extract.py best_sentences. Dev is answered with fold adapters and refusal models
(eval/quality.py `folds`), and each question's own batch (its gold note) is left out of the memory.
Usage from the project root, on a commit before the vote shipped:

    .venv/bin/python eval/trials/sentence_vote.py dev 0.85:1:0.01:0.03,0.9:2:0.01:0.03

Each setting is LINE:W:TAU:WIDTH; the first row printed is always the path without the vote.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "eval")]

from known_vote import dev_memory, measure, settings_from  # noqa: E402

import bot.answer as answer_module  # noqa: E402
from bot.extract import sentence_span  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402

RULE: dict = {"setting": None}
MEMORY: dict = {}
_best = answer_module.best_sentences


def sentence_votes(sentences: list[str], keys: list[str]) -> np.ndarray:
    """1/n for each of the n sentences whose whole holds every key (zeros when none does)."""
    holds = np.zeros(len(sentences))
    for i in range(len(sentences)):
        first, last = sentence_span(sentences, i)
        whole = "".join(sentences[first : last + 1])
        holds[i] = all(k in whole for k in keys)
    return holds / holds.sum() if holds.any() else holds


def best_sentences(store, clause_index, question, query_vector, *args, **kwargs):
    ranked = _best(store, clause_index, question, query_vector, *args, **kwargs)
    if RULE["setting"] is None or len(ranked) < 2:
        return ranked
    line, weight, tau, width = RULE["setting"]
    sims = MEMORY["vectors"] @ query_vector
    usable = MEMORY["clauses"] == clause_index
    for own in np.flatnonzero(sims > 0.9995):  # the question itself: its whole batch is left out
        usable &= MEMORY["notes"][own] != MEMORY["notes"]
    usable &= MEMORY["voting"]
    if not usable.any():
        return ranked
    rows = np.flatnonzero(usable)
    nearest = sims[rows].max()
    if nearest < line:
        return ranked
    rows = rows[sims[rows] >= nearest - width]
    w = np.exp((sims[rows] - nearest) / tau)
    share = sum(wi * MEMORY["votes"][r] for wi, r in zip(w, rows)) / w.sum()
    return sorted(((i, s + weight * share[i]) for i, s in ranked), key=lambda x: -x[1])


def main() -> None:
    answer_module.best_sentences = best_sentences
    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        bot.warm_up()
        known, by_label = dev_memory(bot, MEMORY)
        MEMORY["votes"] = [
            sentence_votes(bot.store.clauses[by_label[d["gold"][0]]].sentences, d.get("key") or []) for d in known
        ]
        MEMORY["voting"] = np.array([bool(d.get("key")) and v.any() for d, v in zip(known, MEMORY["votes"])])
        print(f"memory {len(known)}, voting {int(MEMORY['voting'].sum())}", flush=True)
        measure(bot, sys.argv[1], settings_from(sys.argv), RULE)


if __name__ == "__main__":
    main()
