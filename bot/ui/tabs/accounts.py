"""账号 (trainers and admins): the accounts of their unit (an admin: every unit) — add, import the
same CSV/XLSX as `studybot users import`, disable, re-enable, reset a password. Every action is
checked on the server by bot/account_admin.py against the signed-in user's role and unit."""

from __future__ import annotations

import html
import os

import gradio as gr

from ...account_admin import AccountAdmin
from ...account_import import CSV_HEADER_HELP
from ...accounts import ROLE_NAMES
from ...errors import StudyBotError
from ..auth import checked
from ..render import ACCOUNT_HEADERS, account_rows


def done(text: str) -> str:
    return f'<p class="ok-msg">✅ {html.escape(text)}</p>'


def failed(text: str) -> str:
    return f'<p class="warn-msg">⚠️ {html.escape(text)}</p>'


class AccountCallbacks:
    def __init__(self, ctx):
        self.bot, self.auth = ctx.bot, ctx.auth

    def _admin(self, request) -> AccountAdmin:
        return AccountAdmin(self.bot.accounts, self.auth.require_trainer(request))

    def _run(self, request, action, unit_filter: str = ""):
        """-> account table, message: the action's result or its Chinese error, the table refreshed."""
        admin = self._admin(request)
        try:
            message = done(action(admin))
        except StudyBotError as exc:
            message = failed(str(exc))
        return account_rows(admin.list(unit_filter or None)), message

    def load(self, request: gr.Request):
        """-> table, unit box, role choices, unit filter (admins pick any unit, trainers have theirs)."""
        if (user := self.auth.current(request)) is None or not user.is_trainer:
            return gr.update(), gr.update(), gr.update(), gr.update(visible=False)
        admin = AccountAdmin(self.bot.accounts, user)
        roles = [(name, role) for role, name in ROLE_NAMES.items() if role != "admin" or user.is_admin]
        return (
            account_rows(admin.list()),
            gr.update(value=user.unit, interactive=user.is_admin),
            gr.update(choices=roles, value="officer"),
            gr.update(visible=user.is_admin),
        )

    def listing(self, unit_filter, request: gr.Request):
        admin = self._admin(request)
        try:
            return account_rows(admin.list(checked(unit_filter, "单位").strip() or None))
        except StudyBotError as exc:
            gr.Warning(str(exc))
            return gr.update()

    def add(self, user_id, name, unit, role, password, unit_filter, request: gr.Request):
        def action(admin):
            fields = [
                checked(v, what)
                for v, what in (
                    (user_id, "账号"),
                    (name, "姓名"),
                    (unit, "单位"),
                    (role, "角色"),
                    (password, "初始密码"),
                )
            ]
            user = admin.add(*fields)
            return (
                f"已添加账号 {user.id}（{user.name}，{user.unit}，{user.role_name}），"
                "请把初始密码告知本人；首次登录时须修改密码。"
            )

        return self._run(request, action, unit_filter)

    def import_file(self, path, unit_filter, request: gr.Request):
        """-> table, message, file box (cleared: the file holds initial passwords)."""

        def action(admin):
            if not path:
                raise StudyBotError(f"请先选择要导入的 CSV 或 XLSX 文件（表头 {CSV_HEADER_HELP}）。")
            report = admin.import_file(path)
            if not report.ok:
                raise StudyBotError(report.summary())
            return report.summary()

        try:
            return (*self._run(request, action, unit_filter), None)
        finally:
            if path:  # an uploaded sheet of initial passwords is not kept on the server
                try:
                    os.remove(path)
                except OSError:
                    pass

    def set_disabled(self, user_id, disabled: bool, unit_filter, request: gr.Request):
        def action(admin):
            user = admin.set_disabled(checked(user_id, "账号"), disabled)
            return f"账号 {user.id}（{user.name}）已{'停用，其登录已结束' if disabled else '恢复使用'}。"

        return self._run(request, action, unit_filter)

    def disable(self, user_id, unit_filter, request: gr.Request):
        return self.set_disabled(user_id, True, unit_filter, request)

    def enable(self, user_id, unit_filter, request: gr.Request):
        return self.set_disabled(user_id, False, unit_filter, request)

    def reset(self, user_id, password, unit_filter, request: gr.Request):
        def action(admin):
            user = admin.reset_password(checked(user_id, "账号"), checked(password, "新的初始密码"))
            return f"账号 {user.id}（{user.name}）的密码已重置，原有登录已结束；本人下次登录时须修改密码。"

        return self._run(request, action, unit_filter)


def build_accounts_tab(ctx) -> None:
    cb = AccountCallbacks(ctx)
    gr.Markdown(
        "### 账号管理\n培训管理员管理本单位的账号，系统管理员管理所有单位的账号。新账号和重置后的密码，首次登录时须修改。"
    )
    with gr.Row():
        unit_filter = gr.Textbox(
            label="只看这个单位（留空为全部）", elem_id="unit-filter", visible=False, scale=3, max_lines=1
        )
        refresh = gr.Button("刷新", size="sm", elem_id="accounts-refresh", scale=0, min_width=70)
    table = gr.Dataframe(headers=list(ACCOUNT_HEADERS), elem_id="accounts-table", interactive=False, wrap=True)
    with gr.Accordion("添加账号", open=False, elem_id="add-account"):
        with gr.Row():
            new_id = gr.Textbox(label="执法证号/工号", elem_id="new-id", max_lines=1)
            new_name = gr.Textbox(label="姓名", elem_id="new-name", max_lines=1)
        with gr.Row():
            new_unit = gr.Textbox(label="单位", elem_id="new-unit", interactive=False, max_lines=1)
            new_role = gr.Dropdown(label="角色", choices=[("执法人员", "officer")], value="officer", elem_id="new-role")
        new_password = gr.Textbox(label="初始密码（至少 8 个字符）", type="password", elem_id="new-password")
        add_btn = gr.Button("添加账号", variant="primary", elem_id="add-account-btn")
        add_msg = gr.HTML(elem_id="add-msg", elem_classes=["accounts-msg"])
    with gr.Accordion("批量导入（CSV 或 XLSX）", open=False, elem_id="import-accounts"):
        gr.Markdown(f"表头：{CSV_HEADER_HELP}。有任何一行出错则全部不导入，并逐行说明。")
        sheet = gr.File(label="账号表格", file_types=[".csv", ".xlsx"], type="filepath", elem_id="import-file")
        import_btn = gr.Button("导入", elem_id="import-btn")
        import_msg = gr.HTML(elem_id="import-msg", elem_classes=["accounts-msg"])
    with gr.Accordion("停用、恢复或重置密码", open=False, elem_id="manage-account"):
        target = gr.Textbox(label="执法证号/工号", elem_id="target-id", max_lines=1)
        with gr.Row():
            disable_btn = gr.Button("停用", variant="stop", elem_id="disable-btn")
            enable_btn = gr.Button("恢复", elem_id="enable-btn")
        reset_password = gr.Textbox(label="新的初始密码（重置密码时填写）", type="password", elem_id="reset-password")
        reset_btn = gr.Button("重置密码", elem_id="reset-btn")
        manage_msg = gr.HTML(elem_id="manage-msg", elem_classes=["accounts-msg"])

    ctx.tab.select(cb.load, None, [table, new_unit, new_role, unit_filter], api_visibility="private")
    refresh.click(cb.listing, [unit_filter], [table], api_visibility="private")
    unit_filter.submit(cb.listing, [unit_filter], [table], api_visibility="private")
    add_btn.click(
        cb.add,
        [new_id, new_name, new_unit, new_role, new_password, unit_filter],
        [table, add_msg],
        api_name="accounts_add",
    )
    import_btn.click(cb.import_file, [sheet, unit_filter], [table, import_msg, sheet], api_name="accounts_import")
    disable_btn.click(cb.disable, [target, unit_filter], [table, manage_msg], api_name="accounts_disable")
    enable_btn.click(cb.enable, [target, unit_filter], [table, manage_msg], api_name="accounts_enable")
    reset_btn.click(cb.reset, [target, reset_password, unit_filter], [table, manage_msg], api_name="accounts_reset")
