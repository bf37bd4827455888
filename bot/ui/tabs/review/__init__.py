"""评测 (trainers): review real answers and teach the assistant (queue.py), the taught wordings
(aliases.py), accuracy over time and two runs compared (runs.py). Every handler checks on the
server that the signed-in user is a trainer; officers never see the tab."""

from __future__ import annotations

import gradio as gr

from .aliases import AliasCallbacks, build_aliases
from .queue import ReviewCallbacks, build_queue
from .runs import RunCallbacks, build_accuracy, build_compare

__all__ = ["AliasCallbacks", "ReviewCallbacks", "RunCallbacks", "build_review_tab"]


def build_review_tab(ctx) -> None:
    with gr.Tabs(elem_id="review-tabs"):
        with gr.Tab("审阅回答", id="review-queue", elem_id="review-queue"):
            build_queue(ctx, ctx.tab)
        with gr.Tab("已教学的问法", id="review-aliases", elem_id="review-aliases") as tab:
            build_aliases(ctx, tab)
        with gr.Tab("准确率变化", id="review-accuracy", elem_id="review-accuracy") as tab:
            build_accuracy(ctx, tab)
        with gr.Tab("对比两次评测", id="review-compare", elem_id="review-compare") as tab:
            build_compare(ctx, tab)
