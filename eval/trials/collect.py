"""Trial support: per gold question, the shipped answer, the refusal features, the top 3 clauses and
their sentences in the shipped order, pickled.  Run: .venv/bin/python eval/trials/collect.py GOLD.jsonl... OUT.pkl"""

import pickle
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bot.chain import AskRequest
from bot.extract import best_sentences
from bot.goldset import load_gold
from bot.keywords import tokenize
from bot.lexicon import lexicon
from bot.testing import indexed_bot
from bot.trust import FEATURES, TrustFeatures

home = Path(tempfile.mkdtemp())
bot = indexed_bot(home)
store = bot.store
feat = TrustFeatures(store, bot.encoder, lexicon(str(bot.settings.model_cache_dir)))
rows = []
for path in sys.argv[1:-1]:
    for q in load_gold(path):
        if q.kind == "injection":
            continue
        ans = bot.chain.invoke(AskRequest(q.question, previous=q.previous))
        if not ans.retrieved:
            continue
        search = ans.search
        vector = bot.encoder(search)
        tokens = tokenize(search)
        ss = store.bm25_sentences.scores(tokens)
        bs = store.bigram_sentences.scores(search)
        tops = []
        for d in ans.retrieved[:3]:
            ci = d.metadata["clause_index"]
            cl = store.clauses[ci]
            ranked = best_sentences(store, ci, search, vector, ss, bs)
            tops.append(
                dict(ci=ci, label=cl.label, clause_id=cl.clause_id, sentences=[cl.sentences[i] for i, _ in ranked])
            )
        values = feat.compute(ans.question, search, ans.retrieved[0].metadata["clause_index"])
        rows.append(
            dict(
                id=q.id,
                kind=q.kind,
                question=ans.question,
                search=search,
                inscope=not q.refusal,
                gold=list(q.gold),
                key=list(q.key),
                refused=ans.refused,
                answer=ans.answer,
                features=[values[n] for n in FEATURES],
                tops=tops,
            )
        )
pickle.dump(rows, open(sys.argv[-1], "wb"))
print(len(rows))
