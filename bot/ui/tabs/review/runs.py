"""准确率变化 and 对比两次评测: accuracy over time from the stored evaluation runs and the review
marks (Gradio's own line plot, bundled with the page), running an evaluation from the page with
its report to download, and the questions a later run got wrong that an earlier one got right."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from ....cli.evaluate import default_set
from ....errors import StudyBotError
from ....evaluation.report import render
from ....evaluation.runner import evaluate
from ....goldset import KINDS
from ...downloads import write_export
from .view import (
    PLOT_COLUMNS,
    RUN_HEADERS,
    WORSE_HEADERS,
    accuracy_frame,
    ok,
    run_label,
    run_rows,
    warn,
    worse_rows,
)

RUNS_SHOWN = 200


def report_folder(bot) -> Path:
    """Where the page keeps the reports of the runs it started, beside the database."""
    return Path(bot.settings.data_dir) / "reports"


class RunCallbacks:
    def __init__(self, ctx):
        self.bot, self.auth = ctx.bot, ctx.auth

    def _overview(self):
        """-> plot, runs table."""
        runs = self.bot.evaluations.runs(limit=RUNS_SHOWN)
        return accuracy_frame(runs, self.bot.review.accuracy_by_day()), run_rows(runs)

    def overview(self, request: gr.Request):
        self.auth.require_trainer(request)
        return self._overview()

    def choices(self, request: gr.Request):
        """-> earlier-run picker, later-run picker (the latest two runs picked)."""
        self.auth.require_trainer(request)
        runs = self.bot.evaluations.runs(limit=RUNS_SHOWN)
        choices = [(run_label(r), r.id) for r in runs]
        before = runs[1].id if len(runs) > 1 else None
        after = runs[0].id if runs else None
        return gr.update(choices=choices, value=before), gr.update(choices=choices, value=after)

    def run(self, request: gr.Request, progress=gr.Progress()):  # noqa: B008 - how Gradio finds the bar
        """The reported gold set and the trainers' promoted questions through the assistant as it
        answers now. -> report file, message, plot, runs table."""
        user = self.auth.require_trainer(request)
        progress(0, desc="正在准备评测……")
        try:
            set_path = default_set(self.bot)
            run = evaluate(
                self.bot,
                set_path,
                ("fusion",),
                progress=lambda done, total: progress((done, total), desc="正在评测", unit="题"),
            )
        except StudyBotError as exc:
            return (None, warn(f"评测没有完成：{exc}"), *self._overview())
        run_id = self.bot.evaluations.save(run, created_by=user.id)
        folder = report_folder(self.bot)
        folder.mkdir(parents=True, exist_ok=True)
        report = folder / f"eval-{Path(set_path).stem}-{run_id}.html"
        report.write_text(render(run), encoding="utf-8")
        # Offered where Gradio serves files from, in a random folder removed after 10 minutes (the
        # data folder stays private; the report stays there too).
        offered = write_export(report.read_bytes(), report.name)
        m = run.results["fusion"]["metrics"]
        message = (
            f"评测 #{run_id} 完成：{set_path.name}，{m['n']} 题；检索命中@1 {m['hit@1']:.3f}，"
            f"答案要点正确率 {m['answer_key_accuracy']:.3f}，失败 {len(run.results['fusion']['failures'])} 题。"
            "报告可在下面下载。"
        )
        return (offered, ok(message), *self._overview())

    def compare(self, before, after, request: gr.Request):
        """-> table of questions that got worse, message."""
        self.auth.require_trainer(request)
        if before in (None, "") or after in (None, ""):
            return [], warn("请先选出要对比的两次评测（至少要有两次评测记录）。")
        try:
            worse = self.bot.evaluations.got_worse(int(before), int(after))
        except (ValueError, TypeError):
            return [], warn("评测编号无效，请刷新后重新选择。")
        except StudyBotError as exc:
            return [], warn(str(exc))
        if not worse:
            return [], ok(f"评测 #{after} 与 #{before} 相比，没有变差的题目。")
        return (
            worse_rows(worse, KINDS),
            warn(f"评测 #{after} 与 #{before} 相比，有 {len(worse)} 道题从答对变成了答错（按题号对比）。"),
        )


def build_accuracy(ctx, tab) -> None:
    cb = RunCallbacks(ctx)
    gr.Markdown(
        "融合检索（默认）在历次评测中的检索命中@1、答案要点正确率、拒答召回率，"
        "以及每天审阅的回答中被判为正确的比例。一项指标有两次以上记录才连成线；"
        "把鼠标移到图上可看数值，每次评测的数值也列在下表。"
    )
    # No fixed height: with one, the legend below the chart is cut off.
    plot = gr.LinePlot(
        x=PLOT_COLUMNS[0],
        y=PLOT_COLUMNS[2],
        color=PLOT_COLUMNS[1],
        y_lim=[0, 1],
        x_title="时间（北京时间）",
        y_title="比例",
        color_title="指标",
        label="准确率变化",
        x_axis_format="%m-%d %H:%M",
        elem_id="accuracy-plot",
    )
    table = gr.Dataframe(
        headers=list(RUN_HEADERS), label="评测记录", elem_id="runs-table", interactive=False, wrap=True, max_height=300
    )
    with gr.Row(equal_height=True):
        run_btn = gr.Button("运行评测（约半分钟到一分钟）", elem_id="run-eval", variant="primary", scale=2)
        refresh = gr.Button("刷新", elem_id="runs-refresh", size="sm", scale=0, min_width=70)
    message = gr.HTML(elem_id="run-msg")
    report = gr.File(label="评测报告（HTML，可离线打开）", elem_id="run-report", interactive=False)
    shown = [plot, table]
    tab.select(cb.overview, None, shown, api_visibility="private")
    refresh.click(cb.overview, None, shown, api_name="eval_overview")
    # One evaluation at a time: it keeps both cores busy for half a minute or more.
    run_btn.click(
        cb.run, None, [report, message, *shown], api_name="eval_run", concurrency_limit=1, concurrency_id="eval-run"
    )


def build_compare(ctx, tab) -> None:
    cb = RunCallbacks(ctx)
    gr.Markdown("选两次评测，列出在前一次答对、后一次答错的题目（按题号对比，两次用的题集最好相同）。")
    with gr.Row():
        before = gr.Dropdown(label="前一次评测", choices=[], elem_id="compare-before")
        after = gr.Dropdown(label="后一次评测", choices=[], elem_id="compare-after")
    go = gr.Button("对比", elem_id="compare-btn", variant="primary")
    message = gr.HTML(elem_id="compare-msg")
    table = gr.Dataframe(
        headers=list(WORSE_HEADERS),
        label="变差的题目",
        elem_id="worse-table",
        interactive=False,
        wrap=True,
        max_height=420,
    )
    tab.select(cb.choices, None, [before, after], api_visibility="private")
    go.click(cb.compare, [before, after], [table, message], api_name="eval_compare")
