"""python eval/trials/pattern_reads.py PATTERN [N_IN N_OOS]: how many answerable and out-of-scope
questions of dev and the blind batches (eval/trials/blind_batch*.jsonl) a question pattern reads,
with the first N of each."""

import glob
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
rx = re.compile(sys.argv[1])
n_in, n_oos = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (20, 10)
files = [ROOT / "eval/gold/dev.jsonl"] + sorted(glob.glob(str(ROOT / "eval/trials/blind_batch*.jsonl")))
ins, oos = [], []
for f in files:
    for line in open(f, encoding="utf-8"):
        q = json.loads(line)
        if rx.search(q["question"]):
            (oos if q["kind"] == "out_of_scope" else ins).append(q)
print("out of scope", len(oos), "answerable", len(ins))
for q in ins[:n_in]:
    print("  IN", q["id"], q["question"], q["gold"], q["key"])
for q in oos[:n_oos]:
    print("  OOS", q["id"], q["question"])
