"""Trial (fifth session), not shipped: m3e-small's vectors of the seed's sentences and clauses and of the
collected questions (/tmp/trials5/{dev,held}.pkl) -> /tmp/trials5/m3e.pkl."""

import pickle
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, "/work/main")
from sentence_transformers import SentenceTransformer

from bot.testing import indexed_bot

bot = indexed_bot(Path(tempfile.mkdtemp()))
clauses = bot.store.clauses
m = SentenceTransformer("/tmp/trials5/embedding/m3e-small", device="cpu")
sent, owner = [], []
for ci, c in enumerate(clauses):
    for s in c.sentences:
        sent.append(s)
        owner.append(ci)
owner = np.array(owner)
S = m.encode(sent, normalize_embeddings=True, batch_size=32)
C = m.encode([c.text for c in clauses], normalize_embeddings=True)
# e5 too, with the project's encoder, for a like-for-like dense-only comparison
out = {"labels": [(c.label, c.clause_id) for c in clauses], "owner": owner, "sent": sent}
for name in ("dev", "held"):
    rows = pickle.load(open(f"/tmp/trials5/{name}.pkl", "rb"))
    Q = m.encode([r["search"] for r in rows], normalize_embeddings=True, batch_size=32)
    out[name] = {"Q": Q, "sims": Q @ S.T, "csims": Q @ C.T}
t = time.perf_counter()
for r in rows[:50]:
    m.encode([r["search"]], normalize_embeddings=True)
print("m3e per query ms", (time.perf_counter() - t) / 50 * 1000)
pickle.dump(out, open("/tmp/trials5/m3e.pkl", "wb"))
