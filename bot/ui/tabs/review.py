"""评测 (trainers): answers officers flagged (👎 or a correction), to review and mark."""

from __future__ import annotations

import gradio as gr

from ...errors import UnknownFeedback
from ..auth import notice
from ..render import REVIEW_HEADERS, review_rows


class ReviewCallbacks:
    def __init__(self, ctx):
        self.bot, self.auth = ctx.bot, ctx.auth

    def list(self, request: gr.Request):
        """-> flagged feedback table."""
        self.auth.require_trainer(request)
        return review_rows(self.bot.feedback.list(flagged_only=True))

    def mark(self, feedback_id, note: str, request: gr.Request):
        """-> flagged feedback table, review message."""
        user = self.auth.require_trainer(request)
        if feedback_id in (None, ""):
            raise gr.Error(notice("请先填写要标记的反馈编号（见表格第一列）。", "缺少编号"), print_exception=False)
        try:
            self.bot.feedback.mark_reviewed(int(feedback_id), (note or "")[:2000], reviewer_id=user.id)
        except (UnknownFeedback, ValueError, OverflowError) as exc:
            message = str(exc) if isinstance(exc, UnknownFeedback) else f"反馈编号 {feedback_id!r} 无效"
            raise gr.Error(notice(message, "无法标记"), print_exception=False) from None
        return review_rows(self.bot.feedback.list(flagged_only=True)), f"反馈 {int(feedback_id)} 已标记为已审阅。"


def build_review_tab(ctx) -> None:
    cb = ReviewCallbacks(ctx)
    gr.Markdown("### 反馈审阅\n执法人员标记为“没帮助”或写了纠正意见的回答。")
    refresh = gr.Button("刷新列表", elem_id="review-refresh", size="sm")
    table = gr.Dataframe(headers=list(REVIEW_HEADERS), elem_id="review-table", interactive=False, wrap=True)
    with gr.Row():
        review_id = gr.Number(label="反馈编号", precision=0, elem_id="review-id")
        note = gr.Textbox(label="审阅备注（可选）", elem_id="review-note")
        mark = gr.Button("标记为已审阅", elem_id="review-mark")
    message = gr.Markdown(elem_id="review-msg")
    refresh.click(cb.list, None, [table], api_name="review_list")
    mark.click(cb.mark, [review_id, note], [table, message], api_name="review_mark")
    ctx.tab.select(cb.list, None, [table], api_visibility="private")
