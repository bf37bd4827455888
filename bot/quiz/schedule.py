"""Spaced repetition per officer and question, with the fsrs package (the scheduler Anki uses).

A wrong answer is rated Again (back in the learning steps: minutes), a right answer to a question
the officer has a card for is Good, and a question right at the first meeting is Easy (already
known: days away). Fuzzing is off so a given history always gives the same due date.
"""

from __future__ import annotations

import zlib
from datetime import datetime

from fsrs import Card, Rating, Scheduler


class Reviewer:
    def __init__(self, scheduler: Scheduler | None = None):
        self.scheduler = scheduler or Scheduler(enable_fuzzing=False)

    def review(self, card_json: str | None, correct: bool, when: datetime, card_key: str) -> tuple[str, datetime]:
        """The card after this answer (as JSON) and when the question is next due."""
        if card_json:
            card = Card.from_json(card_json)
            rating = Rating.Good if correct else Rating.Again
        else:
            # card_id given: fsrs would otherwise sleep a millisecond to make one from the clock.
            card = Card(card_id=zlib.crc32(card_key.encode("utf-8")), due=when)
            rating = Rating.Easy if correct else Rating.Again
        card, _log = self.scheduler.review_card(card, rating, review_datetime=when)
        return card.to_json(), card.due
