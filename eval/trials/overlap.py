"""Share of a question's Chinese character pairs that also occur in its gold clauses' text: how
much wording a question shares with the clause that answers it (sixteenth session).

python eval/trials/overlap.py OUTCOMES.json FIRST LAST   # top-1 / fact / refused by overlap band
python eval/trials/overlap.py OUTCOMES.json FIRST LAST --misses LOW HIGH   # the misses in a band

OUTCOMES.json is what outcomes_dump.py writes for batches bFIRST..bLAST. Traditional questions are
read simplified, as the assistant reads them.
"""

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.clean import to_simplified  # noqa: E402
from bot.corpus import corpus_files, parse_document  # noqa: E402

REWORDED = {"paraphrase", "colloquial"}
BANDS = (0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 1.01)


def clause_texts() -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in corpus_files(ROOT / "corpus"):
        for clause in parse_document(path).clauses:
            texts[clause.label] = texts.get(clause.label, "") + clause.text
    return texts


def pairs(text: str) -> set[str]:
    out: set[str] = set()
    for run in re.findall(r"[\u4e00-\u9fff]+", text):
        out |= {run[i : i + 2] for i in range(len(run) - 1)}
    return out


def overlap(question: str, gold: list[str], texts: dict[str, str]) -> float:
    text = "".join(texts.get(g, "") for g in gold)
    found = pairs(to_simplified(question))
    return sum(p in text for p in found) / max(1, len(found))


def rows(outcomes: dict, first: int, last: int, texts: dict[str, str]):
    for n in range(first, last + 1):
        for line in open(ROOT / f"eval/trials/blind_batch{n}.jsonl", encoding="utf-8"):
            q = json.loads(line)
            if q["gold"] and q["id"] in outcomes and q["kind"] != "followup":
                yield overlap(q["question"], q["gold"], texts), q, outcomes[q["id"]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("outcomes")
    parser.add_argument("first", type=int)
    parser.add_argument("last", type=int)
    parser.add_argument("--misses", nargs=2, type=float, metavar=("LOW", "HIGH"))
    args = parser.parse_args()
    texts = clause_texts()
    found = list(rows(json.load(open(args.outcomes, encoding="utf-8")), args.first, args.last, texts))
    if args.misses:
        low, high = args.misses
        for share, q, o in found:
            if q["kind"] in REWORDED and low <= share < high and not (o["rank"] == 1 and o["key"]):
                print(
                    q["id"],
                    f"{share:.2f}",
                    q["gold"],
                    q["key"],
                    "rank",
                    o["rank"],
                    "refused" * o["ref"],
                    "|",
                    q["question"],
                )
        return
    for group in ("reworded", "plain"):
        chosen = [r for r in found if (r[1]["kind"] in REWORDED) == (group == "reworded")]
        print(group, len(chosen))
        for low, high in zip(BANDS, BANDS[1:]):
            band = [o for share, _, o in chosen if low <= share < high]
            if band:
                n = len(band)
                print(
                    f"  [{low:.2f}, {high:.2f}) n={n:5d} top-1 {sum(o['rank'] == 1 for o in band) / n:.3f}"
                    f" fact {sum(o['key'] for o in band) / n:.3f} refused {sum(o['ref'] for o in band) / n:.3f}"
                )


if __name__ == "__main__":
    main()
