"""Warm `ask` latency (extractive) and process memory, on the seed and on a 5,000-clause corpus.

Run: .venv/bin/python eval/bench_ask.py [--clauses 5100] [--rounds 3] [--cached]
(`--clauses 0` measures the seed only.)
Targets on a 2-core machine: p50 ≤ 30 ms on the seed, ≤ 100 ms at 5,000 clauses.
Latency is what `elapsed_ms` reports: model loading and index opening excluded (one warm-up ask).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.goldset import load_gold  # noqa: E402
from bot.service import StudyBot  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.testing import indexed_bot  # noqa: E402
from eval.synthetic import SEED, make_corpus  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(bot: StudyBot, questions: list[str], rounds: int, cached: bool = False) -> list[float]:
    bot.warm_up()
    times = []
    for _ in range(rounds):
        if not cached:
            bot.encoder.clear()  # each ask embeds its question, as a new question would be
        for q in questions:
            times.append(bot.ask(q).elapsed_ms)
    return times


def report(name: str, times: list[float]) -> None:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    print(
        f"{name}: {len(times)} asks, p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, "
        f"max {times[-1]:.1f} ms; process RSS {rss_mb():.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clauses", type=int, default=5100, help="synthetic corpus size; 0 = the seed only")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--cached",
        action="store_true",
        help="also measure repeated questions (their vectors cached, as the figures before 2026-11)",
    )
    parser.add_argument(
        "--first", type=int, default=0, help="only the first N development questions (to compare with older runs)"
    )
    args = parser.parse_args()
    questions = [q.question for q in load_gold(ROOT / "eval" / "gold" / "dev.jsonl")]
    if args.first > 0:
        questions = questions[: args.first]

    from bot.embed import Embedder

    embedder = Embedder.from_settings(Settings.from_env())
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        corpora = [("seed", lambda d: shutil.copy(SEED, d / SEED.name))]
        if args.clauses > 0:
            corpora.append((f"synthetic {args.clauses} tasks", lambda d: make_corpus(d, clauses=args.clauses)))
        for name, fill in corpora:
            corpus = home / name.split()[0] / "files"
            corpus.mkdir(parents=True)
            fill(corpus)
            bot = indexed_bot(corpus.parent, list(corpus.iterdir()), embedder=embedder)
            report(f"{name} ({len(bot.store.clauses)} clauses), new questions", measure(bot, questions, args.rounds))
            if args.cached:
                report(
                    f"{name} ({len(bot.store.clauses)} clauses), repeated questions",
                    measure(bot, questions, args.rounds, cached=True),
                )


if __name__ == "__main__":
    main()
