"""Trial (ninth session, not kept): fine-tune multilingual-e5-small on the development questions,
each against the sentence of its gold clause that holds its answer key (in-batch negatives, the
loss of sentence-transformers' MultipleNegativesRankingLoss, written out because `model.fit`
needs the `datasets` package), then answer the held-out set with the tuned model.

Run: .venv/bin/python eval/trials/finetune_e5.py [EPOCHS] [OUT_DIR]     (2 epochs: about 10 min)
then: STUDYBOT_EMBED_MODEL=OUT_DIR STUDYBOT_EMBED_BACKEND=torch \
      .venv/bin/python eval/quality.py --sets heldout --steps 1
"""

import random
import sys
import time
from pathlib import Path

from common import ROOT, SETS  # also puts the project on sys.path


def pairs(bot, questions) -> list[tuple[str, str]]:
    by_label = {c.label: c for c in bot.store.clauses}
    out = []
    for q in questions:
        if q.refusal or not q.gold:
            continue
        sentences = [s for g in q.gold if g in by_label for s in by_label[g].sentences]
        holding = [s for s in sentences if all(k in s for k in q.key)]
        if holding:
            text = f"{q.previous} {q.question}" if q.previous else q.question
            out.append(("query: " + text, "passage: " + holding[0]))
    return out


def main() -> None:
    import tempfile

    import torch
    from sentence_transformers import SentenceTransformer

    from bot.e5convert import ensure_model
    from bot.goldset import load_gold
    from bot.testing import indexed_bot

    epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    out = sys.argv[2] if len(sys.argv) > 2 else "/tmp/trials/e5-tuned"
    torch.manual_seed(0)
    random.seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        bot = indexed_bot(Path(tmp))
        train = pairs(bot, load_gold(SETS["dev"]))
        base = ensure_model(bot.settings.model_cache_dir)
    print(len(train), "pairs from", ROOT / "eval/gold/dev.jsonl")
    model = SentenceTransformer(str(base), device="cpu")
    model.train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-5)
    started = time.time()
    for epoch in range(epochs):
        random.shuffle(train)
        for b in range(0, len(train), 32):
            batch = train[b : b + 32]
            q = model(model.tokenize([x for x, _ in batch]))["sentence_embedding"]
            p = model(model.tokenize([y for _, y in batch]))["sentence_embedding"]
            scores = torch.nn.functional.normalize(q, dim=-1) @ torch.nn.functional.normalize(p, dim=-1).T * 20
            # One sentence may answer several questions of a batch: not a negative for those.
            same = torch.tensor(
                [[y1 == y2 and i != j for j, (_, y2) in enumerate(batch)] for i, (_, y1) in enumerate(batch)]
            )
            loss = torch.nn.functional.cross_entropy(scores.masked_fill(same, -1e4), torch.arange(len(batch)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        print(f"epoch {epoch}: loss {loss.item():.3f}, {time.time() - started:.0f} s")
    model.eval()
    model.save(out)


if __name__ == "__main__":
    main()
