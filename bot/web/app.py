"""The web application: FastAPI with the sign-in pages, /api/v1, and the Gradio page at `/`,
all behind the sign-in gate (bot/web/security.py)."""

from __future__ import annotations

import importlib.util
import sys

import anyio
from fastapi import FastAPI

from ..embed import cpu_count
from . import api, hours_api, pages
from .security import USER_KEY, SignInGate
from .sessions import WebSessions

# Routers under /api/v1 (other features add theirs here); the gate protects every one.
ROUTERS = (api.router, hours_api.router)
STATUS_EVERY_S = 5
# Answers computed at once (page and API each); the rest wait their turn. An extractive answer is
# CPU work, most of it holding the GIL: one thread per core (at least 2) kept the 20-officer page
# round at p95 0.76–0.85 s where 4 threads gave 0.90–1.08 s, their hand-offs costing ~5 ms of CPU
# per answer (eval/load_test.py). A configured LLM makes answers wait on the network instead.
LLM_ANSWER_THREADS = 8


def answer_threads(settings) -> int:
    if settings.llm_enabled:
        return LLM_ANSWER_THREADS
    return max(2, cpu_count())


def skip_absent_matplotlib() -> None:
    """Gradio wraps every event in `import matplotlib` (to switch its backend), twice. Where
    matplotlib is not installed each attempt searches the whole sys.path again: about a
    millisecond of the event loop per event, found with py-spy under load. Recording it as
    absent makes the failed import immediate; nothing changes where it is installed."""
    if "matplotlib" not in sys.modules and importlib.util.find_spec("matplotlib") is None:
        sys.modules["matplotlib"] = None


def create_app(bot) -> FastAPI:
    """The whole web app over one StudyBot; serve it with uvicorn (app.py does)."""
    import gradio as gr

    from ..ui import CSS, I18N, build_ui, rewrite_page

    settings = bot.settings
    app = FastAPI(title="执法学习助手", docs_url=None, redoc_url=None, openapi_url=api.API_PREFIX + "/openapi.json")
    app.state.bot = bot
    app.state.sessions = WebSessions(bot.accounts, settings)
    threads = answer_threads(settings)
    app.state.answer_limiter = anyio.CapacityLimiter(threads)
    app.include_router(pages.router)
    for router in ROUTERS:
        app.include_router(router)
    app.add_api_route(
        api.API_PREFIX + "/{rest:path}",
        api.no_such_route,
        include_in_schema=False,
        methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    )
    api.install_error_handlers(app)

    skip_absent_matplotlib()
    demo = build_ui(bot)
    # Queue positions are sent every few seconds rather than to every waiting officer each time
    # an answer starts (Gradio's "auto"), which costs the event loop one message per waiting
    # officer per answer.
    demo.queue(default_concurrency_limit=threads, status_update_rate=STATUS_EVERY_S)
    gr.mount_gradio_app(
        app,
        demo,
        path="/",
        server_name=settings.host,
        server_port=settings.port,
        # The gate has checked the session already; Gradio gets the user id it found.
        auth_dependency=lambda request: getattr(request.scope.get(USER_KEY), "id", None),
        max_file_size=int(settings.max_upload_mb * 1024 * 1024),
        show_error=False,
        footer_links=[],
        run_history=False,
        ssr_mode=False,
        pwa=False,
        mcp_server=False,
        enable_monitoring=False,
        i18n=I18N,
        css=CSS,
        theme=gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"]),
    )
    app.add_middleware(
        SignInGate,
        sessions=app.state.sessions,
        tokens=bot.tokens,
        upload_limit=int(settings.max_upload_mb * 1024 * 1024),
        rewrite_page=rewrite_page,
    )
    return app
