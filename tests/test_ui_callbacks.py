"""The page's callbacks without a browser: follow-ups, sessions and roles checked on the server."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from bot.accounts import User
from bot.ui.callbacks import Callbacks, fresh_conversation


class FakeBot:
    def __init__(self, user):
        self.asked = []
        self.accounts = SimpleNamespace(session_user=lambda token: user if token == "good" else None)
        self.touched = []
        self.ledger = SimpleNamespace(touch=lambda officer_id, kind: self.touched.append((officer_id, kind)))

    def ask(self, question, previous=None):
        self.asked.append((question, previous))
        cite = SimpleNamespace(label="二（一）2", title="加强业务学习培训", doc_title="计划", clause_id="c",
                               quote="60学时", text="全文", to_json=lambda: {"label": "二（一）2"})
        return SimpleNamespace(question=question, answer="答", citations=[cite], refused=False,
                               mode="extractive", notices=[])


def ask(cb, text, conversation):
    _, _, conversation, pending, _ = cb.send(text, conversation, "good")
    _, conversation, _, _ = cb.answer(pending, conversation, "good")
    return conversation


def test_follow_up_passes_the_previous_question():
    bot = FakeBot(User("A", "甲", "单位", "officer"))
    cb = Callbacks(bot)
    conversation = ask(cb, "每年多少学时？", fresh_conversation())
    conversation = ask(cb, "那要在什么时候前完成？", conversation)
    assert bot.asked == [("每年多少学时？", None), ("那要在什么时候前完成？", "每年多少学时？")]
    assert bot.touched == [("A", "question"), ("A", "question")]  # study time from server events
    assert len(conversation["messages"]) == 4 and conversation["last"]["citations"] == [{"label": "二（一）2"}]


def test_expired_session_and_officer_are_refused_on_the_server():
    cb = Callbacks(FakeBot(User("A", "甲", "单位", "officer")))
    with pytest.raises(gr.Error, match="重新登录"):
        cb.send("问题", fresh_conversation(), "expired")
    with pytest.raises(gr.Error, match="只有培训管理员"):
        cb.review_list("good")
    with pytest.raises(gr.Error, match="只有培训管理员"):
        cb.review_mark(1, "", "good")


def test_repeated_wrong_passwords_show_the_lock_message(make_settings):
    from bot.service import StudyBot

    bot = StudyBot(make_settings())
    bot.accounts.add_user("GD100", "甲", "单位", "officer", "right-password")
    cb = Callbacks(bot)
    messages = [cb.login("GD100", "wrong-password")[5] for _ in range(5)]
    assert "账号或密码错误" in messages[0]
    assert "已暂时锁定" in messages[-1]
    assert "已暂时锁定" in cb.login("GD100", "right-password")[5]  # even the right one waits
    assert cb.login("", "")[5].endswith("请输入执法证号（或工号）和密码。")
