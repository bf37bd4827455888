"""学时: the officer's own 业务培训登记卡 for a year — the total, a bar to the target, what remains,
是否达标, every record with where it came from — and, for trainers and admins, the unit's tools
(hours_trainer.py). Everything is read through LedgerService with the user from the server
session, so an officer can only ever see their own card."""

from __future__ import annotations

import gradio as gr

from ...errors import StudyBotError, UnknownUser
from ...ledger.amounts import local_date
from ..auth import checked, notice
from ..hours_render import PROGRESS_CSS, RECORDS_CSS, SUMMARY_CSS, progress_html, records_html, total_html
from .hours_trainer import TrainerHours, build_trainer_part

YEARS_SHOWN = 5  # this year and the four before it


class HoursCallbacks:
    def __init__(self, ctx):
        self.bot, self.auth = ctx.bot, ctx.auth

    def this_year(self) -> int:
        return local_date(self.bot.clock()).year

    def years(self) -> list[int]:
        return [self.this_year() - n for n in range(YEARS_SHOWN)]

    def names(self, cards) -> dict[str, str]:
        """Names of the accounts that entered the records on these cards."""
        found = {}
        for uid in {line.entered_by for card in cards for line in card.lines if line.entered_by}:
            try:
                found[uid] = self.bot.accounts.get_user(uid).name
            except UnknownUser:  # an account since renamed away: its id is shown instead
                pass
        return found

    def mine(self, year, request: gr.Request):
        """-> total, progress, records: the signed-in user's own card for the year."""
        user = self.auth.require(request)
        try:
            card = self.bot.ledger.officer_card(user, user.id, checked(year or self.this_year(), "年度"))
        except StudyBotError as exc:
            raise gr.Error(notice(str(exc), "无法显示学时"), print_exception=False) from None
        return (
            total_html(card, self.this_year()),
            progress_html(card, self.bot.settings.idle_minutes),
            records_html(card, self.names([card])),
        )

    def open(self, year, request: gr.Request):
        """The tab opened. -> year, total, progress, records, own card's group, trainer part.
        An admin keeps no card of their own; trainers and admins get their unit's tools."""
        user = self.auth.require(request)
        years = self.years()  # the page was built at start-up: a new year may have begun since
        year = year if year in years else years[0]
        shown = self.mine(year, request) if not user.is_admin else (gr.skip(),) * 3
        return (
            gr.update(choices=years, value=year),
            *shown,
            gr.update(visible=not user.is_admin),
            gr.update(visible=user.is_trainer),
        )


def build_hours_tab(ctx) -> None:
    cb = HoursCallbacks(ctx)
    trainer = TrainerHours(ctx, cb)
    with gr.Column(elem_id="hours-mine") as mine_group:
        with gr.Row(equal_height=True):
            gr.Markdown("### 我的学时\n每人每年不少于规定学时；未明确学时的培训按 45 分钟为 1 学时计算。")
            year = gr.Dropdown(
                label="年度", choices=cb.years(), value=cb.this_year(), elem_id="hours-year", scale=0, min_width=110
            )
            refresh = gr.Button("刷新", size="sm", elem_id="hours-refresh", scale=0, min_width=64)
        total = gr.HTML('<p class="hours-total-line">正在读取……</p>', elem_id="hours-total", css_template=SUMMARY_CSS)
        progress = gr.HTML(elem_id="hours-progress", css_template=PROGRESS_CSS)
        gr.Markdown("#### 学时记录", elem_id="hours-records-head")
        records = gr.HTML(elem_id="hours-records", css_template=RECORDS_CSS)
    with gr.Column(visible=False, elem_id="hours-trainer") as trainer_part:
        opened = build_trainer_part(trainer, cb)

    mine_outputs = [total, progress, records]
    ctx.tab.select(cb.open, [year], [year, *mine_outputs, mine_group, trainer_part], api_visibility="private").then(
        trainer.open, None, opened.outputs, api_visibility="private"
    )
    year.input(cb.mine, [year], mine_outputs, api_visibility="private")
    refresh.click(cb.mine, [year], mine_outputs, api_name="hours_mine")
