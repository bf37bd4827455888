"""Sixth-session trial: would quoting a second sentence of the clause more often state the asked
fact more often? bot/answer.py quotes the runner-up sentence too when it scores at least
SECOND_SENTENCE of the best and both fit in MAX_TWO_QUOTES characters.

Run: .venv/bin/python eval/trials/second_sentence.py [GOLD.jsonl]   (default: the development set)
Prints, per setting, fact stated for plain and reworded in-scope questions and the answer's mean
length in characters.
"""

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import bot.answer as answer  # noqa: E402
from bot.evaluation.runner import run_questions  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402
from eval.quality import PLAIN, REWORDED  # noqa: E402

path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "gold" / "dev.jsonl"
questions = [q for q in load_gold(path) if not q.refusal and q.kind != "injection"]
bot = indexed_bot(Path(tempfile.mkdtemp()))
bot.warm_up()
for second, limit in ((0.85, 160), (0.75, 160), (0.75, 220), (0.65, 220), (0.5, 260)):
    answer.SECOND_SENTENCE, answer.MAX_TWO_QUOTES = second, limit
    out = run_questions(bot.chain, questions)["outcomes"]

    def fact(kinds, out=out):
        chosen = [o for o in out if o.question.kind in kinds]
        return sum(o.key_ok for o in chosen) / len(chosen)

    length = statistics.mean(len(o.answer) for o in out if not o.refused)
    print(
        f"second ≥ {second:.2f} of the best, ≤ {limit} chars: plain fact {fact(PLAIN):.3f}, "
        f"reworded fact {fact(REWORDED):.3f}, answer length {length:.0f}",
        flush=True,
    )
