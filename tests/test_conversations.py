"""Conversations: kept per officer, restored in order, rated, deleted; nobody reaches another's."""

from __future__ import annotations

import pytest

from bot.conversations import answer_record, error_record
from bot.errors import UnknownConversation
from bot.service import StudyBot
from bot.settings import Settings


@pytest.fixture
def bot():
    bot = StudyBot(Settings.from_env())
    for uid in ("A1", "B1"):
        bot.accounts.add_user(uid, "甲" + uid, "单位", "officer", "password-123")
    yield bot
    bot.close()


def test_turns_come_back_in_order_with_their_records(bot, seed_bot):
    conversations = bot.conversations
    answer = seed_bot.ask("行政执法人员每年要参加多少学时的培训？")
    cid = conversations.start("A1", answer.question)
    conversations.add_turn(cid, "A1", "行政执法人员每年要参加多少学时的培训？", answer_record(answer))
    conversations.add_turn(cid, "A1", "\u00a0", error_record("\u00a0", "问题是空的"))
    turns = conversations.turns(cid, "A1")
    assert [t.question for t in turns] == ["行政执法人员每年要参加多少学时的培训？", "\u00a0"]
    cited = turns[0].record["citations"][0]
    assert cited["label"] == "二（一）2" and "highlight" in cited and "60学时" in cited["quote"]
    assert turns[1].record["error"] == "问题是空的"
    assert conversations.latest("A1") == cid
    [summary] = conversations.list("A1")
    assert summary.title.startswith("行政执法人员每年") and summary.updated_at >= summary.created_at


def test_nobody_reaches_another_officers_conversation(bot):
    conversations = bot.conversations
    cid = conversations.start("A1", "问题")
    turn = conversations.add_turn(cid, "A1", "问题", error_record("问题", "x"))
    assert conversations.list("B1") == [] and conversations.latest("B1") is None
    for call in (
        lambda: conversations.turns(cid, "B1"),
        lambda: conversations.add_turn(cid, "B1", "q", {}),
        lambda: conversations.rate(cid, "B1", turn.id, 1, None),
        lambda: conversations.delete(cid, "B1"),
        lambda: conversations.turns("1", "A1"),
    ):
        with pytest.raises(UnknownConversation):
            call()
    assert conversations.clear("B1") == 0
    assert len(conversations.turns(cid, "A1")) == 1


def test_rating_delete_and_clear(bot):
    conversations = bot.conversations
    first = conversations.start("A1", "一")
    turn = conversations.add_turn(first, "A1", "一", error_record("一", "x"))
    conversations.rate(first, "A1", turn.id, -1, None)
    assert conversations.turns(first, "A1")[0].rating == -1
    second = conversations.start("A1", "二" * 100)
    assert len(conversations.list("A1")[0].title) == 61  # 60 characters and an ellipsis
    conversations.delete(first, "A1")
    assert [c.id for c in conversations.list("A1")] == [second]
    assert conversations.clear("A1") == 1 and conversations.list("A1") == []
