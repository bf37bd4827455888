"""The officers' web page (Gradio): layout, callbacks and sign-in glue over one StudyBot."""

from __future__ import annotations

import os

# Gradio otherwise contacts api.gradio.app and huggingface.co when it starts; the page is offline.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from .layout import CSS, JS, build_ui  # noqa: E402


def launch(demo, settings, **extra):
    """Serve the page on settings.host:settings.port, offline, nothing shared."""
    demo.queue(default_concurrency_limit=4)
    return demo.launch(server_name=settings.host, server_port=settings.port, share=False,
                       css=CSS, js=JS, footer_links=[], show_error=False, **extra)


__all__ = ["build_ui", "launch"]
