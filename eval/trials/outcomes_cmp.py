"""python eval/trials/outcomes_cmp.py A.json B.json: the questions whose outcome (clause top-1, fact
stated, refused) differs between two outcomes_dump.py runs."""

import json
import sys

a = json.load(open(sys.argv[1], encoding="utf-8"))
b = json.load(open(sys.argv[2], encoding="utf-8"))
for k, x in a.items():
    y = b[k]
    if (x["rank"] == 1) != (y["rank"] == 1) or x["key"] != y["key"] or x["ref"] != y["ref"]:
        print(k, x["kind"], x["q"][:70])
        print("   A", x["rank"], x["key"], x["ref"], x["ans"][:90])
        print("   B", y["rank"], y["key"], y["ref"], y["ans"][:90])
