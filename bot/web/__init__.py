"""The web host: a FastAPI application with the sign-in pages, the /api/v1 API and the Gradio page.

`create_app(bot)` (bot/web/app.py) builds it; app.py serves it with uvicorn.
"""

from .app import create_app

__all__ = ["create_app"]
