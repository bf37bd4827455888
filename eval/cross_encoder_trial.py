"""Trial, not shipped: would a cross-encoder (question and sentence read together) refuse more
out-of-scope questions than bot/trust.py's features? Measured, so the next attempt starts from
figures, not from a guess.

Run: .venv/bin/python eval/cross_encoder_trial.py   (about 20 minutes on 2 cores)

The cross-encoder is multilingual-e5-small (the model the index already uses) with a linear head
on its mean-pooled output, trained on pairs from the development set: a question and its gold
clause's sentence that holds the answer key (1), the best sentence of the best clause that is not
gold (0), and an out-of-scope question's two best sentences of the first clause and the best of
the second (0). Layers 0–7 stay e5's own and their output is computed once per pair; layers 8–11
and the head are trained (3 epochs, AdamW 5e-5). Its score of the question against the two best
sentences of the clause found (the larger) joins the refusal model's features.

Printed: out-of-scope refused on the development set, 5-fold cross-validated (the cross-encoder's
scores out of fold too), at 1% and 2% of in-scope questions refused; then, once, the held-apart
set with the model and threshold fitted on the development set; and the time one pair takes.
"""

from __future__ import annotations

import copy
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.chain import AskRequest  # noqa: E402
from bot.e5convert import model_dir_name  # noqa: E402
from bot.extract import best_sentences  # noqa: E402
from bot.goldset import load_gold  # noqa: E402
from bot.keywords import tokenize  # noqa: E402
from bot.lexicon import lexicon  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402
from bot.trust import FEATURES, TrustFeatures  # noqa: E402

FROZEN = 8  # e5 layers kept as they are
MODEL_REASON = "已加载的文本没有涉及这个问题，无法作答（不作猜测）。"


def collect(bot, path: Path) -> list[dict]:
    """Per question: what the shipped answer path did, the trust features, the top clauses' sentences
    (in the order the answer path ranks them). eval/trials/ reads the same rows."""
    features = TrustFeatures(bot.store, bot.encoder, lexicon(str(bot.settings.model_cache_dir)))
    store, rows = bot.store, []
    for q in load_gold(path):
        if q.kind == "injection":
            continue
        answer = bot.chain.invoke(AskRequest(q.question, previous=q.previous))
        if not answer.retrieved:
            continue
        vector, tokens = bot.encoder(answer.search), tokenize(answer.search)
        bm25, pairs = store.bm25_sentences.scores(tokens), store.bigram_sentences.scores(answer.search)
        tops = []
        for d in answer.retrieved[:3]:
            ci = d.metadata["clause_index"]
            clause = store.clauses[ci]
            ranked = best_sentences(store, ci, answer.search, vector, bm25, pairs)
            tops.append(
                {
                    "ci": ci,
                    "label": clause.label,
                    "clause_id": clause.clause_id,
                    "gold": clause.label in q.gold or clause.clause_id in q.gold,
                    "sentences": [clause.sentences[i] for i, _ in ranked],
                }
            )
        values = features.compute(answer.question, answer.search, answer.retrieved[0].metadata["clause_index"])
        rows.append(
            {
                "id": q.id,
                "kind": q.kind,
                "question": answer.question,
                "search": answer.search,
                "inscope": not q.refusal,
                "gold": list(q.gold),
                "key": list(q.key),
                "refused": answer.refused,
                "answer": answer.answer,
                # refused by a rule (a name no text holds, a figure the clause lacks), not by the model
                "rule": answer.refused and MODEL_REASON not in answer.answer,
                "features": [values[n] for n in FEATURES],
                "tops": tops,
            }
        )
    return rows


def pairs_for(row: dict) -> list[tuple[str, str, float]]:
    q, tops, out = row["question"], row["tops"], []
    if row["inscope"]:
        gold = next((t for t in tops if t["gold"]), None)
        if gold is not None:
            keyed = [s for s in gold["sentences"] if row["key"] and all(k in s for k in row["key"])]
            some = [s for s in gold["sentences"] if any(k in s for k in row["key"])]
            out.append((q, (keyed or some or gold["sentences"])[0], 1.0))
        other = next((t for t in tops if not t["gold"]), None)
        if other is not None:
            out.append((q, other["sentences"][0], 0.0))
    else:
        out += [(q, s, 0.0) for s in tops[0]["sentences"][:2]]
        if len(tops) > 1:
            out.append((q, tops[1]["sentences"][0], 0.0))
    return out


class CrossEncoder:
    def __init__(self, model_dir: Path):
        import torch
        from transformers import AutoModel, AutoTokenizer

        torch.set_num_threads(2)
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.base = AutoModel.from_pretrained(model_dir).eval()
        self._lower: dict[tuple[str, str], object] = {}

    def _mask(self, mask):
        return (1.0 - mask[:, None, None, :].float()) * self.torch.finfo(self.torch.float32).min

    def lower(self, pairs: list[tuple[str, str]]) -> list:
        """Layers 0..FROZEN-1 of each pair, computed once."""
        todo = list(dict.fromkeys(p for p in pairs if p not in self._lower))
        with self.torch.no_grad():
            for i in range(0, len(todo), 32):
                chunk = todo[i : i + 32]
                batch = self.tokenizer(
                    ["query: " + q for q, _ in chunk],
                    ["passage: " + s for _, s in chunk],
                    truncation=True,
                    max_length=160,
                    padding=True,
                    return_tensors="pt",
                )
                h, ext = self.base.embeddings(input_ids=batch["input_ids"]), self._mask(batch["attention_mask"])
                for layer in self.base.encoder.layer[:FROZEN]:
                    out = layer(h, attention_mask=ext)
                    h = out[0] if isinstance(out, tuple) else out
                for j, p in enumerate(chunk):
                    self._lower[p] = h[j, : int(batch["attention_mask"][j].sum())].clone()
        return [self._lower[p] for p in pairs]

    def train(self, pairs, epochs: int = 3, lr: float = 5e-5, batch: int = 16, seed: int = 0):
        torch = self.torch
        torch.manual_seed(seed)
        order, shuffle = list(range(len(pairs))), random.Random(seed)
        hidden, labels = self.lower([(q, s) for q, s, _ in pairs]), [y for _, _, y in pairs]
        top = torch.nn.ModuleDict(
            {
                "layers": torch.nn.ModuleList(copy.deepcopy(self.base.encoder.layer[FROZEN:])),
                "head": torch.nn.Linear(self.base.config.hidden_size, 1),
            }
        )
        opt = torch.optim.AdamW(top.parameters(), lr=lr, weight_decay=0.01)
        steps = epochs * -(-len(order) // batch)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, 1 - s / steps)
        )
        top.train()
        for _ in range(epochs):
            shuffle.shuffle(order)
            for i in range(0, len(order), batch):
                idx = order[i : i + batch]
                logits = self.upper(top, [hidden[j] for j in idx])
                loss = torch.nn.functional.binary_cross_entropy_with_logits(
                    logits, torch.tensor([labels[j] for j in idx])
                )
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
        return top.eval()

    def upper(self, top, hidden):
        torch = self.torch
        length = max(h.shape[0] for h in hidden)
        x, mask = torch.zeros(len(hidden), length, hidden[0].shape[1]), torch.zeros(len(hidden), length)
        for i, h in enumerate(hidden):
            x[i, : h.shape[0]], mask[i, : h.shape[0]] = h, 1
        ext = self._mask(mask)
        for layer in top["layers"]:
            out = layer(x, attention_mask=ext)
            x = out[0] if isinstance(out, tuple) else out
        m = mask.unsqueeze(-1)
        return top["head"]((x * m).sum(1) / m.sum(1)).squeeze(-1)

    def score(self, top, rows) -> np.ndarray:
        with self.torch.no_grad():
            return np.array(
                [
                    max(
                        self.upper(
                            top, self.lower([(r["question"], s) for s in r["tops"][0]["sentences"][:2]])
                        ).tolist()
                    )
                    for r in rows
                ]
            )


def refused_at(Z, y, rule, max_refused: float, repeats: int = 10):
    """Cross-validated probabilities; threshold so that rules and model together refuse at most
    max_refused of in-scope questions; (threshold, in-scope refused, out-of-scope refused)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    out = []
    for repeat in range(repeats):
        p = np.zeros(len(y))
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=repeat).split(Z, y):
            p[te] = LogisticRegression(max_iter=5000).fit(Z[tr], y[tr]).predict_proba(Z[te])[:, 1]
        budget = int(max_refused * y.sum()) - int((rule & y).sum())
        cut = np.sort(p[y & ~rule])[max(0, budget)]
        refused = rule | (p < cut)
        out.append((cut, refused[y].mean(), refused[~y].mean()))
    return np.median([o[0] for o in out]), np.mean([o[1] for o in out]), np.mean([o[2] for o in out])


def compare_refusal(variants, y, rule, hy, hrule, shares=(0.01, 0.02)) -> None:
    """For each (name, development features, held-apart features): in-scope and out-of-scope
    refused on the development set (cross-validated) and on the held-apart set at the development
    threshold, at each share of in-scope questions refused; and the held-apart AUC of the
    questions no rule refused."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    for name, D, H in variants:
        mean, sd = D.mean(0), D.std(0) + 1e-9
        model = LogisticRegression(max_iter=5000).fit((D - mean) / sd, y)
        p_held = model.predict_proba((H - mean) / sd)[:, 1]
        auc = roc_auc_score(hy[~hrule], p_held[~hrule])
        for max_refused in shares:
            cut, inside, outside = refused_at((D - mean) / sd, y, rule, max_refused)
            held_refused = hrule | (p_held < cut)
            print(
                f"{name:26s} at {max_refused:.0%}: dev (cross-validated) in-scope refused {inside:.3f}, "
                f"out-of-scope {outside:.3f}; held-apart in-scope {held_refused[hy].mean():.3f}, "
                f"out-of-scope {held_refused[~hy].mean():.3f}"
            )
        print(f"{name:26s} held-apart AUC (questions no rule refused) {auc:.3f}")


def main() -> None:
    from sklearn.model_selection import StratifiedKFold

    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        dev = collect(bot, ROOT / "eval" / "gold" / "dev.jsonl")
        held = collect(bot, ROOT / "eval" / "gold" / "heldout.jsonl")
        encoder = CrossEncoder(bot.settings.model_cache_dir / model_dir_name())
    y = np.array([r["inscope"] for r in dev])
    ce = np.zeros(len(dev))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=42).split(np.zeros(len(y)), y):
        top = encoder.train([p for i in tr for p in pairs_for(dev[i])])
        ce[te] = encoder.score(top, [dev[i] for i in te])
    top = encoder.train([p for r in dev for p in pairs_for(r)])
    ce_held = encoder.score(top, held)

    rule, X = np.array([r["rule"] for r in dev]), np.array([r["features"] for r in dev])
    hy, hrule = np.array([r["inscope"] for r in held]), np.array([r["rule"] for r in held])
    hX = np.array([r["features"] for r in held])
    print(f"development {len(y)} ({int((~y).sum())} out of scope); held-apart {len(hy)} ({int((~hy).sum())})")
    compare_refusal(
        (("features", X, hX), ("features + cross-encoder", np.c_[X, ce], np.c_[hX, ce_held])), y, rule, hy, hrule
    )

    times = []
    for r in dev[:60]:
        start = time.perf_counter()
        encoder._lower.clear()
        encoder.score(top, [r])
        times.append((time.perf_counter() - start) * 1000)
    print(f"one question (2 pairs, all 12 layers, torch): p50 {statistics.median(times):.0f} ms")


if __name__ == "__main__":
    main()
