"""练习: practice rounds and published tests one question at a time, the results with their
explanations and clauses, the 错题本 and the officer's past rounds; for trainers and admins, banks,
publishing a test and its results (bot/ui/tabs/quiz_trainer.py).

Everything about a round lives on the server (bot/quiz/): the page keeps only the round's number
and the question on screen, and every event reads the round back as stored. So a reload, or a
second browser tab, shows the round where it was left; the time, the deadline of a test and
whether an answer still counts are decided by the server.
"""

from __future__ import annotations

import time
from datetime import timedelta

import gradio as gr

from ...errors import RoundClosed, StudyBotError, TimeUp, UnknownRound
from ...quiz.scope import Scope
from ...quiz.service import MAX_QUESTIONS
from ..auth import checked, notice
from ..quiz_html import (
    ROUND_HEADERS,
    feedback_html,
    head_html,
    notebook_html,
    option_choices,
    question_html,
    result_html,
    round_rows,
    test_label,
)
from ..quiz_look import HEAD, KEYS_HELP
from ..render import clause_context
from .quiz_scope import scope_controls, scope_of, wire_scope
from .quiz_trainer import build_trainer_tabs

MAX_ON_PAGE = 50  # questions per practice round offered on the page
NOTHING_CHOSEN = "请先选择一个选项（可按 1–6 或 A–F），填空题请先填写答案，再提交。"


class QuizCallbacks:
    """The officers' handlers. Each returns the whole round screen (SCREEN, in build_quiz_tab's
    order) as the server has the round now."""

    def __init__(self, ctx):
        self.bot, self.auth = ctx.bot, ctx.auth

    @property
    def quiz(self):
        return self.bot.quiz

    def context(self, clause_id: str) -> dict | None:
        """The cited clause with its neighbours from the current index, as the chat opens it."""
        return clause_context(self.bot.store, clause_id)

    # --- screens ---

    def start_screen(self):
        """No round on screen: the start page."""
        return (
            None,
            0,
            gr.update(visible=True),
            gr.update(visible=False),
            gr.update(visible=False),
            "",
            "",
            gr.update(choices=[], value=None, visible=False),
            gr.update(value="", visible=False),
            "",
            gr.update(visible=False),
            gr.update(visible=False),
            gr.update(visible=False),
            gr.update(visible=False),
            gr.update(visible=False),
            "",
        )

    def screen(self, view, position: int):
        if view is None:
            return self.start_screen()
        if view.result is not None:
            return (
                view.id,
                0,
                gr.update(visible=False),
                gr.update(visible=False),
                gr.update(visible=True),
                "",
                "",
                gr.update(),
                gr.update(),
                "",
                gr.update(visible=False),
                gr.update(visible=False),
                gr.update(visible=False),
                gr.update(visible=False),
                gr.update(visible=False),
                result_html(view.result, view.scope_label, view.pass_mark, self.context),
            )
        total = len(view.questions)
        position = min(max(0, int(position or 0)), total - 1)
        q = view.questions[position]
        done = view.answered.get(position)
        remaining = None
        if view.time_limit_s is not None:
            deadline = view.started_at + timedelta(seconds=view.time_limit_s)
            remaining = max(0, int((deadline - self.quiz.now()).total_seconds()))
        chosen = done["given"] if done and done["given"] in q["options"] else None
        options = gr.update(
            choices=option_choices(q), value=chosen, visible=bool(q["options"]), interactive=done is None
        )
        blank = gr.update(
            value=done["given"] if done else "", visible=q["type"] == "fill_blank", interactive=done is None
        )
        all_done = len(view.answered) == total
        others_open = any(i not in view.answered for i in range(total) if i != position)
        return (
            view.id,
            position,
            gr.update(visible=False),
            gr.update(visible=True),
            gr.update(visible=False),
            head_html(view, position, remaining, time.time_ns()),
            question_html(q),
            options,
            blank,
            feedback_html(q, done, view.mode, self.context),
            gr.update(visible=done is None),
            gr.update(visible=others_open),
            gr.update(visible=all_done),
            gr.update(visible=not all_done),
            gr.update(visible=False),
            "",
        )

    @staticmethod
    def next_open(view, position: int) -> int:
        """The first unanswered question after `position`, round the end; `position` if none."""
        total = len(view.questions)
        for step in range(1, total + 1):
            candidate = (position + step) % total
            if candidate not in view.answered:
                return candidate
        return position

    def _view(self, user, round_id):
        """The round as stored, or None (with a notice) when it is not this officer's any more."""
        if round_id is None:
            return None
        try:
            return self.quiz.round(user, int(round_id))
        except (UnknownRound, ValueError, TypeError):
            gr.Warning(notice(str(UnknownRound(round_id)), "找不到这一轮"))
            return None

    # --- events ---

    def enter(self, round_id, position, request: gr.Request):
        """The tab opened: rounds left open half a day ago are closed (their answering time goes to
        the ledger); then the round on screen, or this officer's open round (after a reload), or
        the start page. -> SCREEN + the open tests."""
        user = self.auth.require(request)
        self.quiz.abandon_stale()
        view = self._view(user, round_id) if round_id is not None else None
        if view is None:
            open_rounds = [r for r in self.quiz.rounds(user) if r["status"] == "open"]
            if open_rounds:
                view = self.quiz.round(user, open_rounds[0]["id"])
                position = self.next_open(view, len(view.questions) - 1)
        return (*self.screen(view, position), self.open_tests(user))

    def open_tests(self, user):
        now = self.quiz.now()
        tests = [t for t in self.quiz.tests(user) if t["opens_at"] <= now <= t["closes_at"]]
        return gr.update(choices=[(test_label(t), t["id"]) for t in tests], value=None)

    def mode_changed(self, mode, request: gr.Request):
        """-> practice settings, test choice, start button."""
        user = self.auth.require(request)
        practice = mode != "test"
        tests = gr.update(visible=False) if practice else {**self.open_tests(user), "visible": True}
        return (gr.update(visible=practice), tests, gr.update(value="开始练习" if practice else "开始测验"))

    def start(self, mode, kind, values, n, test_id, request: gr.Request):
        user = self.auth.require(request)
        try:
            if mode == "test":
                if test_id in (None, ""):
                    raise StudyBotError("请先在“本单位正在开放的测验”中选择一个测验。")
                view = self.quiz.start_test(user, int(test_id))
            else:
                count = min(MAX_ON_PAGE, max(1, int(n or 10)))
                view = self.quiz.start_practice(user, scope=scope_of(kind, values), n=count)
        except StudyBotError as exc:
            gr.Warning(notice(str(exc), "未能开始"))
            return gr.skip()
        return self.screen(view, 0)

    def answer(self, round_id, position, choice, blank, request: gr.Request):
        user = self.auth.require(request)
        view = self._view(user, round_id)
        if view is None or view.result is not None:
            return self.screen(view, 0)
        position = min(max(0, int(position or 0)), len(view.questions) - 1)
        if position in view.answered:  # a double press: nothing more to record
            return self.screen(view, position)
        q = view.questions[position]
        try:
            given = checked(blank if q["type"] == "fill_blank" else choice, "答案").strip()
        except StudyBotError as exc:
            gr.Warning(notice(str(exc), "未能作答"))
            return gr.skip()
        if not given:
            gr.Warning(notice(NOTHING_CHOSEN, "还没有作答"))
            return gr.skip()
        try:
            self.quiz.answer(user, view.id, position, given)
        except TimeUp as exc:  # the engine handed the test in: show the results
            gr.Warning(notice(str(exc), "时间到"))
        except StudyBotError as exc:
            gr.Warning(notice(str(exc), "未能作答"))
        view = self.quiz.round(user, view.id)
        if view.mode == "test" and view.result is None:
            position = self.next_open(view, position)  # no verdict in a test: straight on
        return self.screen(view, position)

    def next(self, round_id, position, request: gr.Request):
        user = self.auth.require(request)
        view = self._view(user, round_id)
        if view is None or view.result is not None:
            return self.screen(view, 0)
        return self.screen(view, self.next_open(view, int(position or 0)))

    def finish(self, round_id, request: gr.Request):
        """Hand the round in (the confirmation, when questions are left, is on the page)."""
        user = self.auth.require(request)
        view = self._view(user, round_id)
        if view is not None and view.result is None:
            try:
                self.quiz.submit(user, view.id)
            except RoundClosed:
                pass  # handed in from another tab or by the deadline a moment ago
            view = self.quiz.round(user, view.id)
        return self.screen(view, 0)

    def time_up(self, round_id, position, request: gr.Request):
        """The page's countdown reached zero: the test is handed in if the server agrees."""
        user = self.auth.require(request)
        view = self._view(user, round_id)
        if view is None or view.result is not None or view.time_limit_s is None:
            return self.screen(view, position)
        if self.quiz.now() >= view.started_at + timedelta(seconds=view.time_limit_s):
            gr.Warning(notice("考试时间已到，已按已作答的题目自动交卷，可查看成绩。", "时间到"))
            return self.finish(view.id, request)
        return self.screen(view, position)

    def again(self, request: gr.Request):
        self.auth.require(request)
        return self.start_screen()

    # --- 错题本 and past rounds ---

    def notebook(self, request: gr.Request):
        """-> the 错题本, its practice button."""
        user = self.auth.require(request)
        entries = self.quiz.notebook(user)
        now = self.quiz.now()
        due = sum(1 for e in entries if e.due <= now)
        label = f"练习错题（{due} 道已到期）" if due else "按错题的条款练习"
        return notebook_html(entries, now, self.context), gr.update(value=label, visible=bool(entries))

    def practice_mistakes(self, request: gr.Request):
        """A practice round on the 错题本's clauses: the questions come due first (the engine puts
        them at the head of a round, at most half of it, so the round is twice their number), then
        new questions on the same clauses. -> SCREEN + the sub-tab to show."""
        user = self.auth.require(request)
        entries = self.quiz.notebook(user)
        if not entries:
            gr.Warning(notice("错题本是空的，先做一轮练习吧。", "没有错题"))
            return gr.skip()
        known = self.bot.store.by_id
        clauses = tuple(dict.fromkeys(e.question.clause_id for e in entries if e.question.clause_id in known))
        scope = Scope("clauses", clauses) if clauses else Scope()
        now = self.quiz.now()
        due = sum(1 for e in entries if e.due <= now)
        if not due:
            gr.Info(notice("错题还没有到复习时间，这一轮按错题所在的条款出新题。", "还没有到期的错题"))
        try:
            view = self.quiz.start_practice(user, scope=scope, n=min(MAX_QUESTIONS, max(10, 2 * due)))
        except StudyBotError as exc:
            gr.Warning(notice(str(exc), "未能开始"))
            return gr.skip()
        return (*self.screen(view, 0), gr.Tabs(selected="quiz-take"))

    def records(self, request: gr.Request):
        return round_rows(self.quiz.rounds(self.auth.require(request)))


def build_quiz_tab(ctx) -> None:
    cb = QuizCallbacks(ctx)
    # Styles and the keyboard/timer script, in the page's <head> once the tab is first shown.
    gr.HTML("", head=HEAD, js_on_load=None, elem_id="quiz-look", container=False, padding=False)
    round_id = gr.State(None)
    position = gr.State(0)
    with gr.Tabs(elem_id="quiz-tabs") as tabs:
        with gr.Tab("答题", id="quiz-take", elem_id="quiz-take"):
            with gr.Column(elem_id="quiz-setup") as setup:
                mode = gr.Radio(
                    [("练习", "practice"), ("测验", "test")], value="practice", label="方式", elem_id="quiz-mode"
                )
                with gr.Column(elem_id="quiz-practice-settings") as practice_box:
                    kind, values = scope_controls("quiz")
                    count = gr.Slider(1, MAX_ON_PAGE, value=10, step=1, label="题目数量", elem_id="quiz-count")
                test_pick = gr.Dropdown(label="本单位正在开放的测验", choices=[], visible=False, elem_id="quiz-test")
                start_btn = gr.Button("开始练习", variant="primary", elem_id="quiz-start")
                gr.Markdown(KEYS_HELP, elem_id="quiz-keys-help")
            with gr.Column(visible=False, elem_id="quiz-panel") as panel:
                head = gr.HTML(elem_id="quiz-head")
                question = gr.HTML(elem_id="quiz-question")
                options = gr.Radio(choices=[], label="选项", show_label=False, elem_id="quiz-options", visible=False)
                blank = gr.Textbox(label="填写答案", elem_id="quiz-blank", max_lines=1, visible=False)
                feedback = gr.HTML(elem_id="quiz-feedback")
                with gr.Row(elem_id="quiz-buttons"):
                    answer_btn = gr.Button("提交答案", variant="primary", elem_id="quiz-answer")
                    next_btn = gr.Button("下一题", elem_id="quiz-next")
                    finish_btn = gr.Button("交卷，查看成绩", variant="primary", elem_id="quiz-finish", visible=False)
                    submit_btn = gr.Button("提前交卷", elem_id="quiz-submit")
                with gr.Row(visible=False, elem_id="quiz-confirm") as confirm_row:
                    gr.Markdown("还有题目没有作答，确定现在交卷吗？未作答的题按答错计。")
                    confirm_btn = gr.Button("确认交卷", variant="stop", elem_id="quiz-confirm-btn")
                    cancel_btn = gr.Button("继续作答", elem_id="quiz-cancel")
                timeup_btn = gr.Button("时间到", visible="hidden", elem_id="quiz-timeup")
            with gr.Column(visible=False, elem_id="quiz-result-box") as result_box:
                result = gr.HTML(elem_id="quiz-result")
                again_btn = gr.Button("再来一轮", variant="primary", elem_id="quiz-again")
        with gr.Tab("错题本", id="quiz-notebook", elem_id="quiz-notebook-tab") as notebook_tab:
            notebook = gr.HTML(elem_id="quiz-notebook")
            mistakes_btn = gr.Button("练习错题", variant="primary", elem_id="notebook-practice", visible=False)
        with gr.Tab("练习记录", id="quiz-records", elem_id="quiz-records-tab") as records_tab:
            records = gr.Dataframe(headers=list(ROUND_HEADERS), interactive=False, wrap=True, elem_id="quiz-records")
        build_trainer_tabs(ctx)

    screen = [
        round_id,
        position,
        setup,
        panel,
        result_box,
        head,
        question,
        options,
        blank,
        feedback,
        answer_btn,
        next_btn,
        finish_btn,
        submit_btn,
        confirm_row,
        result,
    ]
    private = {"api_visibility": "private"}
    ctx.tab.select(cb.enter, [round_id, position], [*screen, test_pick], **private)
    wire_scope(ctx, kind, values)
    mode.change(cb.mode_changed, [mode], [practice_box, test_pick, start_btn], **private)
    start_btn.click(cb.start, [mode, kind, values, count, test_pick], screen, **private)
    answer_btn.click(cb.answer, [round_id, position, options, blank], screen, **private)
    next_btn.click(cb.next, [round_id, position], screen, **private)
    finish_btn.click(cb.finish, [round_id], screen, **private)
    submit_btn.click(lambda: gr.update(visible=True), None, [confirm_row], queue=False, **private)
    cancel_btn.click(lambda: gr.update(visible=False), None, [confirm_row], queue=False, **private)
    confirm_btn.click(cb.finish, [round_id], screen, **private)
    timeup_btn.click(cb.time_up, [round_id, position], screen, **private)
    again_btn.click(cb.again, None, screen, **private)
    notebook_tab.select(cb.notebook, None, [notebook, mistakes_btn], **private)
    mistakes_btn.click(cb.practice_mistakes, None, [*screen, tabs], **private)
    records_tab.select(cb.records, None, [records], **private)
