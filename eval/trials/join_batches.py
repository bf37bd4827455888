"""python eval/trials/join_batches.py FIRST LAST: append blind batches bFIRST..bLAST
(eval/trials/blind_batchN.jsonl) to eval/gold/dev.jsonl with new ids, leaving out every question
(or follow-up's earlier question) within tests/test_gold.py's near-duplicate line of a held-out one,
and traditional questions that read the same once simplified (fifteenth session)."""

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.clean import to_simplified  # noqa: E402

NEAR_DUPLICATE = 0.8
NUMBERS = "零一二三四五六七八九"
JOINED_IN = "第十七次"  # the session joining them now
SESSION = {
    range(62, 86): "第十三次",
    range(86, 110): "第十四次",
    range(110, 134): "第十五次",
    range(134, 166): "第十六次",
    range(166, 198): "第十七次",
}


def bigrams(text: str) -> set[str]:
    text = re.sub(r"\W", "", to_simplified(text))
    return {text[i : i + 2] for i in range(len(text) - 1)}


def chinese(n: int) -> str:
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else NUMBERS[tens] + "十")
    return head + (NUMBERS[ones] if ones or not head else "")


def ordinal(n: int) -> str:
    if n < 100:
        return f"第{chinese(n)}批"
    rest = n % 100
    tail = (
        ""
        if rest == 0
        else ("零" + NUMBERS[rest] if rest < 10 else "一" + chinese(rest) if rest < 20 else chinese(rest))
    )
    return f"第一百{tail}批"


def main(first: int, last: int) -> None:
    dev_path = ROOT / "eval" / "gold" / "dev.jsonl"
    dev = [json.loads(line) for line in dev_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    held = [json.loads(line) for line in (ROOT / "eval" / "gold" / "heldout.jsonl").open(encoding="utf-8")]
    held_grams = [bigrams(t) for q in held for t in (q["question"], q.get("previous")) if t]
    number = max(int(q["id"][1:]) for q in dev)
    added, left = [], []
    for n in range(first, last + 1):
        session = next(s for r, s in SESSION.items() if n in r)
        for line in (ROOT / "eval" / "trials" / f"blind_batch{n}.jsonl").open(encoding="utf-8"):
            q = json.loads(line)
            texts = [t for t in (q["question"], q.get("previous")) if t]
            near = any(
                (x := bigrams(t)) and any(len(x & y) / len(x | y) >= NEAR_DUPLICATE for y in held_grams) for t in texts
            )
            if near or (q["kind"] == "traditional" and to_simplified(q["question"]) == q["question"]):
                left.append(q["id"])
                continue
            number += 1
            row = {"id": f"d{number}", "question": q["question"], "kind": q["kind"], "gold": q["gold"], "key": q["key"]}
            if q.get("previous"):
                row["previous"] = q["previous"]
            row["note"] = f"{session}会话盲写{ordinal(n)}（{q['id']}），{JOINED_IN}会话入集；入集前已测。"
            added.append(row)
    with dev_path.open("a", encoding="utf-8") as out:
        for row in added:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"joined {len(added)} (dev {len(dev)} -> {len(dev) + len(added)}); left out {len(left)}: {' '.join(left)}")


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
