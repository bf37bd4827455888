"""已教学的问法: the questions trainers taught as another wording of a clause (bot/teaching.py),
with who taught them and when; removing one stops it at once (removed ones stay listed on request)."""

from __future__ import annotations

import gradio as gr

from ....errors import StudyBotError, UnknownUser
from .view import ALIAS_HEADERS, alias_rows, ok, warn


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
        return alias_rows(self.bot.teaching.list(include_removed=bool(show_removed)), self._name)

    def list(self, show_removed, request: gr.Request):
        """-> alias table."""
        self.auth.require_trainer(request)
        return self._rows(show_removed)

    def remove(self, alias_id, show_removed, request: gr.Request):
        """-> alias table, message."""
        user = self.auth.require_trainer(request)
        try:
            if alias_id in (None, ""):
                raise StudyBotError("请先填写要删除的教学编号（见表格第一列）。")
            alias = self.bot.teaching.remove(user, int(alias_id))
        except (ValueError, OverflowError):
            return self._rows(show_removed), warn(f"教学编号 {alias_id!r} 无效")
        except StudyBotError as exc:
            return self._rows(show_removed), warn(str(exc))
        return self._rows(show_removed), ok(
            f"已删除教学 {alias.id}：“{alias.question}”不再作为 {alias.clause_label} 的问法。"
        )


def build_aliases(ctx, tab) -> None:
    cb = AliasCallbacks(ctx)
    gr.Markdown("教给助手的问法：同样或意思相近的问题会找到对应的条款。删除后立即不再生效。")
    with gr.Row(equal_height=True):
        show_removed = gr.Checkbox(label="也显示已删除的", value=False, elem_id="aliases-removed", scale=3)
        refresh = gr.Button("刷新", elem_id="aliases-refresh", size="sm", scale=0, min_width=70)
    table = gr.Dataframe(
        headers=list(ALIAS_HEADERS), elem_id="aliases-table", interactive=False, wrap=True, max_height=420
    )
    with gr.Row(equal_height=True):
        alias_id = gr.Number(label="教学编号", precision=0, elem_id="alias-id", scale=3)
        remove = gr.Button("删除这条教学", elem_id="alias-remove", variant="stop", scale=0, min_width=120)
    message = gr.HTML(elem_id="alias-msg")

    tab.select(cb.list, [show_removed], [table], api_visibility="private")
    refresh.click(cb.list, [show_removed], [table], api_name="aliases_list")
    show_removed.input(cb.list, [show_removed], [table], api_visibility="private")
    remove.click(cb.remove, [alias_id, show_removed], [table, message], api_name="alias_remove")
