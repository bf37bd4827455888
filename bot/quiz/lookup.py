"""Where a piece of text occurs in the corpus: by clause and by sentence, found quickly.

The rules ask this many times per question ("does any clause say 不少于80学时?"), so every
clause text and every sentence is joined once into one string and searched with str.find.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import lru_cache

from ..records import ClauseRecord

SEP = "\x00"


def as_record(clause) -> ClauseRecord:
    return clause if isinstance(clause, ClauseRecord) else ClauseRecord.from_dict(clause)


class CorpusLookup:
    def __init__(self, clauses):
        self.clauses: list[ClauseRecord] = [as_record(c) for c in clauses]
        self.index_of = {c.clause_id: i for i, c in enumerate(self.clauses)}
        self._clause_text, self._clause_starts = _join([c.text for c in self.clauses])
        self.sentence_at: list[tuple[int, int]] = [
            (ci, si) for ci, c in enumerate(self.clauses) for si in range(len(c.sentences))
        ]
        self._sentence_text, self._sentence_starts = _join([s for c in self.clauses for s in c.sentences])

    def clause(self, clause_id: str) -> ClauseRecord | None:
        i = self.index_of.get(clause_id)
        return None if i is None else self.clauses[i]

    def clauses_containing(self, text: str) -> list[int]:
        return sorted(set(_find(self._clause_text, self._clause_starts, text)))

    def sentences_containing(self, text: str) -> list[tuple[int, int]]:
        return [self.sentence_at[i] for i in sorted(set(_find(self._sentence_text, self._sentence_starts, text)))]

    def sentence(self, at: tuple[int, int]) -> str:
        return self.clauses[at[0]].sentences[at[1]]


def _join(texts: list[str]) -> tuple[str, list[int]]:
    starts, pos = [], 0
    for t in texts:
        starts.append(pos)
        pos += len(t) + 1
    return SEP.join(texts), starts


def _find(haystack: str, starts: list[int], needle: str) -> list[int]:
    if not needle or SEP in needle:
        return []
    hits, at = [], haystack.find(needle)
    while at >= 0:
        hits.append(bisect_right(starts, at) - 1)
        at = haystack.find(needle, at + 1)
    return hits


@lru_cache(maxsize=65536)
def bigrams(text: str) -> frozenset[str]:
    """Character bigrams of the Chinese and digits in a text: how much two sentences share."""
    chars = re.sub(r"[^\u4e00-\u9fff0-9A-Za-z]", "", text)
    return frozenset(chars[i : i + 2] for i in range(len(chars) - 1))
