"""Trial: e5 query vectors of every collected question's search text -> /tmp/trials5/qvec.pkl."""

import pickle
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, "/work/main")
from bot.testing import indexed_bot

bot = indexed_bot(Path(tempfile.mkdtemp()))
labels = [(c.label, c.clause_id) for c in bot.store.clauses]
out = {"labels": labels}
for name in ("dev", "held"):
    rows = pickle.load(open(f"/tmp/trials5/{name}.pkl", "rb"))
    out[name] = np.array([bot.encoder(r["search"]) for r in rows])
pickle.dump(out, open("/tmp/trials5/qvec.pkl", "wb"))
