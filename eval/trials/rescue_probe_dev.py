"""python eval/trials/rescue_probe_dev.py OUT.json: the development set answered as eval/quality.py
answers it (fold adapters, fold refusal models); for each question that reaches the two refusal
models, the memory model's probability and line, the question's-vector model's probability and line,
word coverage, and whether it was refused. Step R of the fourteenth session was designed on it
(eval/trials/session14_rules.txt)."""

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

from quality import folds, memory_chain  # noqa: E402

import bot.answer as answer_module  # noqa: E402
from bot.evaluation.runner import run_questions  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402
from bot.trust import trust_model  # noqa: E402

seen: dict[str, tuple] = {}
trusted = answer_module.Extractor.trusted


def spy(self, query, doc):
    result = trusted(self, query, doc)
    model, values = self.refusal_model or trust_model(), self.trust_values
    if query.question not in seen and model.scoped is not None and "known_near" in values:
        vector = self.encoder(query.search)
        seen[query.question] = (
            model.known._probability(values, None),
            model.known.threshold,
            model.scoped._probability(values, vector),
            model.scoped.threshold,
            values["cover_words"],
        )
    return result


answer_module.Extractor.trusted = spy
rows = []
with tempfile.TemporaryDirectory() as tmp:
    bot = indexed_bot(Path(tmp))
    bot.warm_up()
    current = [bot.adapter, trust_model()]
    chain = memory_chain(bot, lambda store: current[0], lambda: current[1])
    path = ROOT / "eval" / "gold" / "dev.jsonl"
    for adapter, model, part in folds(bot, path)(load_gold(path)):
        current[0], current[1] = adapter, model
        for o in run_questions(chain, part)["outcomes"]:
            q = o.question
            if q.question in seen:
                rows.append((q.id, q.kind == "out_of_scope", q.question, *seen[q.question], o.refused, q.refusal))
json.dump(rows, open(sys.argv[1], "w", encoding="utf-8"), ensure_ascii=False)
print(len(rows), "questions reach the two models")
