"""The officers' web page (Gradio), mounted in the web host (bot/web): header, tabs, rendering."""

from __future__ import annotations

import os

# Gradio otherwise contacts api.gradio.app and huggingface.co when it starts; the page is offline.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from .look import CSS, I18N, rewrite_page  # noqa: E402
from .page import build_ui  # noqa: E402

__all__ = ["CSS", "I18N", "build_ui", "rewrite_page"]
