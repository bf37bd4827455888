"""Sign-in glue: the browser holds an AccountService session token in gr.State, checked on every call."""

from __future__ import annotations

import gradio as gr

from ..accounts import User
from ..errors import LoginRefused

SIGN_IN_AGAIN = "登录已过期或尚未登录，请重新登录。"
TRAINERS_ONLY = "只有培训管理员可以使用评测与反馈审阅功能；如需权限请联系培训管理员。"
MISSING_CREDENTIALS = "请输入执法证号（或工号）和密码。"


class Auth:
    """Who is calling, decided on the server from the session token, never from the page."""

    def __init__(self, bot):
        self.bot = bot

    def sign_in(self, user_id: str, password: str) -> tuple[User, str]:
        """The user and a new session token, or LoginRefused with the account service's message."""
        if not (user_id or "").strip() or not password:
            raise LoginRefused(MISSING_CREDENTIALS)
        accounts = self.bot.accounts
        user = accounts.authenticate(user_id, password)
        return user, accounts.create_session(user)

    def sign_out(self, token: str | None) -> None:
        self.bot.accounts.end_session(token)

    def current(self, token: str | None) -> User | None:
        return self.bot.accounts.session_user(token)

    def require(self, token: str | None) -> User:
        user = self.current(token)
        if user is None:
            raise gr.Error(SIGN_IN_AGAIN, title="需要重新登录", print_exception=False)
        return user

    def require_trainer(self, token: str | None) -> User:
        user = self.require(token)
        if not user.is_trainer:
            raise gr.Error(TRAINERS_ONLY, title="没有权限", print_exception=False)
        return user
