"""Quiz generation benchmark: the seed and a synthetic 5,000-clause corpus.

Run: .venv/bin/python eval/bench_quiz.py [--clauses 5000]
Clauses are read with the indexer's own parser (no embedding: generation never touches vectors).
Prints, for each corpus: candidates worked out from scratch and stored in the cache, read back
from the cache, after one document changed, and a 40-question quiz; for the seed also every
question it yields.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.corpus import corpus_files, parse_document, unique_doc_ids  # noqa: E402
from bot.db import open_database  # noqa: E402
from bot.index import clause_record  # noqa: E402
from bot.quiz.cache import CandidateCache  # noqa: E402
from bot.quiz.candidates import clause_candidates, version  # noqa: E402
from bot.quiz.generate import QuizGenerator  # noqa: E402
from bot.quiz.lookup import CorpusLookup  # noqa: E402
from bot.quiz.rules import check  # noqa: E402
from bot.records import ClauseRecord  # noqa: E402
from bot.settings import Settings  # noqa: E402
from eval.synthetic import SEED, make_corpus  # noqa: E402


def read_corpus(folder: Path) -> tuple[list[ClauseRecord], dict]:
    files = corpus_files(folder)
    ids = unique_doc_ids(files)
    clauses, documents = [], {}
    for path in files:
        doc = parse_document(path, folder, doc_id=ids[path])
        documents[doc.doc_id] = doc.metadata()
        clauses += [clause_record(doc, c) for c in doc.clauses]
    return clauses, documents


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def bench(name: str, folder: Path, home: Path, all_questions: bool) -> None:
    clauses, documents = read_corpus(folder)
    db = open_database(Settings.from_env(environ={"STUDYBOT_DATA_DIR": str(home / name)}))
    cache = CandidateCache(db)
    candidates, cold = timed(lambda: cache.load(clauses, "rules", version(), clause_candidates))
    blanks = sum(len(d["blanks"]) for d in candidates.values())
    quotes = sum(len(d["quotes"]) for d in candidates.values())
    _, warm = timed(lambda: cache.load(clauses, "rules", version(), clause_candidates))
    gen, setup = timed(lambda: QuizGenerator(CorpusLookup(clauses), candidates, documents))
    quiz, forty = timed(lambda: gen.generate(40, seed=1))
    assert len(quiz) == 40 and all(not check(q, gen.lookup) for q in quiz)
    print(f"{name}: {len(documents)} docs, {len(clauses)} clauses → {blanks} blanks, {quotes} quotes")
    print(f"  candidates from scratch (and cached): {cold:.2f} s; from the cache: {warm:.2f} s")
    print(f"  generator setup (lookup, distractor pools): {setup:.2f} s; 40-question quiz: {forty * 1000:.0f} ms")
    if all_questions:
        every, t = timed(lambda: gen.all_questions(seed=1))
        print(f"  every question at one seed: {len(every)} in {t:.2f} s")
    # One document changes: only its clauses (whose ids change with their text) are worked out again.
    one = sorted(folder.glob("*.txt"))[0]
    lines = one.read_text(encoding="utf-8").splitlines()
    first_item = next(i for i, line in enumerate(lines) if line[:1].isdigit())
    lines[first_item] += "本条自印发之日起施行。"
    one.write_text("\n".join(lines), encoding="utf-8")
    clauses2, _ = read_corpus(folder)
    _, changed = timed(lambda: cache.load(clauses2, "rules", version(), clause_candidates))
    print(f"  after one document changed: {changed:.2f} s, {cache.computed} clauses worked out again")
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clauses", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        seed_dir = home / "seed-corpus"
        seed_dir.mkdir()
        shutil.copy(SEED, seed_dir / SEED.name)
        bench("seed", seed_dir, home, all_questions=True)
        synth = home / "synthetic-corpus"
        make_corpus(synth, clauses=args.clauses)
        bench("synthetic", synth, home, all_questions=False)


if __name__ == "__main__":
    main()
