"""The page's handlers without a browser: the user from the session cookie on every call,
conversations kept and private, follow-ups, ratings with corrections, roles checked on the server."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest

from bot.errors import UnknownFeedback
from bot.ui.auth import Auth
from bot.ui.tabs import TabContext
from bot.ui.tabs.accounts import AccountCallbacks
from bot.ui.tabs.chat import ChatCallbacks
from bot.ui.tabs.review import ReviewCallbacks
from tests.conftest import add_account


def request(bot, user_id):
    user = bot.accounts.get_user(user_id)
    return SimpleNamespace(cookies={"studybot_session": bot.accounts.create_session(user)})


@pytest.fixture(scope="module")
def chat(seed_bot):
    add_account(seed_bot, "CB-A", "甲", "广州市司法局", "officer", "password-cb-a")
    add_account(seed_bot, "CB-B", "乙", "广州市司法局", "officer", "password-cb-b")
    add_account(seed_bot, "CB-T", "丙", "广州市司法局", "trainer", "password-cb-t")
    return ChatCallbacks(TabContext(seed_bot, Auth(seed_bot), None, None))


def test_ask_keeps_the_conversation_and_reads_follow_ups(chat, seed_bot):
    seed_bot.conversations.clear("CB-A")
    req = request(seed_bot, "CB-A")
    messages, cid, history = chat.ask("行政执法人员每年要参加多少学时的培训？", None, req)
    assert len(messages) == 2 and "二（一）2" in messages[1]["content"]
    assert history["choices"][0][1] == cid  # a new conversation joins the list
    messages, same, history = chat.ask("那要在什么时候前完成？", cid, req)
    assert same == cid and history == cid and "2024年6月" in messages[3]["content"]
    # A reload: a new page (new handlers) restores the same conversation for the same user.
    again = ChatCallbacks(TabContext(seed_bot, Auth(seed_bot), None, None))
    restored, restored_id, _ = again.restore(request(seed_bot, "CB-A"))
    assert restored_id == cid and [m["content"] for m in restored["value"]] == [m["content"] for m in messages]


def test_nobody_sees_another_officers_conversation(chat, seed_bot):
    _, cid, _ = chat.ask("形成专项整治台账要明确哪些内容？", None, request(seed_bot, "CB-A"))
    other = request(seed_bot, "CB-B")
    restored, restored_id, _ = chat.restore(other)
    assert restored_id != cid
    with pytest.warns(UserWarning, match="找不到对话"):
        shown, opened, _ = chat.open(cid, other)
    assert shown == opened == gr.update()  # refused with a warning, nothing shown
    messages, new_id, _ = chat.ask("行政执法人员每年要参加多少学时的培训？", cid, other)
    assert new_id != cid and len(messages) == 2  # asked in a conversation of their own


def test_bad_and_empty_questions_are_not_stored(chat, seed_bot):
    req = request(seed_bot, "CB-A")
    _, cid, _ = chat.ask("行政执法人员每年要参加多少学时的培训？", None, req)
    before = len(seed_bot.conversations.turns(cid, "CB-A"))
    with pytest.warns(UserWarning, match="无法识别的字符"):
        messages, same, _ = chat.ask("问题\ud800", cid, req)
    assert same == cid and len(messages) == 2 * before
    assert len(seed_bot.conversations.turns(cid, "CB-A")) == before
    assert chat.ask("   ", cid, req) == gr.skip()


def test_rating_any_answer_with_a_correction(chat, seed_bot):
    req = request(seed_bot, "CB-A")
    _, cid, _ = chat.ask("行政执法人员每年要参加多少学时的培训？", None, req)
    chat.ask("形成专项整治台账要明确哪些内容？", cid, req)
    box, prompt, feedback_id, _ = chat.rate(cid, SimpleNamespace(index=1, liked=False), req)  # the first answer
    assert box["visible"] and "第 1 条回答" in prompt
    chat.correct("应写明学时按45分钟计算", feedback_id, req)
    stored = seed_bot.feedback.get(feedback_id)
    assert stored.rating == -1 and stored.correction == "应写明学时按45分钟计算" and "学时" in stored.question
    assert seed_bot.conversations.turns(cid, "CB-A")[0].rating == -1
    chat.rate(cid, SimpleNamespace(index=1, liked=""), req)  # taken back
    assert seed_bot.conversations.turns(cid, "CB-A")[0].rating is None
    with pytest.raises(UnknownFeedback):  # another officer's rating
        seed_bot.feedback.set_correction(feedback_id, "CB-B", "不是我的")


def test_signed_out_and_officers_are_refused_on_the_server(chat, seed_bot):
    gone = SimpleNamespace(cookies={"studybot_session": "expired"})
    with pytest.raises(gr.Error, match="重新登录"):
        chat.ask("问题", None, gone)
    ctx = TabContext(seed_bot, Auth(seed_bot), None, None)
    officer = request(seed_bot, "CB-A")
    with pytest.raises(gr.Error, match="只有培训管理员"):
        ReviewCallbacks(ctx).list(officer)
    with pytest.raises(gr.Error, match="只有培训管理员"):
        AccountCallbacks(ctx).disable("CB-B", "", officer)
    assert not seed_bot.accounts.get_user("CB-B").disabled


def test_trainer_manages_own_unit_from_the_page(chat, seed_bot):
    ctx = TabContext(seed_bot, Auth(seed_bot), None, None)
    accounts = AccountCallbacks(ctx)
    trainer = request(seed_bot, "CB-T")
    add_account(seed_bot, "CB-FS", "丁", "佛山市司法局", "officer", "password-cb-fs")
    rows, message = accounts.add("CB-NEW", "新人", "广州市司法局", "officer", "initial-pass-9", "", trainer)
    assert "已添加账号 CB-NEW" in message and any(r[0] == "CB-NEW" for r in rows)
    rows, message = accounts.disable("CB-FS", "", trainer)
    assert "只能管理本单位" in message and not seed_bot.accounts.get_user("CB-FS").disabled
    rows, message = accounts.add("CB-X", "外人", "佛山市司法局", "officer", "initial-pass-9", "", trainer)
    assert "只能管理本单位" in message
    rows, message = accounts.add("CB-Y", "坏\ud800", "广州市司法局", "officer", "initial-pass-9", "", trainer)
    assert "无法识别的字符" in message


def test_trainer_imports_a_sheet_of_their_unit_and_it_is_not_kept(chat, seed_bot, tmp_path):
    accounts = AccountCallbacks(TabContext(seed_bot, Auth(seed_bot), None, None))
    trainer = request(seed_bot, "CB-T")
    sheet = tmp_path / "账号.csv"
    sheet.write_text(
        "执法证号,姓名,单位,角色,密码\nCB-IMP1,甲一,广州市司法局,执法人员,password-imp-1\n", encoding="utf-8-sig"
    )
    rows, message, cleared = accounts.import_file(str(sheet), "", trainer)
    assert "已导入 1 个账号" in message and cleared is None and not sheet.exists()
    assert seed_bot.accounts.get_user("CB-IMP1").must_change_password
    other = tmp_path / "other.csv"
    other.write_text("id,name,unit,role,password\nCB-IMP2,乙二,佛山市司法局,officer,password-imp-2\n", encoding="utf-8")
    rows, message, _ = accounts.import_file(str(other), "", trainer)
    assert "不是您的单位" in message and "本次没有导入任何账号" in message
