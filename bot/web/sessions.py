"""The browser's sign-in: an HttpOnly, SameSite=Lax cookie holding an AccountService session token.

The token is random; the server keeps only its SHA-256 (bot/accounts.py), so signing out or an
expiry ends the session on the server whatever the browser still holds.
"""

from __future__ import annotations

import time

from starlette.requests import cookie_parser
from starlette.responses import Response

from ..accounts import AccountService, User
from ..settings import Settings

COOKIE = "studybot_session"
# The gate in front of every request may reuse a check this many seconds old. Every action the
# page or the API takes checks the session again (fresh); this only spares the database the
# page's many small requests (assets, the queue's event stream) in between.
GATE_REUSE_S = 2.0
GATE_MEMORY = 10_000


class WebSessions:
    def __init__(self, accounts: AccountService, settings: Settings):
        self.accounts = accounts
        self.max_age = int(settings.session_hours * 3600)
        self.secure = settings.cookie_secure
        self._recent: dict[str, tuple[float, User]] = {}

    @staticmethod
    def token(cookies: dict[str, str] | None) -> str | None:
        return (cookies or {}).get(COOKIE) or None

    @staticmethod
    def token_from_header(cookie_header: str | None) -> str | None:
        return cookie_parser(cookie_header).get(COOKIE) or None if cookie_header else None

    def user(self, token: str | None) -> User | None:
        """The signed-in user for a token, checked against the database on every call."""
        return self.accounts.session_user(token)

    def recent_user(self, token: str | None) -> User | None:
        """The signed-in user, from a check at most GATE_REUSE_S old (for the gate only)."""
        if not token:
            return None
        now = time.monotonic()
        hit = self._recent.get(token)
        if hit is not None and now - hit[0] < GATE_REUSE_S:
            return hit[1]
        user = self.user(token)
        if len(self._recent) >= GATE_MEMORY:
            self._recent.clear()
        if user is None:
            self._recent.pop(token, None)
        else:
            self._recent[token] = (now, user)
        return user

    def start(self, response: Response, user: User) -> None:
        """A new server session for the user, its token set as the cookie on `response`."""
        token = self.accounts.create_session(user)
        response.set_cookie(
            COOKIE, token, max_age=self.max_age, path="/", httponly=True, samesite="lax", secure=self.secure
        )

    def end(self, token: str | None, response: Response | None = None) -> None:
        """End the session on the server (and, given a response, clear the browser's cookie)."""
        self.accounts.end_session(token)
        if token:
            self._recent.pop(token, None)
        if response is not None:
            self.forget(response, token)

    def forget(self, response: Response, token: str | None = None) -> None:
        if token:
            self._recent.pop(token, None)
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure)
