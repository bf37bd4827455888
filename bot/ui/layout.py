"""The page: sign-in form, then 问答 / 练习 / 学时 / 评测 tabs, wired to the callbacks."""

from __future__ import annotations

import gradio as gr

from .callbacks import PANEL_HINT, SEND, Callbacks, fresh_conversation
from .render import REVIEW_HEADERS

EXAMPLES = (
    "行政执法人员每年要参加多少学时的培训？",
    "加强业务学习培训要建立健全什么样的培训机制？",
    "形成专项整治台账要明确哪些内容？",
    "行政执法人员资格管理除了持证上岗，还要建立健全哪些制度？",
)

CSS = """
#citation-pick { display: none !important; }
#context-panel { max-height: 640px; overflow-y: auto; }
.context-neighbour { color: var(--body-text-color-subdued); }
#chatbot details.citation { margin: 0.3em 0; }
#chatbot details.citation summary { cursor: pointer; }
"""

# Opening a citation in the chat reports it to the server through a hidden textbox, so the side
# panel can show the clause in context. `toggle` does not bubble, hence the capture listener.
JS = """
() => {
  document.addEventListener("toggle", (event) => {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.open) return;
    if (!details.closest("#chatbot")) return;
    const box = document.querySelector("#citation-pick textarea, #citation-pick input");
    if (!box) return;
    box.value = Date.now() + "\\n" + details.innerText;
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }, true);
}
"""


def build_ui(bot) -> gr.Blocks:
    cb = Callbacks(bot)
    with gr.Blocks(title="执法学习助手", analytics_enabled=False) as demo:
        token = gr.State(None)
        conversation = gr.State(fresh_conversation())
        pending = gr.State(None)

        gr.Markdown("# 执法学习助手\n依据已加载的广东省行政执法政策文本作答，每个回答都注明出处条款。")

        with gr.Column(visible=True, elem_id="login-box") as login_box:
            gr.Markdown("### 登录\n请使用执法证号（或工号）和密码登录。")
            login_id = gr.Textbox(label="执法证号/工号", elem_id="login-id", max_lines=1)
            login_pw = gr.Textbox(label="密码", type="password", elem_id="login-password", max_lines=1)
            login_btn = gr.Button("登录", variant="primary", elem_id="login-btn")
            login_msg = gr.Markdown(elem_id="login-msg")

        with gr.Column(visible=False, elem_id="app-box") as app_box:
            with gr.Row(equal_height=True):
                whoami = gr.Markdown(elem_id="whoami")
                logout_btn = gr.Button("退出登录", elem_id="logout", size="sm", scale=0, min_width=100)
            with gr.Tabs():
                with gr.Tab("问答", id="qa"), gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(
                            label="问答", elem_id="chatbot", height=480, feedback_options=None, buttons=["copy"],
                            placeholder="请在下方输入问题，或点击示例问题。回答只依据已加载的政策文本。",
                        )
                        with gr.Row():
                            question = gr.Textbox(label="您的问题", elem_id="question", scale=5,
                                                  placeholder="例如：行政执法人员每年要参加多少学时的培训？",
                                                  max_lines=4)
                            send_btn = gr.Button(SEND, variant="primary", elem_id="send", scale=1, min_width=90)
                        gr.Examples([[q] for q in EXAMPLES], inputs=[question], label="示例问题（点击填入）")
                        with gr.Row():
                            clear_btn = gr.Button("清空", elem_id="clear", size="sm")
                        with gr.Group():
                            gr.Markdown("**评价上一条回答**（可选填写纠正意见，培训管理员会审阅）")
                            correction = gr.Textbox(label="纠正意见（可选）", elem_id="correction",
                                                    max_lines=4)
                            with gr.Row():
                                up_btn = gr.Button("👍 有帮助", elem_id="rate-up", size="sm")
                                down_btn = gr.Button("👎 没帮助", elem_id="rate-down", size="sm")
                            feedback_msg = gr.Markdown(elem_id="feedback-msg")
                    with gr.Column(scale=2):
                        gr.Markdown("### 条款原文（上下文）")
                        panel = gr.Markdown(PANEL_HINT, elem_id="context-panel")
                with gr.Tab("练习", id="quiz"):
                    gr.Markdown("### 练习\n即将推出：按条款出题、自测与错题回顾。")
                with gr.Tab("学时", id="hours"):
                    gr.Markdown("### 学时\n即将推出：学习学时记录与导出。")
                with gr.Tab("评测", id="review", visible=False) as review_tab:
                    gr.Markdown("### 反馈审阅\n执法人员标记为“没帮助”或写了纠正意见的回答。")
                    review_refresh = gr.Button("刷新列表", elem_id="review-refresh", size="sm")
                    review_table = gr.Dataframe(headers=list(REVIEW_HEADERS), elem_id="review-table",
                                                interactive=False, wrap=True)
                    with gr.Row():
                        review_id = gr.Number(label="反馈编号", precision=0, elem_id="review-id")
                        review_note = gr.Textbox(label="审阅备注（可选）", elem_id="review-note")
                        review_btn = gr.Button("标记为已审阅", elem_id="review-mark")
                    review_msg = gr.Markdown(elem_id="review-msg")

        pick = gr.Textbox(elem_id="citation-pick", container=False, show_label=False)

        expired_outputs = [token, login_box, app_box, review_tab, login_msg]

        def guarded(dependency):
            # A gr.Error from an expired session leaves the page as it was; this puts the
            # sign-in form back.
            dependency.failure(cb.after_failure, [token], expired_outputs, api_visibility="private")
            return dependency

        login_outputs = [token, login_box, app_box, whoami, review_tab, login_msg, login_pw,
                         conversation, chatbot, panel, review_table]
        login_btn.click(cb.login, [login_id, login_pw], login_outputs, api_name="login")
        login_pw.submit(cb.login, [login_id, login_pw], login_outputs, api_visibility="private")
        logout_btn.click(cb.logout, [token],
                         [token, conversation, chatbot, login_box, app_box, review_tab, login_msg, panel,
                          review_table],
                         api_name="logout")

        # Sending is two steps so the question shows at once and the button is disabled while the
        # answer is computed; trigger_mode="once" drops a second click made meanwhile.
        for trigger, public in ((send_btn.click, True), (question.submit, False)):
            sent = guarded(trigger(cb.send, [question, conversation, token],
                                   [question, chatbot, conversation, pending, send_btn],
                                   api_name="send" if public else None,
                                   api_visibility="public" if public else "private",
                                   trigger_mode="once", show_progress="hidden"))
            answered = guarded(sent.then(cb.answer, [pending, conversation, token],
                                         [chatbot, conversation, pending, feedback_msg],
                                         api_name="answer" if public else None,
                                         api_visibility="public" if public else "private",
                                         concurrency_limit=4, concurrency_id="answer"))
            answered.then(cb.ready, None, [send_btn], api_visibility="private")
        cleared = [chatbot, conversation, pending, panel, feedback_msg, correction]
        clear_btn.click(cb.clear, None, cleared, api_visibility="private")
        chatbot.clear(cb.clear, None, cleared, api_visibility="private")  # the chat's own 🗑 icon
        guarded(pick.change(cb.show_clause, [pick, conversation, token], [panel], api_name="clause",
                           trigger_mode="always_last"))
        guarded(up_btn.click(cb.rate_up, [correction, conversation, token], [feedback_msg, correction],
                             api_name="rate_up"))
        guarded(down_btn.click(cb.rate_down, [correction, conversation, token], [feedback_msg, correction],
                               api_name="rate_down"))
        guarded(review_refresh.click(cb.review_list, [token], [review_table], api_name="review_list"))
        guarded(review_btn.click(cb.review_mark, [review_id, review_note, token], [review_table, review_msg],
                                 api_name="review_mark"))
        review_tab.select(cb.review_list, [token], [review_table], api_visibility="private")
    return demo
