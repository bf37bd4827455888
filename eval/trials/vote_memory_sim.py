"""python eval/trials/vote_memory_sim.py ROOT OUT.json SETS EXTRA: as memory_join_sim.py, but the
answerable questions of EXTRA only vote (the clause vote and the sentence vote of bot/known.py); the
refusal model's features still come from the shipped memory alone (fifteenth session)."""

import sys

import numpy as np
from memory_join_sim import run, widen


def votes_only(bot, extra: str) -> None:
    """Widen the memory with EXTRA's answerable questions, and leave those rows out of the refusal
    features (as a question's own row is left out)."""
    import bot.known as known

    shipped, widened = widen(bot, extra, answerable_only=True)
    made, features = known.known_index, known.KnownIndex.features

    def known_index(*args, **kwargs):
        index = made(*args, **kwargs)
        # The shipped rows come first (with the seed, every one's clause is in the store), then
        # EXTRA's, then any taught ones.
        index.vote_only = np.zeros(len(index), dtype=bool)
        index.vote_only[shipped:widened] = True
        return index

    def judged_features(self, search, vector, *rest):
        # `features` takes the rows to leave out from `_similarities`, which returns its cached
        # `_last` for the same question: that cache is given EXTRA's rows as the question's own for
        # `features` alone, and put back for the votes that follow.
        sims, own = self._similarities(search, vector)
        self._last = (search, vector, sims, own | self.vote_only)
        try:
            return features(self, search, vector, *rest)
        finally:
            self._last = (search, vector, sims, own)

    known.known_index = known_index
    known.KnownIndex.features = judged_features


if __name__ == "__main__":
    run(sys.argv, votes_only)
