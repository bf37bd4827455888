"""python eval/trials/clause_vote_grid.py ROOT NEAREST:SHARE:BRING,... SET,...: clause top-1, fact
stated and refusals of the sets' questions with the memory's clause vote at each setting
(bot/known.py VOTE_NEAREST, VOTE_SHARE, VOTE_BRING) and the code at ROOT; each row after the first
also counts the answerable questions gained and lost against the first (seventeenth session).
Honest only on sets whose questions the memory at ROOT does not hold."""

import sys
import tempfile
from pathlib import Path


def main(root: str, settings: str, sets: str) -> None:
    sys.path[:0] = [root, root + "/eval"]
    import bot.known as known
    from bot.evaluation.runner import run_questions
    from bot.goldset import load_gold
    from bot.testing import indexed_bot

    questions = [q for name in sets.split(",") for q in load_gold(name)]
    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        bot.warm_up()
        first = None
        for setting in settings.split(","):
            known.VOTE_NEAREST, known.VOTE_SHARE, known.VOTE_BRING = map(float, setting.split(":"))
            outcomes = run_questions(bot.chain, questions)["outcomes"]
            ins = [o for o in outcomes if not o.question.refusal]
            oos = [o for o in outcomes if o.question.refusal]
            right = {o.question.id: bool(o.key_ok) and o.rank == 1 for o in ins}
            line = (
                f"{setting}: top-1 {sum(o.rank == 1 for o in ins)} fact {sum(bool(o.key_ok) for o in ins)}"
                f" in-scope refused {sum(bool(o.refused) for o in ins)} of {len(ins)}"
                f" | out-of-scope refused {sum(bool(o.refused) for o in oos)} of {len(oos)}"
            )
            if first is None:
                first = right
            else:
                gained = sum(v and not first[k] for k, v in right.items())
                lost = sum(first[k] and not v for k, v in right.items())
                line += f"  (right clause and fact: +{gained} -{lost})"
            print(line, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
