"""Feedback on answers: recorded with citations, listed for trainers, marked reviewed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.accounts import AccountService, ScryptParams
from bot.db import open_database
from bot.errors import BadFeedback, UnknownFeedback, UnknownUser
from bot.feedback import MAX_CORRECTION, FeedbackService
from bot.settings import Settings

CITATIONS = [
    {
        "clause_id": "gd-plan-2023-2025:p2.s1",
        "label": "二（一）",
        "title": "加强业务学习培训",
        "score": 0.83,
        "sentences": ["每年参加不少于 60 学时的公共法律知识、业务知识和法律实务培训。"],
    },
    {"clause_id": "gd-plan-2023-2025:p3", "label": "三", "title": "保障措施", "score": 0.41},
]


@pytest.fixture
def settings(tmp_path):
    return Settings.from_env(environ={"STUDYBOT_DATA_DIR": str(tmp_path)})


@pytest.fixture
def db(settings):
    with open_database(settings) as database:
        accounts = AccountService(database, settings, scrypt=ScryptParams(n=2**8))
        accounts.add_user("GD001", "张三", "广州市城管局", "officer", "password-1")
        accounts.add_user("T1", "李老师", "省司法厅", "trainer", "password-2")
        yield database


@pytest.fixture
def clock():
    moments = iter(datetime(2025, 3, 1, tzinfo=UTC) + timedelta(minutes=i) for i in range(1000))
    return lambda: next(moments)


@pytest.fixture
def service(db, clock):
    return FeedbackService(db, now=clock)


def record(service, rating=1, correction=None, question="执法人员每年要参加多少学时培训？"):
    return service.record("GD001", question, "不少于 60 学时。", CITATIONS, rating, correction, "extractive")


def test_round_trip_keeps_citations(service, db):
    fid = record(service, rating=-1, correction="  应为每年不少于 60 学时。 ")
    item = service.get(fid)
    assert item.citations == CITATIONS
    assert (item.user_id, item.rating, item.mode) == ("GD001", -1, "extractive")
    assert item.correction == "应为每年不少于 60 学时。"
    assert item.created_at == datetime(2025, 3, 1, tzinfo=UTC)
    assert item.flagged and not item.reviewed and item.review_note is None
    with db.read() as conn:
        raw = conn.execute(text("SELECT citations FROM feedback")).scalar()
    assert "加强业务学习培训" in raw  # readable JSON, not \\u escapes


def test_long_correction_is_trimmed_and_blank_one_dropped(service):
    long = service.get(record(service, correction="改" * (MAX_CORRECTION + 50)))
    assert len(long.correction) == MAX_CORRECTION
    assert service.get(record(service, correction="   ")).correction is None


@pytest.mark.parametrize("rating", [0, 2, -2, True, "1", None])
def test_rating_must_be_one_or_minus_one(service, rating):
    with pytest.raises(BadFeedback, match="只能是 1"):
        record(service, rating=rating)


@pytest.mark.parametrize("citations", [["not a dict"], {"a": 1}, [{"when": datetime.now()}]])
def test_bad_citations_are_refused(service, citations):
    with pytest.raises(BadFeedback, match="引用"):
        service.record("GD001", "问题", "回答", citations, 1, None, "llm")


def test_empty_question_and_mode_are_refused(service):
    with pytest.raises(BadFeedback, match="问题为空"):
        record(service, question="  ")
    with pytest.raises(BadFeedback, match="回答方式"):
        service.record("GD001", "问题", "回答", [], 1, None, "")


def test_unknown_user_is_refused(service):
    with pytest.raises(UnknownUser, match="NOBODY"):
        service.record("NOBODY", "问题", "回答", [], 1, None, "llm")


def test_list_filters_and_orders_newest_first(service):
    liked = record(service, rating=1)
    disliked = record(service, rating=-1)
    corrected = record(service, rating=1, correction="补充：还应包括法律实务培训")
    assert [f.id for f in service.list()] == [corrected, disliked, liked]
    assert [f.id for f in service.list(flagged_only=True)] == [corrected, disliked]
    assert [f.id for f in service.list(limit=1)] == [corrected]
    assert [f.id for f in service.list(limit=2, offset=1)] == [disliked, liked]

    service.mark_reviewed(disliked, "已核对条款原文")
    assert [f.id for f in service.list(flagged_only=True, reviewed=False)] == [corrected]
    assert [f.id for f in service.list(reviewed=True)] == [disliked]
    with pytest.raises(BadFeedback):
        service.list(limit=0)


def test_mark_reviewed_keeps_note_reviewer_and_time(service):
    fid = record(service, rating=-1)
    item = service.mark_reviewed(fid, " 已在语料中更正 ", reviewer_id="T1")
    assert item.reviewed and item.review_note == "已在语料中更正"
    assert item.reviewed_by == "T1" and item.reviewed_at > item.created_at
    with pytest.raises(UnknownUser):
        service.mark_reviewed(fid, "x", reviewer_id="NOBODY")


def test_unknown_feedback_id(service):
    with pytest.raises(UnknownFeedback, match="找不到编号为 999 的反馈"):
        service.get(999)
    with pytest.raises(UnknownFeedback, match="999"):
        service.mark_reviewed(999, "备注")
