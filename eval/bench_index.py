"""Index build benchmark: time and peak memory for the seed and a synthetic 5,000-clause corpus.

Run: .venv/bin/python eval/bench_index.py [--clauses 5000]
Targets on a 2-core machine: seed ≤ 10 s after the model is loaded; 5,000 clauses ≤ 5 minutes.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.service import StudyBot  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.testing import home_settings  # noqa: E402
from eval.synthetic import SEED, make_corpus  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(home: Path, corpus: Path, embedder) -> tuple[float, object]:
    bot = StudyBot(home_settings(home, corpus_dir=corpus), embedder=embedder)
    started = time.perf_counter()
    report = bot.index(progress=False)
    return time.perf_counter() - started, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clauses", type=int, default=5100)
    args = parser.parse_args()

    from bot.embed import Embedder

    t0 = time.perf_counter()
    embedder = Embedder.from_settings(Settings.from_env())
    print(f"model load: {time.perf_counter() - t0:.1f} s  ({embedder.model_id})")
    print(f"peak RSS after model load: {peak_rss_mb():.0f} MB")

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        seed_dir = home / "seed"
        seed_dir.mkdir()
        shutil.copy(SEED, seed_dir / SEED.name)
        seconds, report = build(home / "a", seed_dir, embedder)
        print(
            f"seed: {report.documents} docs, {report.clauses} clauses, {report.sentences} sentences "
            f"in {seconds:.2f} s; peak RSS {peak_rss_mb():.0f} MB"
        )
        seconds, report = build(home / "a", seed_dir, embedder)
        print(f"seed again (nothing changed): {seconds:.2f} s")

        synth = home / "synthetic"
        made = make_corpus(synth, clauses=args.clauses)
        seconds, report = build(home / "b", synth, embedder)
        print(
            f"synthetic: {report.documents} docs, {report.clauses} clauses ({made} tasks), "
            f"{report.sentences} sentences in {seconds:.1f} s "
            f"({report.sentences / seconds:.0f} sentences/s); peak RSS {peak_rss_mb():.0f} MB"
        )
        one = next(synth.glob("*.txt"))
        one.write_text(one.read_text(encoding="utf-8") + "\n本方案自印发之日起施行。", encoding="utf-8")
        seconds, report = build(home / "b", synth, embedder)
        print(f"synthetic, one document changed: {seconds:.1f} s, {report.embedded} sentences re-embedded")


if __name__ == "__main__":
    main()
