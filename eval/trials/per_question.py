import json
import pathlib
import sys
import tempfile

root = sys.argv[1]
sys.path.insert(0, root)
import bot.query as q
from bot.chain import AskRequest
from bot.goldset import load_gold
from bot.testing import indexed_bot

print(q.__file__, len(q.synonyms()), file=sys.stderr)
b = indexed_bot(pathlib.Path(tempfile.mkdtemp()))
out = {}
for path in sys.argv[2:-1]:
    for g in load_gold(path):
        a = b.chain.invoke(AskRequest(g.question, previous=g.previous))
        top = a.citations[0].label if a.citations and not a.refused else ""
        out[g.id] = dict(
            q=g.question,
            kind=g.kind,
            refused=a.refused,
            top=top,
            gold=list(g.gold),
            fact=bool(g.key) and all(k in a.answer for k in g.key),
        )
json.dump(out, open(sys.argv[-1], "w"), ensure_ascii=False)
