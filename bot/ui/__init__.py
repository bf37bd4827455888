"""The officers' web page (Gradio), mounted in the web host (bot/web): header, tabs, rendering."""

from __future__ import annotations

import os

# Gradio otherwise contacts api.gradio.app and huggingface.co when it starts; the page is offline.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# After every event Gradio's queue rebuilds a pandas table of up to 10,000 past events for its
# /monitoring dashboard (which this app does not serve): 10 ms per answer on a fresh server, 33 ms
# once 10,000 events are kept (measured). Summarise rarely and keep few.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000000000")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "200")

from .look import CSS, I18N, rewrite_page  # noqa: E402
from .page import build_ui  # noqa: E402

__all__ = ["CSS", "I18N", "build_ui", "rewrite_page"]
