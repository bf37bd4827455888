"""Event handlers: thin functions from page inputs to page outputs; per-user state comes in and out."""

from __future__ import annotations

import gradio as gr

from ..errors import BadFeedback, LoginRefused, StudyBotError, UnknownClause, UnknownFeedback
from . import render
from .auth import Auth

PANEL_HINT = "点开回答中的引用（如 [1]），这里会显示该条款的全文及其前后条款。"
SEND, BUSY = "发送", "回答中…"
EMPTY_QUESTION = "请先输入问题，例如：行政执法人员每年要参加多少学时的培训？"
NOTHING_TO_RATE = "还没有可评价的回答，请先提问。"


def fresh_conversation() -> dict:
    """What a new conversation starts from; a new dict each time, never shared between users."""
    return {"messages": [], "previous": None, "citations": [], "last": None}


class Callbacks:
    def __init__(self, bot):
        self.bot = bot
        self.auth = Auth(bot)

    # --- sign-in ---

    def login(self, user_id: str, password: str):
        """-> token, login box, app box, who-am-I line, review tab, login message, password box,
        then a fresh conversation, chatbot, panel and review table (the page may be shared)."""
        try:
            user, token = self.auth.sign_in(user_id, password)
        except LoginRefused as exc:
            return (None, gr.update(), gr.update(), gr.update(), gr.update(),
                    f"**登录失败：** {render.plain(str(exc))}", "") + (gr.update(),) * 4
        who = f"当前用户：**{render.plain(user.name)}**（{render.plain(user.unit)}，" \
              f"{'培训管理员' if user.is_trainer else '执法人员'}）"
        return (token, gr.update(visible=False), gr.update(visible=True), who,
                gr.update(visible=user.is_trainer), "", "", fresh_conversation(), [], PANEL_HINT, [])

    def logout(self, token: str | None):
        """-> token, conversation, chatbot, login box, app box, review tab, login message, panel,
        review table."""
        self.auth.sign_out(token)
        return (None, fresh_conversation(), [], gr.update(visible=True), gr.update(visible=False),
                gr.update(visible=False), "已退出登录。", PANEL_HINT, [])

    def after_failure(self, token: str | None):
        """Run after any failed event: if the session has gone, show the sign-in form again."""
        if self.auth.current(token) is not None:
            return gr.update(), gr.update(), gr.update(), gr.update(), gr.update()
        return (None, gr.update(visible=True), gr.update(visible=False), gr.update(visible=False),
                "**" + "登录已过期，请重新登录。" + "**")

    # --- asking ---

    def send(self, message: str, conversation: dict, token: str | None):
        """-> question box, chatbot, conversation, pending question, send button."""
        self.auth.require(token)
        message = message or ""
        if not message.strip():
            gr.Warning(EMPTY_QUESTION, title="问题为空")
            return gr.update(), gr.update(), conversation, None, gr.update()
        messages = conversation["messages"] + [{"role": "user", "content": render.question_markdown(message)}]
        conversation = {**conversation, "messages": messages}
        return "", messages, conversation, message, gr.update(value=BUSY, interactive=False)

    def answer(self, pending: str | None, conversation: dict, token: str | None):
        """-> chatbot, conversation, pending question, feedback message."""
        if pending is None:
            return gr.update(), conversation, None, gr.update()
        user = self.auth.require(token)
        # Study time is measured from events the server handles, never from what the page says.
        self.bot.ledger.touch(user.id, "question")
        try:
            answer = self.bot.ask(pending, previous=conversation["previous"])
        except StudyBotError as exc:  # e.g. a question with nothing to search for
            reply = f"⚠️ {render.plain(str(exc))}"
            messages = conversation["messages"] + [{"role": "assistant", "content": reply}]
            return messages, {**conversation, "messages": messages}, None, ""
        messages = conversation["messages"] + [{"role": "assistant", "content": render.answer_markdown(answer)}]
        shown = [{"label": c.label, "title": c.title, "doc_title": c.doc_title, "clause_id": c.clause_id}
                 for c in answer.citations]
        last = {"question": answer.question, "answer": answer.answer, "mode": answer.mode,
                "citations": [c.to_json() for c in answer.citations]}
        conversation = {"messages": messages, "previous": answer.question,
                        "citations": conversation["citations"] + shown, "last": last}
        return messages, conversation, None, ""

    def ready(self):
        return gr.update(value=SEND, interactive=True)

    def clear(self):
        """-> chatbot, conversation, pending, panel, feedback message, correction."""
        return [], fresh_conversation(), None, PANEL_HINT, "", ""

    def show_clause(self, picked: str, conversation: dict, token: str | None) -> str:
        """The opened citation's clause with the clauses around it, for the side panel."""
        user = self.auth.require(token)
        cited = render.match_citation(picked or "", conversation["citations"])
        if cited is None:
            return gr.update()
        self.bot.ledger.touch(user.id, "citation")
        try:
            clause = self.bot.clause(cited["clause_id"])
        except UnknownClause:
            return "这条引用的条款已不在当前索引中（文本可能已更新），请重新提问。"
        around = self.bot.store.neighbours(clause, around=1)
        return render.context_markdown(self.bot.document(clause.doc_id), around, clause.clause_id)

    # --- feedback ---

    def rate_up(self, correction: str, conversation: dict, token: str | None):
        return self._rate(1, correction, conversation, token)

    def rate_down(self, correction: str, conversation: dict, token: str | None):
        return self._rate(-1, correction, conversation, token)

    def _rate(self, rating: int, correction: str, conversation: dict, token: str | None):
        """-> feedback message, correction box."""
        user = self.auth.require(token)
        last = conversation.get("last")
        if last is None:
            gr.Warning(NOTHING_TO_RATE, title="无法评价")
            return NOTHING_TO_RATE, gr.update()
        try:
            self.bot.feedback.record(user.id, last["question"], last["answer"], last["citations"],
                                     rating, correction, last["mode"])
        except BadFeedback as exc:
            raise gr.Error(str(exc), title="反馈未保存", print_exception=False) from None
        said = "👍 有帮助" if rating == 1 else "👎 没帮助"
        extra = "，纠正意见已一并提交" if (correction or "").strip() else ""
        return f"已记录您对上一条回答的评价（{said}{extra}），谢谢！", ""

    # --- trainers ---

    def review_list(self, token: str | None):
        """-> flagged feedback table."""
        self.auth.require_trainer(token)
        return render.review_rows(self.bot.feedback.list(flagged_only=True))

    def review_mark(self, feedback_id, note: str, token: str | None):
        """-> flagged feedback table, review message."""
        user = self.auth.require_trainer(token)
        if feedback_id in (None, ""):
            raise gr.Error("请先填写要标记的反馈编号（见表格第一列）。", title="缺少编号", print_exception=False)
        try:
            self.bot.feedback.mark_reviewed(int(feedback_id), note, reviewer_id=user.id)
        except (UnknownFeedback, ValueError) as exc:
            message = str(exc) if isinstance(exc, UnknownFeedback) else f"反馈编号 {feedback_id!r} 无效"
            raise gr.Error(message, title="无法标记", print_exception=False) from None
        rows = render.review_rows(self.bot.feedback.list(flagged_only=True))
        return rows, f"反馈 {int(feedback_id)} 已标记为已审阅。"
