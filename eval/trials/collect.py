"""Trial support: per gold question, the shipped answer, the refusal features, the top 3 clauses and
their sentences in the shipped order (eval/cross_encoder_trial.py's `collect`), pickled.
Run: .venv/bin/python eval/trials/collect.py GOLD.jsonl... OUT.pkl"""

import pickle
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bot.testing import indexed_bot
from eval.cross_encoder_trial import collect

bot = indexed_bot(Path(tempfile.mkdtemp()))
rows = [row for path in sys.argv[1:-1] for row in collect(bot, Path(path))]
pickle.dump(rows, open(sys.argv[-1], "wb"))
print(len(rows))
