"""问答: the chat. Conversations live in the database (bot/conversations.py): the page keeps only
the open conversation's number, so a reload, another tab or another day shows the same thing.

Asking is one server event: the page shows the question at once (in the browser), the server
returns the conversation with its answer. Every answer carries 👍/👎 (the chat's own feedback
buttons); a rating opens a box for an optional correction. Citations open in place, under the
answer (phones included).
"""

from __future__ import annotations

import json

import gradio as gr

from ...conversations import answer_record, error_record
from ...errors import BadFeedback, BadText, StudyBotError, UnknownConversation
from ..auth import checked, notice
from ..render import RATINGS, clause_context, conversation_label, rating_label, turn_messages

EXAMPLES = (
    "行政执法人员每年要参加多少学时的培训？",
    "加强业务学习培训要建立健全什么样的培训机制？",
    "形成专项整治台账要明确哪些内容？",
    "行政执法人员资格管理除了持证上岗，还要建立健全哪些制度？",
)
EMPTY_QUESTION = "请先输入问题，例如：行政执法人员每年要参加多少学时的培训？"
# Run in the browser when a question is sent: the question shows at once (escaped as the server
# would), the box empties, and the text goes on to the server in a hidden box. An empty box asks
# for a question in place, with no round trip (a double click lands here too).
SUBMIT_JS = """(text, chat) => {
  text = text || "";
  const box = document.querySelector("#question textarea");
  if (!text.trim()) {
    if (box) { box.placeholder = %s; box.focus(); }
    return ["", "", chat];
  }
  const esc = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
                  .replace(/"/g, "&quot;").replace(/'/g, "&#x27;").replace(/\\n/g, "<br>");
  const shown = (chat || []).concat([{role: "user", metadata: null, options: null,
    content: [{type: "text", text: '<div class="question">' + esc + "</div>"}]}]);
  return [text, "", shown];
}""" % json.dumps(EMPTY_QUESTION, ensure_ascii=False)
NOT_AN_ANSWER = "这条消息是提示而不是回答，无需评价。"

# Citations open in the browser (their clause in context comes with the answer); opening one is a
# study event the server must see, so the page presses a hidden button, at most every 20 s.
CITATION_SCRIPT = """<script>(function () {
  var last = 0;
  document.addEventListener("toggle", function (e) {
    var el = e.target;
    if (!el.open || !el.matches || !el.matches("#chatbot details.citation")) return;
    if (Date.now() - last < 20000) return;
    var button = document.getElementById("citation-opened");
    if (button) { last = Date.now(); button.click(); }
  }, true);
})();</script><style>#citation-opened, #chat-look { display: none !important; }</style>"""


class ChatCallbacks:
    """Thin handlers: inputs and the session's user in, page updates out."""

    def __init__(self, ctx):
        self.bot, self.auth = ctx.bot, ctx.auth

    # --- rendering from the database ---

    def context(self, clause_id: str) -> dict | None:
        """The cited clause with its neighbours from the current index, or None if it is gone."""
        return clause_context(self.bot.store, clause_id)

    def messages(self, turns) -> list[dict]:
        out = []
        for t in turns:
            out += turn_messages(t.question, t.record, self.context)
        return out

    def chat(self, turns):
        """The chat with each answer's rating shown (for opening a conversation, or asking in
        one where answers are rated)."""
        return gr.update(value=self.messages(turns), feedback_value=[RATINGS.get(t.rating) for t in turns])

    def history(self, user, selected: int | None):
        choices = [(conversation_label(c), c.id) for c in self.bot.conversations.list(user.id)]
        return gr.update(choices=choices, value=selected)

    def _turns(self, user, conversation_id):
        if conversation_id is None:
            return []
        try:
            return self.bot.conversations.turns(conversation_id, user.id)
        except UnknownConversation:  # deleted in another tab
            return []

    # --- events ---

    def restore(self, request: gr.Request):
        """On opening the page: the latest conversation. -> chatbot, conversation, history."""
        user = self.auth.require(request)
        cid = self.bot.conversations.latest(user.id)
        return self.chat(self._turns(user, cid)), cid, self.history(user, cid)

    def ask(self, question, conversation_id, request: gr.Request):
        """-> chatbot, conversation, history. The page has already shown the question (SUBMIT_JS);
        this returns the conversation as stored, the answer last."""
        user = self.auth.require(request)
        try:
            text = checked(question, "问题")
        except BadText as exc:  # shown as typed by the page; not stored, not sent back
            gr.Warning(notice(str(exc), "无法识别的字符"))
            return self.messages(self._turns(user, conversation_id)), conversation_id, conversation_id
        if not text.strip():  # the page already asked for a question in the box itself
            return gr.skip()
        conversations = self.bot.conversations
        # Study time is measured from what the server handles, never from what the page says.
        self.bot.ledger.touch(user.id, "question")
        turns = self._turns(user, conversation_id)
        if not turns:
            conversation_id = None
        previous = next((t.record["question"] for t in reversed(turns) if "error" not in t.record), None)
        try:
            record = answer_record(self.bot.ask(text, previous=previous))
        except StudyBotError as exc:  # e.g. nothing to search for in the question
            record = error_record(text, str(exc))
        started = conversation_id is None
        if started:
            conversation_id = conversations.start(user.id, text)
        turns.append(conversations.add_turn(conversation_id, user.id, text, record))
        # A plain message list where no answer is rated: a gr.update(...) costs Gradio a new
        # component and its JSON schema, on the event loop, for every answer (found with py-spy
        # under load); the ratings shown must be sent along where there are any.
        history = self.history(user, conversation_id) if started else conversation_id
        chat = self.chat(turns) if any(t.rating for t in turns) else self.messages(turns)
        return chat, conversation_id, history

    def ask_example(self, conversation_id, data: gr.SelectData, request: gr.Request):
        value = data.value
        text = value.get("text", "") if isinstance(value, dict) else str(value or "")
        return self.ask(text, conversation_id, request)

    def open(self, conversation_id, request: gr.Request):
        """A conversation picked from the history. -> chatbot, conversation, correction box."""
        user = self.auth.require(request)
        if conversation_id in (None, ""):
            return gr.update(), gr.update(), gr.update()
        try:
            turns = self.bot.conversations.turns(int(conversation_id), user.id)
        except (UnknownConversation, ValueError, TypeError):
            gr.Warning(notice(str(UnknownConversation(conversation_id)), "无法打开"))
            return gr.update(), gr.update(), gr.update()
        return self.chat(turns), int(conversation_id), gr.update(visible=False)

    def new(self, request: gr.Request):
        """-> chatbot, conversation, history, correction box."""
        self.auth.require(request)
        return gr.update(value=[], feedback_value=[]), None, gr.update(value=None), gr.update(visible=False)

    def delete(self, conversation_id, request: gr.Request):
        """The open conversation deleted. -> chatbot, conversation, history, correction box."""
        user = self.auth.require(request)
        if conversation_id is not None:
            try:
                self.bot.conversations.delete(conversation_id, user.id)
            except UnknownConversation:
                pass
        return gr.update(value=[], feedback_value=[]), None, self.history(user, None), gr.update(visible=False)

    def clear_all(self, request: gr.Request):
        """Every conversation of this officer deleted.
        -> chatbot, conversation, history, correction box, confirm row."""
        user = self.auth.require(request)
        count = self.bot.conversations.clear(user.id)
        gr.Info(notice(f"已清空全部历史对话（{count} 个）。", "已清空"))
        return (
            gr.update(value=[], feedback_value=[]),
            None,
            self.history(user, None),
            gr.update(visible=False),
            gr.update(visible=False),
        )

    def rate(self, conversation_id, data: gr.LikeData, request: gr.Request):
        """👍/👎 on any answer. -> correction box, its prompt, the rated feedback's id, correction text."""
        user = self.auth.require(request)
        index = data.index if isinstance(data.index, int) else data.index[0]
        turns = self._turns(user, conversation_id)
        if not 0 <= index // 2 < len(turns):
            gr.Warning(notice("找不到这条回答，请刷新页面后再评价。", "无法评价"))
            return gr.update(visible=False), gr.update(), None, ""
        turn = turns[index // 2]
        rating = 1 if data.liked is True else -1 if data.liked is False else None
        if rating is None:  # the officer took the rating back
            self.bot.conversations.rate(conversation_id, user.id, turn.id, None, turn.feedback_id)
            return gr.update(visible=False), gr.update(), None, ""
        record = turn.record
        if "error" in record:
            gr.Warning(notice(NOT_AN_ANSWER, "无需评价"))
            return gr.update(visible=False), gr.update(), None, ""
        try:
            feedback_id = self.bot.feedback.record(
                user.id,
                record["question"] or turn.question,
                record["answer"],
                record["citations"],
                rating,
                None,
                record.get("mode") or "extractive",
            )
        except BadFeedback as exc:
            raise gr.Error(notice(str(exc), "评价未保存"), print_exception=False) from None
        self.bot.conversations.rate(conversation_id, user.id, turn.id, rating, feedback_id)
        self.bot.ledger.touch(user.id, "feedback")
        prompt = (
            f"已记录您对第 {index // 2 + 1} 条回答的评价（{rating_label(rating)}），谢谢！"
            "如有纠正意见可在下面填写（可选，培训管理员会审阅）："
        )
        return gr.update(visible=True), prompt, feedback_id, ""

    def citation_opened(self, request: gr.Request):
        """A citation opened in the page: a chat study event for the 学时 ledger (nothing shown)."""
        user = self.auth.require(request)
        self.bot.ledger.touch(user.id, "citation")

    def correct(self, correction, feedback_id, request: gr.Request):
        """-> correction box, correction text, rated feedback id."""
        user = self.auth.require(request)
        try:
            text = checked(correction, "纠正意见").strip()
        except BadText as exc:
            gr.Warning(notice(str(exc), "无法识别的字符"))
            return gr.update(), "", feedback_id
        if feedback_id is None:
            gr.Warning(notice("请先点 👍 或 👎 评价一条回答，再填写纠正意见。", "无法提交"))
            return gr.update(visible=False), gr.update(), None
        if not text:
            gr.Warning(notice("纠正意见是空的；不需要纠正可以直接关闭。", "内容为空"))
            return gr.update(), gr.update(), feedback_id
        try:
            self.bot.feedback.set_correction(int(feedback_id), user.id, text)
        except StudyBotError as exc:
            raise gr.Error(notice(str(exc), "未保存"), print_exception=False) from None
        gr.Info(notice("纠正意见已提交，培训管理员会审阅，谢谢！", "已提交"))
        return gr.update(visible=False), "", None


def build_chat_tab(ctx) -> None:
    cb = ChatCallbacks(ctx)
    conversation = gr.State(None)
    rated = gr.State(None)
    with gr.Row(elem_id="history-row", equal_height=True):
        history = gr.Dropdown(
            label="历史对话",
            show_label=False,
            choices=[],
            value=None,
            elem_id="history",
            scale=4,
            min_width=110,
            container=False,
            interactive=True,
        )
        new_btn = gr.Button("新对话", elem_id="new-chat", size="sm", scale=0, min_width=64)
        delete_btn = gr.Button("删除", elem_id="delete-chat", size="sm", scale=0, min_width=52)
        clear_btn = gr.Button("清空历史", elem_id="clear-history", size="sm", scale=0, min_width=76)
    with gr.Row(visible=False, elem_id="confirm-clear") as confirm_row:
        gr.Markdown("确定要删除您的全部历史对话吗？此操作不能撤销。")
        confirm_btn = gr.Button(
            "确认清空", variant="stop", size="sm", elem_id="confirm-clear-btn", scale=0, min_width=90
        )
        cancel_btn = gr.Button("取消", size="sm", elem_id="cancel-clear", scale=0, min_width=60)
    chatbot = gr.Chatbot(
        label="问答",
        show_label=False,
        elem_id="chatbot",
        feedback_options=("Like", "Dislike"),
        buttons=["copy"],
        latex_delimiters=[],
        autoscroll=True,
        placeholder="**依据已加载的广东省行政执法政策文本作答，每个回答都注明出处条款。**\n\n请在下方输入问题，或点一个示例：",
        examples=[{"text": q} for q in EXAMPLES],
    )
    with gr.Group(visible=False, elem_id="correction-box") as correction_box:
        prompt = gr.Markdown(elem_id="correction-prompt")
        correction = gr.Textbox(
            label="纠正意见",
            show_label=False,
            placeholder="例如：应写明学时按45分钟计算",
            elem_id="correction",
            max_lines=4,
            container=False,
        )
        with gr.Row():
            submit_correction = gr.Button("提交纠正意见", size="sm", variant="primary", elem_id="submit-correction")
            close_correction = gr.Button("关闭", size="sm", elem_id="close-correction")
    with gr.Row(elem_id="composer", equal_height=True):
        question = gr.Textbox(
            label="您的问题",
            show_label=False,
            elem_id="question",
            scale=5,
            max_lines=4,
            container=False,
            placeholder="输入问题，例如：行政执法人员每年要参加多少学时的培训？",
        )
        send = gr.Button("发送", variant="primary", elem_id="send", scale=0, min_width=72)

    # Also callable as /gradio_api/call/restore ("undocumented"): the load test opens the page with it.
    ctx.demo.load(cb.restore, None, [chatbot, conversation, history], api_name="restore", api_visibility="undocumented")
    pending_question = gr.Textbox(label="待回答的问题", visible=False, elem_id="pending-question")
    answered = [chatbot, conversation, history]
    for trigger, public in ((send.click, True), (question.submit, False)):
        shown = trigger(
            None,
            [question, chatbot],
            [pending_question, question, chatbot],
            js=SUBMIT_JS,
            queue=False,
            show_progress="hidden",
        )
        shown.then(
            cb.ask,
            [pending_question, conversation],
            answered,
            api_name="ask" if public else None,
            api_visibility="public" if public else "private",
            show_progress="minimal",
        )
    chatbot.example_select(cb.ask_example, [conversation], answered, api_visibility="private", show_progress="minimal")
    history.input(cb.open, [history], [chatbot, conversation, correction_box], api_visibility="private")
    new_btn.click(cb.new, None, [chatbot, conversation, history, correction_box], api_visibility="private")
    delete_btn.click(
        cb.delete, [conversation], [chatbot, conversation, history, correction_box], api_visibility="private"
    )
    clear_btn.click(lambda: gr.update(visible=True), None, [confirm_row], api_visibility="private", queue=False)
    cancel_btn.click(lambda: gr.update(visible=False), None, [confirm_row], api_visibility="private", queue=False)
    confirm_btn.click(
        cb.clear_all, None, [chatbot, conversation, history, correction_box, confirm_row], api_visibility="private"
    )
    chatbot.clear(cb.new, None, [chatbot, conversation, history, correction_box], api_visibility="private")
    chatbot.like(cb.rate, [conversation], [correction_box, prompt, rated, correction], api_visibility="private")
    submit_correction.click(
        cb.correct, [correction, rated], [correction_box, correction, rated], api_visibility="private"
    )
    close_correction.click(
        lambda: gr.update(visible=False), None, [correction_box], api_visibility="private", queue=False
    )
    gr.HTML("", head=CITATION_SCRIPT, elem_id="chat-look", container=False, padding=False)
    opened = gr.Button("查看引用", visible="hidden", elem_id="citation-opened")
    opened.click(cb.citation_opened, None, None, api_visibility="private", show_progress="hidden")
