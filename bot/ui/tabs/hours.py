"""学时: a placeholder until the study-hours ledger arrives (same entry point, its routes under /api/v1/)."""

from __future__ import annotations

import gradio as gr


def build_hours_tab(ctx) -> None:
    gr.Markdown("### 学时\n即将推出：学习学时记录与导出。")
