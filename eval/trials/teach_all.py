"""Trial: every answerable question of a set taught as an alias (bot/teaching.py), then the blind
batch and the held-out set measured. Run: .venv/bin/python eval/trials/teach_all.py /tmp/trials5/dev442.jsonl"""

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, "/work/main")
from bot.evaluation.runner import run_questions
from bot.goldset import load_gold
from bot.testing import indexed_bot
from eval.quality import row

exem = [q for q in load_gold(Path(sys.argv[1])) if not q.refusal and not q.previous and q.kind != "injection"]
sets = {
    n: load_gold(Path(p))
    for n, p in (("fresh", "/tmp/trials5/fresh.jsonl"), ("held", "/work/main/eval/gold/heldout.jsonl"))
}
bot = indexed_bot(Path(tempfile.mkdtemp()))
bot.warm_up()


def show(tag):
    for n, qs in sets.items():
        r = row(run_questions(bot.chain, qs)["outcomes"])
        print(tag, n, " ".join(f"{k} {v:.3f}" for k, v in r.items()))


show("before")
t = bot.accounts.add_user("TEACHER", "教学评测", "广东省司法厅", "trainer", "teaching-eval-1")
for q in exem:
    bot.teaching.teach(t, q.question, bot.clause(q.gold[0]))
print(len(exem), "taught")
show("after")
