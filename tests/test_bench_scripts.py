"""The benchmark scripts the README quotes still run (a broken one would leave its figures
unverifiable). Only the cheap ones run here; the embedding ones run in their own tests' paths."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_quiz_runs_on_a_small_corpus():
    done = subprocess.run(
        [sys.executable, "eval/bench_quiz.py", "--clauses", "60"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "40-question quiz" in done.stdout and "synthetic" in done.stdout
