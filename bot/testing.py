"""Building an indexed StudyBot over some files in a folder of its own: for tests, benchmarks and
evaluation scripts, so they all build it the same way (and never touch the real data home)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from .service import StudyBot
from .settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "gd-plan-2023-2025.web-capture.txt"


def home_settings(home: Path, **changes) -> Settings:
    """Settings whose corpus, index and data all live under `home`, whatever the environment says
    about those (other settings, such as the model cache, still come from the environment)."""
    home = Path(home)
    return Settings.from_env(
        environ={
            **os.environ,
            "STUDYBOT_DB_URL": "",
            "STUDYBOT_HOME": str(home),
            "STUDYBOT_CORPUS_DIR": str(home / "corpus"),
            "STUDYBOT_INDEX_DIR": str(home / "index"),
            "STUDYBOT_DATA_DIR": str(home / "data"),
        },
        **changes,
    )


def indexed_bot(
    home: Path, files: list[Path] | None = None, embedder=None, chat_model=None, progress: bool = False, **changes
) -> StudyBot:
    """A StudyBot whose corpus holds copies of `files` (default: the seed), indexed."""
    settings = home_settings(home, **changes)
    settings.corpus_dir.mkdir(parents=True, exist_ok=True)
    for f in files if files is not None else [SEED]:
        shutil.copy(f, settings.corpus_dir / Path(f).name)
    bot = StudyBot(settings, embedder=embedder, chat_model=chat_model)
    bot.index(progress=progress)
    return bot
