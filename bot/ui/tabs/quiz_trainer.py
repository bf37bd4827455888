"""The trainers' part of 练习 (trainers and admins; every action checked on the server by the quiz
engine against the signed-in user's role and unit): question banks — import, template, export in
each format, questions with their tags, retire and restore —, publishing a test to a unit with an
opening window, and each test's results with their XLSX export."""

from __future__ import annotations

import html
import os
from datetime import datetime, timedelta

import gradio as gr

from ...errors import StudyBotError
from ...quiz.formats import FORMATS
from ..auth import checked
from ..downloads import safe_name, write_export
from ..quiz_html import (
    BANK_HEADERS,
    QUESTION_HEADERS,
    RESULT_HEADERS,
    bank_rows,
    question_rows,
    result_rows,
    results_summary,
)
from ..render import CHINA, china_time
from .quiz_scope import scope_controls, scope_of, wire_scope

TIME_FORMAT = "%Y-%m-%d %H:%M"
ALL_UNITS = "（全部单位）"


def done(text: str) -> str:
    return f'<p class="ok-msg">✅ {html.escape(text)}</p>'


def failed(text: str) -> str:
    return f'<p class="warn-msg">⚠️ {html.escape(text)}</p>'


def download(data: bytes, name: str) -> str:
    """`data` as a file named `name` for the browser (bot/ui/downloads.py: a folder of its own,
    removed a few minutes later)."""
    return write_export(data, safe_name(name))


def parse_time(text, what: str) -> datetime:
    """'2025-06-01 09:00' (Beijing time, as the page shows it) -> an aware UTC datetime."""
    raw = checked(text, what).strip().replace("T", " ").replace("/", "-")
    for fmt in (TIME_FORMAT, "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, fmt).replace(tzinfo=CHINA)
        except ValueError:
            continue
    raise StudyBotError(f"{what}“{raw}”格式不对：请写成 2025-06-01 09:00（北京时间）")


def whole(value, what: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        raise StudyBotError(f"{what}应为 {low} 到 {high} 之间的整数") from None
    if (isinstance(value, float) and not value.is_integer()) or not low <= number <= high:
        raise StudyBotError(f"{what} {value} 无效：应为 {low} 到 {high} 之间的整数")
    return number


class TrainerCallbacks:
    def __init__(self, ctx):
        self.bot, self.auth = ctx.bot, ctx.auth

    @property
    def quiz(self):
        return self.bot.quiz

    def units(self, user) -> list[str]:
        return sorted({u.unit for u in self.bot.accounts.list_users()} | {user.unit})

    def shown(self, request: gr.Request):
        """The trainers' sub-tabs, shown to trainers and admins only. -> 3 tab updates."""
        user = self.auth.current(request)
        visible = user is not None and user.is_trainer
        return tuple(gr.update(visible=visible) for _ in range(3))

    # --- banks ---

    def _bank_lists(self, user):
        banks = self.quiz.banks.banks(user)
        managed = [b for b in banks if user.is_admin or b["unit"] == user.unit]  # the engine checks again
        pick = [(f"{b['id']}. {b['name']}", b["id"]) for b in managed]
        return bank_rows(banks), gr.update(choices=[("全部可管理的题库", "")] + pick), gr.update(choices=pick)

    def banks(self, request: gr.Request):
        """-> bank table, export choice, question-list choice, import unit."""
        user = self.auth.require_trainer(request)
        if user.is_admin:
            units = gr.update(
                choices=[(ALL_UNITS, "")] + [(u, u) for u in self.units(user)], value="", interactive=True
            )
        else:
            units = gr.update(choices=[(user.unit, user.unit)], value=user.unit, interactive=False)
        return (*self._bank_lists(user), units)

    def import_bank(self, path, name, unit, request: gr.Request):
        """-> message, bank table, export choice, question-list choice, file box (cleared)."""
        user = self.auth.require_trainer(request)
        try:
            if not path:
                raise StudyBotError("请先选择题库文件（xlsx、csv、json 或 gift/txt；可先下载模板填写）。")
            chosen = checked(name, "题库名称").strip() or None
            bank_id, count = self.quiz.banks.import_file(
                user, path, name=chosen, unit=(checked(unit, "单位").strip() if user.is_admin else None)
            )
            message = done(f"已导入 {count} 道题，题库编号 {bank_id}。")
        except StudyBotError as exc:
            message = failed(str(exc))
        finally:
            if path:  # the upload is not kept: the bank is in the database now (or refused whole)
                try:
                    os.remove(path)
                except OSError:
                    pass
        return (message, *self._bank_lists(user), None)

    def template(self, request: gr.Request):
        self.auth.require_trainer(request)
        return download(self.quiz.banks.template(), "题库模板.xlsx")

    def export(self, fmt, bank_id, include_retired, request: gr.Request):
        user = self.auth.require_trainer(request)
        if fmt not in FORMATS:
            raise gr.Error(f"导出格式应为 {'、'.join(FORMATS)} 之一", print_exception=False)
        try:
            bank = int(bank_id) if bank_id not in (None, "") else None
            data = self.quiz.banks.export(user, fmt, bank_id=bank, include_retired=bool(include_retired))
        except StudyBotError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return download(data, f"题库{bank or ''}.{'txt' if fmt == 'gift' else fmt}")

    def questions(self, bank_id, show_retired, request: gr.Request):
        user = self.auth.require_trainer(request)
        if bank_id in (None, ""):
            return []
        try:
            every = self.quiz.banks.questions(user, bank_id=int(bank_id), include_retired=True, manage=True)
            live = {q.question_id for q in self.quiz.banks.questions(user, bank_id=int(bank_id), manage=True)}
        except StudyBotError as exc:
            gr.Warning(str(exc))
            return []
        retired = {q.question_id for q in every} - live
        return question_rows([q for q in every if show_retired or q.question_id not in retired], retired)

    def _question_action(self, request, question_id, bank_id, show_retired, action):
        """-> message, question table."""
        user = self.auth.require_trainer(request)
        try:
            if question_id in (None, ""):
                raise StudyBotError("请先填写题目编号（见题目表第一列）。")
            message = done(action(user, whole(question_id, "题目编号", 1, 2**62)))
        except StudyBotError as exc:
            message = failed(str(exc))
        return message, self.questions(bank_id, show_retired, request)

    def retire(self, question_id, bank_id, show_retired, request: gr.Request):
        def act(user, qid):
            self.quiz.banks.retire(user, qid, True)
            return f"题目 {qid} 已停用：以后不再出这道题，已作答的记录不受影响。"

        return self._question_action(request, question_id, bank_id, show_retired, act)

    def restore(self, question_id, bank_id, show_retired, request: gr.Request):
        def act(user, qid):
            self.quiz.banks.retire(user, qid, False)
            return f"题目 {qid} 已恢复使用。"

        return self._question_action(request, question_id, bank_id, show_retired, act)

    def set_tags(self, question_id, tags, bank_id, show_retired, request: gr.Request):
        def act(user, qid):
            saved = self.quiz.banks.set_tags(user, qid, checked(tags, "标签"))
            return f"题目 {qid} 的标签：{'、'.join(saved) or '（无）'}。"

        return self._question_action(request, question_id, bank_id, show_retired, act)

    # --- publishing and results ---

    def publish_form(self, request: gr.Request):
        """-> opens, closes (now and a week on, Beijing time), unit."""
        user = self.auth.require_trainer(request)
        now = self.quiz.now().astimezone(CHINA).replace(second=0, microsecond=0)
        if user.is_admin:
            unit = gr.update(choices=self.units(user), value=user.unit, interactive=True)
        else:
            unit = gr.update(choices=[user.unit], value=user.unit, interactive=False)
        return now.strftime(TIME_FORMAT), (now + timedelta(days=7)).strftime(TIME_FORMAT), unit

    def publish(self, title, kind, values, n, opens, closes, minutes, pass_mark, unit, request: gr.Request):
        """-> message."""
        user = self.auth.require_trainer(request)
        try:
            test_id = self.quiz.publish_test(
                user,
                title=checked(title, "测验名称"),
                scope=scope_of(kind, values),
                n=whole(n, "题目数量", 1, 200),
                opens_at=parse_time(opens, "开始时间"),
                closes_at=parse_time(closes, "结束时间"),
                time_limit_minutes=whole(minutes, "限时（分钟）", 1, 600),
                pass_mark=whole(pass_mark, "及格线", 0, 100),
                unit=checked(unit, "单位").strip() if user.is_admin and unit else None,
            )
        except StudyBotError as exc:
            return failed(str(exc))
        test = next(t for t in self.quiz.tests(user) if t["id"] == test_id)
        return done(
            f"已发布测验“{test['title']}”（编号 {test_id}，{test['questions']} 题）给 {test['unit']}，"
            f"开放时间 {china_time(test['opens_at'])} 至 {china_time(test['closes_at'])}。"
        )

    def tests(self, test_id, request: gr.Request):
        """-> the test choice (the one chosen if it is still there, else the newest), its summary
        and results table."""
        user = self.auth.require_trainer(request)
        tests = self.quiz.tests(user)
        choices = [(f"{t['id']}. {t['title']}（{t['unit']}，{china_time(t['opens_at'])} 起）", t["id"]) for t in tests]
        ids = [t["id"] for t in tests]
        chosen = int(test_id) if test_id not in (None, "") and int(test_id) in ids else (ids[0] if ids else None)
        return (gr.update(choices=choices, value=chosen), *self.results(chosen, request))

    def results(self, test_id, request: gr.Request):
        """-> summary, results table."""
        user = self.auth.require_trainer(request)
        if test_id in (None, ""):
            return "", []
        try:
            rows = self.quiz.test_results(user, int(test_id))
        except StudyBotError as exc:
            return failed(str(exc)), []
        test = next(t for t in self.quiz.tests(user) if t["id"] == int(test_id))
        return results_summary(test, rows), result_rows(rows)

    def export_results(self, test_id, request: gr.Request):
        user = self.auth.require_trainer(request)
        if test_id in (None, ""):
            raise gr.Error("请先选择一个测验。", print_exception=False)
        try:
            data = self.quiz.export_results(user, int(test_id))
        except StudyBotError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return download(data, f"测验成绩-{int(test_id)}.xlsx")


def build_trainer_tabs(ctx) -> None:
    """Three sub-tabs of 练习, hidden until the server knows the user is a trainer or an admin."""
    tc = TrainerCallbacks(ctx)
    private = {"api_visibility": "private"}
    with gr.Tab("题库", id="quiz-banks", visible=False, elem_id="quiz-banks-tab") as banks_tab:
        bank_table = gr.Dataframe(headers=list(BANK_HEADERS), interactive=False, wrap=True, elem_id="bank-table")
        with gr.Accordion("导入题库", open=True, elem_id="bank-import-box"):
            gr.Markdown(
                "xlsx（先下载模板填写）、csv、json 或 Moodle 的 gift（.gift/.txt）。"
                "任何一行有错则整个文件都不导入，并逐行说明。"
            )
            bank_file = gr.File(
                label="题库文件",
                file_types=[".xlsx", ".csv", ".json", ".gift", ".txt"],
                type="filepath",
                elem_id="bank-file",
            )
            with gr.Row():
                bank_name = gr.Textbox(label="题库名称（留空用文件名）", max_lines=1, elem_id="bank-name")
                bank_unit = gr.Dropdown(label="所属单位", choices=[], elem_id="bank-unit")
            with gr.Row():
                import_btn = gr.Button("导入", variant="primary", elem_id="bank-import")
                template_btn = gr.Button("下载模板", elem_id="bank-template")
            import_msg = gr.HTML(elem_id="bank-import-msg", elem_classes=["quiz-msg"])
        with gr.Accordion("导出题库", open=False, elem_id="bank-export-box"):
            with gr.Row():
                fmt = gr.Radio(list(FORMATS), value="xlsx", label="格式", elem_id="bank-format")
                export_bank = gr.Dropdown(
                    label="题库", choices=[("全部可管理的题库", "")], value="", elem_id="bank-export-pick"
                )
                with_retired = gr.Checkbox(label="包括已停用的题目", elem_id="bank-with-retired")
            export_btn = gr.Button("导出", elem_id="bank-export")
        bank_download = gr.File(label="下载", interactive=False, height=90, elem_id="bank-download")
        with gr.Accordion("题目：标签、停用与恢复", open=False, elem_id="bank-questions-box"):
            with gr.Row():
                bank_pick = gr.Dropdown(label="题库", choices=[], elem_id="bank-pick")
                show_retired = gr.Checkbox(label="显示已停用的题目", elem_id="bank-show-retired")
            question_table = gr.Dataframe(
                headers=list(QUESTION_HEADERS), interactive=False, wrap=True, elem_id="bank-questions"
            )
            with gr.Row():
                question_id = gr.Number(label="题目编号", precision=0, elem_id="bank-question-id")
                tags = gr.Textbox(label="标签（用，或、分隔）", max_lines=1, elem_id="bank-tags")
            with gr.Row():
                tags_btn = gr.Button("保存标签", elem_id="bank-save-tags")
                retire_btn = gr.Button("停用", variant="stop", elem_id="bank-retire")
                restore_btn = gr.Button("恢复", elem_id="bank-restore")
            question_msg = gr.HTML(elem_id="bank-question-msg", elem_classes=["quiz-msg"])

    with gr.Tab("发布测验", id="quiz-publish", visible=False, elem_id="quiz-publish-tab") as publish_tab:
        title = gr.Textbox(label="测验名称", max_lines=1, elem_id="publish-title")
        kind, values = scope_controls("publish")
        count = gr.Slider(1, 100, value=20, step=1, label="题目数量", elem_id="publish-count")
        with gr.Row():
            opens = gr.Textbox(label="开始时间（北京时间）", max_lines=1, elem_id="publish-opens")
            closes = gr.Textbox(label="结束时间（北京时间）", max_lines=1, elem_id="publish-closes")
        with gr.Row():
            minutes = gr.Number(label="限时（分钟）", value=30, precision=0, elem_id="publish-minutes")
            pass_mark = gr.Number(label="及格线（%）", value=60, precision=0, elem_id="publish-pass")
            unit = gr.Dropdown(label="发给单位", choices=[], elem_id="publish-unit", allow_custom_value=True)
        publish_btn = gr.Button("发布测验", variant="primary", elem_id="publish-btn")
        publish_msg = gr.HTML(elem_id="publish-msg", elem_classes=["quiz-msg"])

    with gr.Tab("测验成绩", id="quiz-results", visible=False, elem_id="quiz-results-tab") as results_tab:
        with gr.Row():
            test_pick = gr.Dropdown(label="测验", choices=[], elem_id="results-test", scale=4)
            refresh = gr.Button("刷新", size="sm", elem_id="results-refresh", scale=0, min_width=70)
        summary = gr.HTML(elem_id="results-summary-box")
        table = gr.Dataframe(headers=list(RESULT_HEADERS), interactive=False, wrap=True, elem_id="results-table")
        export_results_btn = gr.Button("导出成绩（XLSX）", elem_id="results-export")
        results_file = gr.File(label="下载", interactive=False, height=90, elem_id="results-download")

    ctx.tab.select(tc.shown, None, [banks_tab, publish_tab, results_tab], **private)
    bank_lists = [bank_table, export_bank, bank_pick]
    banks_tab.select(tc.banks, None, [*bank_lists, bank_unit], **private)
    import_btn.click(tc.import_bank, [bank_file, bank_name, bank_unit], [import_msg, *bank_lists, bank_file], **private)
    template_btn.click(tc.template, None, [bank_download], **private)
    export_btn.click(tc.export, [fmt, export_bank, with_retired], [bank_download], **private)
    listing = [bank_pick, show_retired]
    bank_pick.input(tc.questions, listing, [question_table], **private)
    show_retired.input(tc.questions, listing, [question_table], **private)
    retire_btn.click(tc.retire, [question_id, *listing], [question_msg, question_table], **private)
    restore_btn.click(tc.restore, [question_id, *listing], [question_msg, question_table], **private)
    tags_btn.click(tc.set_tags, [question_id, tags, *listing], [question_msg, question_table], **private)

    publish_tab.select(tc.publish_form, None, [opens, closes, unit], **private)
    wire_scope(ctx, kind, values)
    publish_btn.click(
        tc.publish, [title, kind, values, count, opens, closes, minutes, pass_mark, unit], [publish_msg], **private
    )

    results_tab.select(tc.tests, [test_pick], [test_pick, summary, table], **private)
    refresh.click(tc.tests, [test_pick], [test_pick, summary, table], **private)
    test_pick.input(tc.results, [test_pick], [summary, table], **private)
    export_results_btn.click(tc.export_results, [test_pick], [results_file], **private)
