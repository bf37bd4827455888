"""练习: a placeholder until the quiz arrives (it replaces this module's body, same entry point)."""

from __future__ import annotations

import gradio as gr


def build_quiz_tab(ctx) -> None:
    gr.Markdown("### 练习\n即将推出：按条款出题、自测与错题回顾。")
