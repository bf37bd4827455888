"""What the trial scripts share: the pickles `collect.py` writes, the refusal comparison of
eval/cross_encoder_trial.py, and the tables of sentence and clause choice by a trial's scores."""

import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from eval.cross_encoder_trial import MODEL_REASON, compare_refusal, refused_at  # noqa: F401

WORK = "/tmp/trials"
REWORD = {"paraphrase", "colloquial"}
# The sets the trials measure: development, held-out, and the blind batches (b13–b47 have since
# joined dev, each measured before it joined; b48–b61 were each measured and are kept apart).
SETS = {
    "dev": ROOT / "eval/gold/dev.jsonl",
    "held": ROOT / "eval/gold/heldout.jsonl",
    **{
        path.stem.replace("blind_batch", "b"): path
        for path in sorted((ROOT / "eval/trials").glob("blind_batch*.jsonl"), key=lambda p: int(p.stem[11:]))
    },
}


def load(name):
    return pickle.load(open(f"{WORK}/{name}", "rb"))


def is_gold(row, top):
    return top["label"] in row["gold"] or top["clause_id"] in row["gold"]


def rule_of(r):
    return r["refused"] and MODEL_REASON not in r["answer"]


def arrays(rows):
    """In scope, refused by a rule, refusal features."""
    return (
        np.array([r["inscope"] for r in rows]),
        np.array([rule_of(r) for r in rows]),
        np.array([r["features"] for r in rows]),
    )


def _groups(rows, keyed):
    for group in ("plain", "reworded"):
        idx = [
            i
            for i, r in enumerate(rows)
            if r["inscope"]
            and (not keyed or (r["key"] and is_gold(r, r["tops"][0])))
            and ((r["kind"] in REWORD) == (group == "reworded"))
        ]
        yield group, idx


def sentence_choice(sets, sentence_scores, weights, second=0.0):
    """Share of questions (top clause gold, with a key) whose chosen sentence holds every key:
    the shipped first sentence, and the trial's score with `w` added to the shipped first sentence
    (and `second * w` to the second). sets: (name, rows, per-row scores); sentence_scores turns a
    row's scores into one score per sentence of its top clause."""
    for setname, rows, scores in sets:
        for group, idx in _groups(rows, keyed=True):

            def ok(i, j, rows=rows):
                return all(k in rows[i]["tops"][0]["sentences"][j] for k in rows[i]["key"])

            res = [f"shipped {np.mean([ok(i, 0) for i in idx]):.3f}"]
            for w in weights:
                picks = []
                for i in idx:
                    s = np.array(sentence_scores(scores[i]), dtype=float)
                    s[0] += w
                    if len(s) > 1:
                        s[1] += second * w
                    picks.append(ok(i, int(s.argmax())))
                res.append(f"+{w} {np.mean(picks):.3f}")
            print(f"{setname:5s} {group:9s} n={len(idx):3d} " + " ".join(res))


def clause_choice(sets, clause_scores, biases):
    """Share of in-scope questions whose chosen clause (of the top 3) is gold: the shipped first,
    and the trial's score with `b` added to the shipped first; clause_scores turns a row's scores
    into one score per clause."""
    for setname, rows, scores in sets:
        for group, idx in _groups(rows, keyed=False):
            res = [f"shipped {np.mean([is_gold(rows[i], rows[i]['tops'][0]) for i in idx]):.3f}"]
            for b in biases:
                picks = []
                for i in idx:
                    sc = np.array(clause_scores(scores[i]), dtype=float)
                    sc[0] += b
                    picks.append(is_gold(rows[i], rows[i]["tops"][int(sc.argmax())]))
                res.append(f"b{b} {np.mean(picks):.3f}")
            print(f"{setname:5s} {group:9s} n={len(idx):3d} " + " ".join(res))


# --- fifth session: the refusal model's memory (pickles in /tmp/trials5, see README) ---
WORK5 = "/tmp/trials5"


def load_known():
    """(clause labels, question vectors by set, development rows, held-out rows)."""
    vectors = pickle.load(open(f"{WORK5}/qvec.pkl", "rb"))
    dev = pickle.load(open(f"{WORK5}/dev.pkl", "rb"))
    held = pickle.load(open(f"{WORK5}/held.pkl", "rb"))
    return vectors["labels"], vectors, dev, held


def number(row) -> int:
    return int(row["id"][1:])


def gold_clauses(labels, row) -> set[int]:
    """Indices of the clauses (label, clause id) a row's gold names."""
    return {i for i, (label, cid) in enumerate(labels) if label in row["gold"] or cid in row["gold"]}
