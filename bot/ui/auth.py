"""Who is calling, decided on the server for every event: the session cookie the browser sends
with each request (HttpOnly, so the page's scripts never see it), checked against the database."""

from __future__ import annotations

import gradio as gr

from ..accounts import User
from ..errors import BadText
from ..query import not_unicode
from ..web.sessions import WebSessions

SIGN_IN_AGAIN = "登录已过期或已在别处退出，请刷新页面重新登录。"
TRAINERS_ONLY = "只有培训管理员和系统管理员可以使用这项功能；如需权限请联系培训管理员。"


def notice(message: str, title: str = "") -> str:
    """A toast's text with its title in bold on top: Gradio's toasts show only their kind as a title."""
    return f"<strong>{title}</strong><br>{message}" if title else message


class Auth:
    def __init__(self, bot):
        self.accounts = bot.accounts

    def current(self, request: gr.Request | None) -> User | None:
        if request is None:
            return None
        user = self.accounts.session_user(WebSessions.token(dict(request.cookies or {})))
        return None if user is None or user.must_change_password else user

    def require(self, request: gr.Request | None) -> User:
        user = self.current(request)
        if user is None:
            raise gr.Error(notice(SIGN_IN_AGAIN, "需要重新登录"), print_exception=False)
        return user

    def require_trainer(self, request: gr.Request | None) -> User:
        user = self.require(request)
        if not user.is_trainer:
            raise gr.Error(notice(TRAINERS_ONLY, "没有权限"), print_exception=False)
        return user


def checked(text, what: str) -> str:
    """Text a browser sent, as str; a lone surrogate (not valid Unicode) stops here with a
    Chinese message instead of reaching the database or the response."""
    text = "" if text is None else str(text)
    if not_unicode(text):
        raise BadText(what)
    return text
