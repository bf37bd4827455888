"""已教学的问法: the questions trainers taught as another wording of a clause, and those taught as
not covered by the texts (numbered R…; bot/teaching.py), with who taught them and when; removing
one stops it at once (removed ones stay listed on request)."""

from __future__ import annotations

import re

import gradio as gr

from ....errors import StudyBotError, UnknownUser
from .view import ALIAS_HEADERS, alias_rows, ok, warn

REMOVABLE = re.compile(r"R?\d{1,9}")


class AliasCallbacks:
    def __init__(self, ctx):
        self.bot, self.auth = ctx.bot, ctx.auth

    def _name(self, user_id: str | None) -> str:
        if not user_id:
            return "—"
        try:
            return f"{self.bot.accounts.get_user(user_id).name}（{user_id}）"
        except UnknownUser:
            return user_id

    def _rows(self, show_removed: bool) -> list[list]:
        teaching, removed = self.bot.teaching, bool(show_removed)
        return alias_rows(
            teaching.list(include_removed=removed), self._name, teaching.refusals(include_removed=removed)
        )

    def list(self, show_removed, request: gr.Request):
        """-> alias table."""
        self.auth.require_trainer(request)
        return self._rows(show_removed)

    def remove(self, alias_id, show_removed, request: gr.Request):
        """-> alias table, message. `alias_id` is a taught alias's number, or R and a refusal's."""
        user = self.auth.require_trainer(request)
        text = str(alias_id if alias_id is not None else "").strip().upper()
        try:
            if not text:
                raise StudyBotError("请先填写要删除的教学编号（见表格第一列）。")
            if not REMOVABLE.fullmatch(text):
                return self._rows(show_removed), warn(f"教学编号 {alias_id!r} 无效：应是表格第一列的编号，如 3 或 R2")
            if text.startswith("R"):
                refusal = self.bot.teaching.remove_refusal(user, int(text[1:]))
                done = f"已删除教学 R{refusal.id}：“{refusal.question}”不再按文本没有涉及拒答。"
            else:
                alias = self.bot.teaching.remove(user, int(text))
                done = f"已删除教学 {alias.id}：“{alias.question}”不再作为 {alias.clause_label} 的问法。"
        except StudyBotError as exc:
            return self._rows(show_removed), warn(str(exc))
        return self._rows(show_removed), ok(done)


def build_aliases(ctx, tab) -> None:
    cb = AliasCallbacks(ctx)
    gr.Markdown(
        "教给助手的问法：同样或意思相近的问题会找到对应的条款；编号以 R 开头的是教为拒答的问题"
        "（文本没有涉及）。删除后立即不再生效。"
    )
    with gr.Row(equal_height=True):
        show_removed = gr.Checkbox(label="也显示已删除的", value=False, elem_id="aliases-removed", scale=3)
        refresh = gr.Button("刷新", elem_id="aliases-refresh", size="sm", scale=0, min_width=70)
    table = gr.Dataframe(
        headers=list(ALIAS_HEADERS), elem_id="aliases-table", interactive=False, wrap=True, max_height=420
    )
    with gr.Row(equal_height=True):
        alias_id = gr.Textbox(label="教学编号（如 3 或 R2）", elem_id="alias-id", max_lines=1, scale=3)
        remove = gr.Button("删除这条教学", elem_id="alias-remove", variant="stop", scale=0, min_width=120)
    message = gr.HTML(elem_id="alias-msg")

    tab.select(cb.list, [show_removed], [table], api_visibility="private")
    refresh.click(cb.list, [show_removed], [table], api_name="aliases_list")
    show_removed.input(cb.list, [show_removed], [table], api_visibility="private")
    remove.click(cb.remove, [alias_id, show_removed], [table, message], api_name="alias_remove")
