"""学时, the trainers' part (trainers: their own unit; admins: any unit, chosen from a list):
the unit's totals, one offline training entered for several officers at once, imports from other
platforms, the 登记卡 export (shown as a table first, then XLSX and CSV to download) and
corrections. Every handler takes the user from the server session and LedgerService checks the
role and unit again, whatever the page sends."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import gradio as gr

from ...errors import StudyBotError
from ...ledger.amounts import FORMS, local_date
from ...ledger.exports import CSV_HEADER
from ...ledger.imports import HEADER_HELP
from ..auth import checked, notice
from ..downloads import KEEP_SECONDS, safe_name, write_export
from ..hours_render import CARD_HEADERS, UNIT_HEADERS, card_rows, csv_table, unit_headline, unit_rows
from ..render import esc
from .accounts import done, failed

PREVIEW_ROWS = 2000  # rows of the card table shown in the page; the files hold every row
EXPORT_LIMIT = 1  # XLSX exports at once (seconds of both cores for a large unit)


def _optional(value, what: str) -> str | None:
    text = checked(value, what).strip()
    return text or None


class TrainerHours:
    def __init__(self, ctx, officer_part):
        self.bot, self.auth = ctx.bot, ctx.auth
        self.ledger = ctx.bot.ledger
        self.officer_part = officer_part  # for the years and the names of who entered records

    # --- reading ---

    def _unit(self, user, unit) -> str:
        return checked(unit, "单位").strip() or user.unit

    def units(self, user) -> list[str]:
        """The units this user manages: their own, or (an admin) every unit with accounts."""
        if not user.is_admin:
            return [user.unit]
        return sorted({u.unit for u in self.bot.accounts.list_users() if not u.is_admin})

    def _overview(self, user, unit: str, year):
        """-> headline, unit table, officers to enter for, officers whose card to open."""
        try:
            cards = self.ledger.unit_cards(user, unit, checked(year, "年度"))
        except StudyBotError as exc:
            return failed(str(exc)), [], gr.update(choices=[], value=[]), gr.update(choices=[], value=None)
        target = self.ledger.target
        active = [u for u in self.bot.accounts.list_users(unit) if not u.disabled and not u.is_admin]
        entering = [(f"{u.name}（{u.id}）", u.id) for u in active]
        opening = [(f"{c.name}（{c.officer_id}）", c.officer_id) for c in cards]
        headline = (
            f'<p class="unit-headline">{unit_headline(unit, cards[0].year if cards else year, cards, target)}</p>'
        )
        return (
            headline,
            unit_rows(cards),
            gr.update(choices=entering, value=[]),
            gr.update(choices=opening, value=None),
        )

    def open(self, request: gr.Request):
        """The tab opened by a trainer or admin. -> unit, year, headline, table, officers, card officer, date."""
        user = self.auth.current(request)
        if user is None or not user.is_trainer:
            return gr.skip()
        units = self.units(user)
        unit = user.unit if user.unit in units or not units else units[0]
        year = self.officer_part.this_year()
        today = str(self._today())
        return (
            gr.update(choices=units, value=unit, interactive=user.is_admin),
            gr.update(choices=self.officer_part.years(), value=year),
            *self._overview(user, unit, year),
            today,
        )

    def overview(self, unit, year, request: gr.Request):
        user = self.auth.require_trainer(request)
        return self._overview(user, self._unit(user, unit), year)

    def _today(self):
        return local_date(self.bot.clock())

    def select_all(self, unit, request: gr.Request):
        user = self.auth.require_trainer(request)
        unit = self._unit(user, unit)
        if not user.manages(unit):
            return gr.update()
        return [u.id for u in self.bot.accounts.list_users(unit) if not u.disabled and not u.is_admin]

    # --- entering, importing ---

    def enter(self, unit, year, officers, day, content, form, hours, request: gr.Request):
        """One offline training for every chosen officer (all or none). -> message, headline, table."""
        user = self.auth.require_trainer(request)
        unit = self._unit(user, unit)
        ids = [checked(i, "执法证号") for i in (officers or [])]
        try:
            if not ids:
                raise StudyBotError("请先在“参训人员”中选择至少一名人员（可点“全选本单位”）。")
            if hours is None:
                raise StudyBotError("请填写学时（例如 2 或 1.5）。")
            record_ids = self.ledger.add(
                user,
                ids,
                day=checked(day, "日期"),
                content=checked(content, "培训内容"),
                form=checked(form, "培训形式") or "线下",
                hours=hours,
            )
            message = done(
                f"已为 {len(ids)} 人录入「{checked(content, '培训内容').strip()}」{hours:g} 学时"
                f"（记录号 {', '.join(map(str, record_ids))}）。"
            )
        except StudyBotError as exc:
            return (failed(str(exc)), *self._overview(user, unit, year)[:2])
        return (message, *self._overview(user, unit, year)[:2])

    def import_file(self, path, unit, year, request: gr.Request):
        """The same XLSX/CSV as `studybot hours import`. -> message, headline, table, file box (cleared)."""
        user = self.auth.require_trainer(request)
        unit = self._unit(user, unit)
        try:
            if not path:
                raise StudyBotError(f"请先选择要导入的 XLSX 或 CSV 文件（表头：{HEADER_HELP}）。")
            report = self.ledger.import_file(user, path)
            message = done(report.summary()) if report.ok else failed(report.summary())
        except StudyBotError as exc:
            message = failed(str(exc))
        finally:
            if path:  # the uploaded sheet is not kept on the server
                try:
                    os.remove(path)
                except OSError:
                    pass
        return (message, *self._overview(user, unit, year)[:2], None)

    # --- the 登记卡 export ---

    def preview(self, unit, year, request: gr.Request):
        """The card table as exported (the CSV's rows), and the CSV to download.
        -> note, card table, CSV button, XLSX button (made ready by `xlsx` next)."""
        user = self.auth.require_trainer(request)
        unit = self._unit(user, unit)
        try:
            data = self.ledger.export(user, unit, checked(year, "年度"), "csv")
        except StudyBotError as exc:
            raise gr.Error(notice(str(exc), "无法导出"), print_exception=False) from None
        header, rows, count = csv_table(data, PREVIEW_ROWS)
        shown = "" if count <= len(rows) else f"，页面显示前 {len(rows)} 行，完整内容请下载"
        note = (
            f"<p>{esc(unit)} {esc(year)} 年度登记卡：共 {count} 行{shown}。"
            "XLSX 为汇总表加每人一张登记卡；CSV 为同样的记录，每人末尾一行年度合计。"
            f"下载链接 {KEEP_SECONDS // 60} 分钟内有效。</p>"
        )
        path = write_export(data, f"{safe_name(unit)}-{year}-登记卡.csv")
        return (
            note,
            gr.update(value=rows, headers=header),
            gr.update(value=path, visible=True),
            gr.update(value=None, visible=True, interactive=False, label="正在生成 XLSX……"),
        )

    # Gradio finds the progress tracker by this default value, hence the call in the signature.
    def xlsx(self, unit, year, request: gr.Request, progress=gr.Progress()):  # noqa: B008
        """The XLSX card (seconds for a large unit: shown as it goes). -> XLSX button, status."""
        user = self.auth.require_trainer(request)
        unit = self._unit(user, unit)
        progress(0.1, desc="正在生成 XLSX 登记卡……")
        yield gr.update(), '<p class="export-status">正在生成 XLSX 登记卡（每百人约需数秒）……</p>'
        started = time.monotonic()
        try:
            data = self.ledger.export(user, unit, checked(year, "年度"), "xlsx")
        except StudyBotError as exc:
            yield gr.update(visible=False), failed(str(exc))
            return
        progress(0.9, desc="正在准备下载……")
        path = write_export(data, f"{safe_name(unit)}-{year}-登记卡.xlsx")
        took = time.monotonic() - started
        yield (
            gr.update(value=path, interactive=True, label="下载 XLSX 登记卡"),
            f'<p class="export-status">XLSX 已生成（{len(data) / 1024:.0f} KB，用时 {took:.1f} 秒）。</p>',
        )

    # --- one officer's card, corrections ---

    def card(self, officer_id, year, request: gr.Request):
        """-> the chosen officer's card rows, with 记录号."""
        user = self.auth.require_trainer(request)
        if not officer_id:
            return []
        try:
            card = self.ledger.officer_card(user, checked(officer_id, "执法证号"), checked(year, "年度"))
        except StudyBotError as exc:
            raise gr.Error(notice(str(exc), "无法显示"), print_exception=False) from None
        return card_rows(card, self.officer_part.names([card]))

    def correct(self, record_id, reason, day, content, form, hours, unit, year, officer_id, request: gr.Request):
        """Reverse a record with the reason, and (with any new value) append the corrected one.
        -> message, card rows, headline, table."""
        user = self.auth.require_trainer(request)
        unit = self._unit(user, unit)
        try:
            if record_id in (None, ""):
                raise StudyBotError("请填写要更正的记录号（见上表第一列）。")
            result = self.ledger.correct(
                user,
                int(record_id),
                checked(reason, "更正原因"),
                day=_optional(day, "日期"),
                content=_optional(content, "培训内容"),
                form=_optional(form, "培训形式"),
                hours=hours,
            )
            text = f"记录 {int(record_id)} 已冲销（冲销记录 {result['reversal']}）"
            if result["replacement"] is not None:
                text += f"，更正后的记录为 {result['replacement']}"
            message = done(text + "。原记录和更正原因都保留在登记卡上。")
        except (StudyBotError, ValueError, OverflowError) as exc:
            message = failed(str(exc) if isinstance(exc, StudyBotError) else f"记录号 {record_id!r} 无效")
        rows = self.card(officer_id, year, request) if officer_id else gr.update()
        return (message, rows, *self._overview(user, unit, year)[:2])


@dataclass(frozen=True)
class TrainerPart:
    outputs: list  # what TrainerHours.open fills when the tab opens


def build_trainer_part(tr: TrainerHours, officer_part) -> TrainerPart:
    gr.Markdown(
        "### 本单位学时\n培训管理员管理本单位人员的学时，系统管理员可选择任一单位。所有操作都在服务器上核对权限。"
    )
    with gr.Row(equal_height=True):
        unit = gr.Dropdown(label="单位", choices=[], elem_id="hours-unit", interactive=False, scale=3)
        year = gr.Dropdown(
            label="年度",
            choices=officer_part.years(),
            value=officer_part.this_year(),
            elem_id="hours-unit-year",
            scale=1,
            min_width=110,
        )
        refresh = gr.Button("刷新", size="sm", elem_id="hours-unit-refresh", scale=0, min_width=64)
    headline = gr.HTML(elem_id="hours-unit-headline")
    table = gr.Dataframe(
        headers=list(UNIT_HEADERS), elem_id="hours-unit-table", interactive=False, wrap=True, max_height=420
    )

    with gr.Accordion("录入线下培训（可同时录入多人）", open=False, elem_id="hours-enter"):
        with gr.Row(equal_height=True):
            # A typed 执法证号 is taken too (and checked by the ledger): Gradio would refuse it in English.
            officers = gr.Dropdown(
                label="参训人员",
                choices=[],
                multiselect=True,
                allow_custom_value=True,
                elem_id="hours-officers",
                scale=5,
            )
            select_all = gr.Button("全选本单位", size="sm", elem_id="hours-select-all", scale=0, min_width=96)
        with gr.Row():
            day = gr.Textbox(label="培训日期", placeholder="例如 2025-03-01", elem_id="hours-day", max_lines=1)
            # No `minimum`: Gradio would refuse a negative number in English; the ledger says why in Chinese.
            hours = gr.Number(label="学时", step=0.5, elem_id="hours-amount")
            form = gr.Dropdown(
                label="培训形式", choices=list(FORMS), value="线下", allow_custom_value=True, elem_id="hours-form"
            )
        content = gr.Textbox(
            label="培训内容", placeholder="例如：行政处罚法专题培训", elem_id="hours-content", max_lines=2
        )
        enter = gr.Button("录入", variant="primary", elem_id="hours-enter-btn")
        enter_msg = gr.HTML(elem_id="hours-enter-msg", elem_classes=["accounts-msg"])

    with gr.Accordion("导入其他平台的学时记录（XLSX 或 CSV）", open=False, elem_id="hours-import"):
        gr.Markdown(
            f"表头：{HEADER_HELP}（英文表头亦可）。任何一行有问题则全部不导入，并逐一指出行和列；"
            "同一文件重复导入不会重复计入，并说明有多少行此前已导入。"
        )
        sheet = gr.File(
            label="学时记录表格", file_types=[".xlsx", ".csv"], type="filepath", elem_id="hours-import-file"
        )
        import_btn = gr.Button("导入", elem_id="hours-import-btn")
        import_msg = gr.HTML(elem_id="hours-import-msg", elem_classes=["accounts-msg"])

    with gr.Accordion("导出登记卡（XLSX、CSV）", open=False, elem_id="hours-export"):
        preview = gr.Button("生成登记卡", variant="primary", elem_id="hours-preview-btn")
        export_note = gr.HTML(elem_id="hours-export-note", elem_classes=["accounts-msg"])
        with gr.Row():
            xlsx_btn = gr.DownloadButton("下载 XLSX 登记卡", visible=False, elem_id="hours-xlsx")
            csv_btn = gr.DownloadButton("下载 CSV 登记卡", visible=False, elem_id="hours-csv")
        export_status = gr.HTML(elem_id="hours-export-status", elem_classes=["accounts-msg"])
        export_table = gr.Dataframe(
            headers=list(CSV_HEADER), elem_id="hours-export-table", interactive=False, wrap=True, max_height=520
        )

    with gr.Accordion("查看与更正记录", open=False, elem_id="hours-correct"):
        card_officer = gr.Dropdown(label="查看登记卡", choices=[], elem_id="hours-card-officer")
        card = gr.Dataframe(
            headers=list(CARD_HEADERS), elem_id="hours-card-table", interactive=False, wrap=True, max_height=420
        )
        with gr.Row():
            record_id = gr.Number(label="要更正的记录号", precision=0, elem_id="hours-record-id")
            reason = gr.Textbox(label="更正原因", elem_id="hours-reason", max_lines=1, scale=3)
        gr.Markdown("要改为正确内容的，填写需要改的项（不填的沿用原记录）；都不填则只冲销原记录。")
        with gr.Row():
            new_day = gr.Textbox(label="正确的日期", elem_id="hours-new-day", max_lines=1)
            new_hours = gr.Number(label="正确的学时", step=0.5, elem_id="hours-new-amount")
            new_form = gr.Textbox(label="正确的培训形式", elem_id="hours-new-form", max_lines=1)
        new_content = gr.Textbox(label="正确的培训内容", elem_id="hours-new-content", max_lines=2)
        correct = gr.Button("更正", variant="stop", elem_id="hours-correct-btn")
        correct_msg = gr.HTML(elem_id="hours-correct-msg", elem_classes=["accounts-msg"])

    listing = [headline, table, officers, card_officer]
    private = {"api_visibility": "private"}
    for trigger in (unit.input, year.input, refresh.click):
        trigger(tr.overview, [unit, year], listing, **private)
    select_all.click(tr.select_all, [unit], [officers], **private)
    enter.click(
        tr.enter,
        [unit, year, officers, day, content, form, hours],
        [enter_msg, headline, table],
        api_name="hours_enter",
    )
    import_btn.click(tr.import_file, [sheet, unit, year], [import_msg, headline, table, sheet], api_name="hours_import")
    preview.click(
        tr.preview, [unit, year], [export_note, export_table, csv_btn, xlsx_btn], api_name="hours_export"
    ).success(
        tr.xlsx,
        [unit, year],
        [xlsx_btn, export_status],
        concurrency_limit=EXPORT_LIMIT,
        concurrency_id="hours_xlsx",
        **private,
    )
    card_officer.input(tr.card, [card_officer, year], [card], **private)
    correct.click(
        tr.correct,
        [record_id, reason, new_day, new_content, new_form, new_hours, unit, year, card_officer],
        [correct_msg, card, headline, table],
        api_name="hours_correct",
    )
    return TrainerPart([unit, year, *listing, day])
