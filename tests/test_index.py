"""Index build on the real embedding model and a real Chroma store: incremental, safe, complete."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from bot.errors import EmptyCorpus, IndexNotBuilt, StudyBotError
from bot.index import build_index
from bot.store import IndexStore
from tests.conftest import ROOT


def wait_for(condition, timeout: float = 120.0) -> bool:
    """Poll for something another process makes happen (a file appearing), up to a generous limit."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


LAW = "广东省示例办法\n第一条 为了规范行政执法证件管理，制定本办法。\n第二条 行政执法人员应当持证上岗。\n未取得行政执法证件的，不得从事执法。\n"


def make_bot(make_settings, embedder, corpus):
    from bot.service import StudyBot

    bot = StudyBot(make_settings(corpus_dir=corpus), embedder=embedder)
    return bot


def test_seed_index_lists_clauses(seed_bot):
    docs = seed_bot.documents()
    assert len(docs) == 1
    doc = docs[0]
    assert doc["doc_id"] == "gd-plan-2023-2025"
    assert doc["doc_number"] == "粤府办〔2023〕21号"
    assert doc["clause_count"] == 23
    labels = [c.label for c in seed_bot.clauses()]
    assert labels[4:20] == [f"二（{'一一一二二二三三三四四四五五六六'[i]}）{i + 1}" for i in range(16)]
    store = seed_bot.store
    assert store.vectors.count() == len(store.sentence_rows) == sum(len(c.sentences) for c in store.clauses)


def test_sentence_vectors_find_their_clause(seed_bot):
    store = seed_bot.store
    q = seed_bot.embedder.encode_queries(["每人每年接受多少学时的培训"])[0]
    hits = store.vectors.query(q, k=3)
    assert hits[0][0].startswith(store.find_clause("二（一）2").clause_id + "#")
    scores = store.bm25_sentences.scores("登记卡制度")
    ci, _ = store.sentence_rows[int(scores.argmax())]
    assert store.clauses[ci].label == "二（一）2"


def test_clause_ids_stable_across_rebuilds(make_settings, embedder, seed_corpus):
    bot = make_bot(make_settings, embedder, seed_corpus)
    bot.index(progress=False)
    first = [c.clause_id for c in bot.clauses()]
    bot.index(rebuild=True, progress=False)
    assert [c.clause_id for c in bot.clauses()] == first
    assert bot.clause("二（一）2").clause_id.startswith("gd-plan-2023-2025:p2.s1.i2:")


def test_incremental_reembeds_only_changed_and_drops_deleted(make_settings, embedder, seed_corpus):
    (seed_corpus / "law.txt").write_text(LAW, encoding="utf-8")
    bot = make_bot(make_settings, embedder, seed_corpus)
    first = bot.index(progress=False)
    assert sorted(first.parsed) == ["gd-plan-2023-2025", "law"]

    again = bot.index(progress=False)
    assert again.unchanged and again.embedded == 0

    (seed_corpus / "law.txt").write_text(LAW + "第三条 本办法自发布之日起施行。\n", encoding="utf-8")
    changed = bot.index(progress=False)
    assert changed.parsed == ["law"] and changed.reused == ["gd-plan-2023-2025"]
    assert changed.embedded == 4  # the law's sentences only
    assert [c.label for c in bot.clauses("law")] == ["第一条", "第二条", "第三条"]

    (seed_corpus / "law.txt").unlink()
    removed = bot.index(progress=False)
    assert removed.removed == ["law"] and removed.embedded == 0
    assert [d["doc_id"] for d in bot.documents()] == ["gd-plan-2023-2025"]
    store = bot.store
    assert store.vectors.count() == len(store.sentence_rows)
    assert not any(c.doc_id == "law" for c in store.clauses)


def test_bad_files_are_named_and_others_index(make_settings, embedder, seed_corpus):
    (seed_corpus / "empty.txt").write_bytes(b"")
    (seed_corpus / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    (seed_corpus / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    bot = make_bot(make_settings, embedder, seed_corpus)
    report = bot.index(progress=False)
    assert [d["doc_id"] for d in bot.documents()] == ["gd-plan-2023-2025"]
    assert len(report.errors) == 3
    text = "\n".join(report.errors)
    for name in ("empty.txt", "broken.docx", "image.txt"):
        assert name in text


def test_broken_update_keeps_last_good_version(make_settings, embedder, seed_corpus):
    (seed_corpus / "law.txt").write_text(LAW, encoding="utf-8")
    bot = make_bot(make_settings, embedder, seed_corpus)
    bot.index(progress=False)
    (seed_corpus / "law.txt").write_bytes(b"\x00\x01\x02" * 100)
    report = bot.index(progress=False)
    assert "保留上一次成功索引的版本" in report.errors[0]
    assert [c.label for c in bot.clauses("law")] == ["第一条", "第二条"]


def test_empty_corpus_and_missing_index(make_settings, embedder, tmp_path):
    empty = tmp_path / "nothing"
    empty.mkdir()
    bot = make_bot(make_settings, embedder, empty)
    with pytest.raises(EmptyCorpus, match="没有可索引的文件"):
        bot.index(progress=False)
    with pytest.raises(IndexNotBuilt, match="studybot index"):
        bot.documents()
    with pytest.raises(EmptyCorpus, match="不存在"):
        make_bot(make_settings, embedder, tmp_path / "missing").index(progress=False)


def test_failed_build_leaves_previous_index(make_settings, embedder, seed_corpus):
    bot = make_bot(make_settings, embedder, seed_corpus)
    bot.index(progress=False)
    before = bot.store.generation

    class Exploding:
        model_id, dim = embedder.model_id, embedder.dim

        def encode_passages(self, texts):
            raise RuntimeError("disk full")

    (seed_corpus / "law.txt").write_text(LAW, encoding="utf-8")
    with pytest.raises(RuntimeError):
        build_index(bot.settings, lambda: Exploding(), progress=False)
    store = IndexStore.open(bot.settings)
    assert store.generation == before
    assert len(store.documents) == 1
    assert [p.name for p in bot.settings.index_dir.glob("g-*")] == [before.name]


def test_killed_build_leaves_previous_index(make_settings, embedder, seed_corpus, tmp_path):
    """A build killed with SIGKILL in the middle: the old generation still serves, the next build cleans up."""
    bot = make_bot(make_settings, embedder, seed_corpus)
    bot.index(progress=False)
    before = bot.store.generation
    from eval.synthetic import make_corpus

    make_corpus(seed_corpus, clauses=400, per_doc=200)
    env = dict(os.environ, STUDYBOT_CORPUS_DIR=str(seed_corpus), STUDYBOT_INDEX_DIR=str(bot.settings.index_dir))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "index"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    # Wait until the new generation's vector store exists (embedding is under way), then kill it.
    started = wait_for(
        lambda: (
            any(g != before and (g / "chroma" / "chroma.sqlite3").exists() for g in bot.settings.index_dir.glob("g-*"))
            or proc.poll() is not None
        )
    )
    assert started and proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    store = IndexStore.open(bot.settings)
    assert store.generation == before
    assert [d for d in store.documents] == ["gd-plan-2023-2025"]
    q = embedder.encode_queries(["学时"])[0]
    assert store.vectors.query(q, k=1)

    for extra in seed_corpus.glob("synthetic-*.txt"):
        extra.unlink()
    bot.index(rebuild=True, progress=False)
    assert len(list(bot.settings.index_dir.glob("g-*"))) <= 2
    assert all((g / "manifest.json").exists() for g in bot.settings.index_dir.glob("g-*"))


def test_concurrent_build_refused(make_settings, embedder, seed_corpus):
    from filelock import FileLock

    settings = make_settings(corpus_dir=seed_corpus)
    settings.index_dir.mkdir(parents=True)
    another_build = FileLock(settings.index_dir / ".build.lock")
    with another_build, pytest.raises(StudyBotError, match="另一个索引任务"):
        build_index(settings, lambda: embedder, progress=False)
    assert build_index(settings, lambda: embedder, progress=False).documents == 1


def test_manifest_records_model_and_counts(seed_bot):
    manifest = json.loads((seed_bot.store.generation / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model_id"] == seed_bot.embedder.model_id
    assert manifest["clause_count"] == 23
    assert manifest["sentence_count"] == len(seed_bot.store.sentence_rows)


def test_current_name_notices_every_switch(tmp_path):
    """`current_name` reads CURRENT again only when it was replaced, and then always does."""
    from bot.generations import current_name, new_generation, write_current

    assert current_name(tmp_path) is None
    names = []
    for _ in range(3):
        gen = new_generation(tmp_path)
        write_current(tmp_path, gen)
        names.append(current_name(tmp_path))
        assert names[-1] == gen.name and current_name(tmp_path) == gen.name
    assert len(set(names)) == 3
    (tmp_path / "CURRENT").unlink()
    assert current_name(tmp_path) is None


def test_tokenize_hands_out_copies():
    """Question tokens are cached (one jieba run per text); a caller changing its list changes
    nobody else's."""
    from bot.keywords import tokenize

    first = tokenize("行政执法人员每年培训学时")
    first.append("改动")
    assert "改动" not in tokenize("行政执法人员每年培训学时") and tokenize("行政执法人员每年培训学时")


def test_build_memo_cuts_like_plain_tokenize(seed_bot):
    """A build cuts each run of text once; the tokens must be what tokenize gives text by text."""
    from bot.keywords import tokenize

    store = seed_bot.store
    texts = [s for c in store.clauses for s in c.sentences] + [c.keyword_text() for c in store.clauses]
    texts += ["“双随机、一公开”监管ABC-12 执法证件。", "", "，。"]
    memo: dict[str, list[str]] = {}
    assert [tokenize(t, memo) for t in texts] == [tokenize(t) for t in texts]
    # The texts' words the refusal model reads are the clause BM25's vocabulary.
    words = set().union(*(store.clause_tokens(c.clause_id) for c in store.clauses))
    assert words == store.bm25_clauses.vocabulary - {"", "∅"}


def test_sentence_vectors_read_in_pages_match_chroma(seed_bot, monkeypatch):
    import numpy as np

    import bot.store

    store = seed_bot.store
    got = store.vectors.collection.get(include=["embeddings"])
    monkeypatch.setattr(bot.store, "VECTOR_PAGE", 7)  # several pages even on the seed
    matrix = store._read_sentence_vectors()
    for id_, vec in zip(got["ids"], got["embeddings"]):
        assert np.array_equal(matrix[store.sentence_row_of[id_]], np.asarray(vec, dtype=np.float32))
