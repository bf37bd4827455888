"""python eval/trials/vote_grid.py ROOT NEAREST:WEIGHT,... SET,...: clause top-1, fact stated and
refusals of the answerable questions of the sets, with the memory's sentence vote at each setting
(bot/known.py SENTENCE_NEAREST, bot/extract.py VOTE_WEIGHT) and the code at ROOT; each row after
the first also counts the questions gained and lost against the first (sixteenth session)."""

import sys
import tempfile
from pathlib import Path


def main(root: str, settings: str, sets: str) -> None:
    sys.path[:0] = [root, root + "/eval"]
    import bot.extract as extract
    import bot.known as known
    from bot.evaluation.runner import run_questions
    from bot.goldset import load_gold
    from bot.testing import indexed_bot

    questions = [q for name in sets.split(",") for q in load_gold(name) if not q.refusal]
    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        bot.warm_up()
        first = None
        for setting in settings.split(","):
            known.SENTENCE_NEAREST, extract.VOTE_WEIGHT = map(float, setting.split(":"))
            outcomes = run_questions(bot.chain, questions)["outcomes"]
            fact = {o.question.id: bool(o.key_ok) for o in outcomes}
            reworded = [o for o in outcomes if o.question.kind in ("paraphrase", "colloquial")]
            line = (
                f"{setting}: top-1 {sum(o.rank == 1 for o in outcomes)} fact {sum(fact.values())}"
                f" refused {sum(o.refused for o in outcomes)} of {len(outcomes)};"
                f" reworded fact {sum(o.key_ok for o in reworded)} of {len(reworded)}"
            )
            if first is None:
                first = fact
            else:
                gained = sum(fact[k] and not first[k] for k in fact)
                lost = sum(first[k] and not fact[k] for k in fact)
                line += f" | +{gained} -{lost}"
            print(line, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
