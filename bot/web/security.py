"""The gate in front of everything: sign-in, roles for uploads, request sizes, same-origin writes.

One pure ASGI middleware, so it also covers Gradio's internal routes (uploads, file serving, the
queue) that no FastAPI dependency can reach:

- Public: the sign-in page only (`/login`, and `/favicon.ico`). Everything else needs a valid
  server session from the cookie; `/api/v1/*` takes a bearer token or that session.
- Without one: a browser asking for a page is sent to `/login?next=…`; anything else gets 401
  JSON in the OpenAI error shape (the page's script turns that into a redirect).
- A user who must change their password reaches only `/password` and `/logout`.
- Uploads (`/gradio_api/upload`, the trainers' account import) need a trainer or admin and at
  most STUDYBOT_MAX_UPLOAD_MB, as do 学时 records posted to /api/v1/records; every other request
  body at most 1 MB, with a Content-Length.
- CSRF: the cookie is SameSite=Lax, and a write (POST/PUT/PATCH/DELETE) whose Origin names
  another site, or whose Sec-Fetch-Site says cross-site, is refused with 403.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from starlette.datastructures import Headers

from .sessions import WebSessions

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC_PATHS = frozenset({"/login", "/favicon.ico"})
API_PREFIX = "/api/v1"
UPLOAD_PATH = "/gradio_api/upload"
# Bodies that may be as large as an upload: the 学时 records other platforms post (trainers only,
# refused by the route before the body is read otherwise).
LARGE_BODY_PATHS = frozenset({UPLOAD_PATH, API_PREFIX + "/records"})
ALWAYS_ALLOWED = frozenset({"/password", "/logout"})  # even while a password change is due
BODY_LIMIT = 1024 * 1024
USER_KEY = "studybot.user"  # where the gate leaves the signed-in user in the ASGI scope

SIGNED_OUT = "尚未登录或登录已过期，请重新登录。"
BAD_TOKEN = "API 令牌缺失、无效或已撤销：请在请求头中提供 Authorization: Bearer <令牌>（令牌由培训管理员用 studybot tokens create 创建）。"
CHANGE_FIRST = "请先修改初始密码（打开 /password），再继续使用。"
TRAINERS_ONLY = "只有培训管理员和系统管理员可以上传文件。"
CROSS_SITE = "请求来源与本站不一致，已拒绝（防止跨站请求伪造）。请直接在本站页面中操作。"


def error_body(message: str, type_: str, code: str) -> bytes:
    """The OpenAI error shape, used for every JSON error of this server."""
    return json.dumps({"error": {"message": message, "type": type_, "code": code}}, ensure_ascii=False).encode("utf-8")


async def _send_json(send, status: int, body: bytes, extra: list | None = None) -> None:
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


async def _redirect(send, location: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode("latin-1")),
                (b"content-length", b"0"),
                (b"cache-control", b"no-store"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def wants_page(method: str, headers: Headers) -> bool:
    return method in ("GET", "HEAD") and "text/html" in headers.get("accept", "")


def cross_site(headers: Headers) -> bool:
    if headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = headers.get("origin")
    if origin is None:
        return False  # not a browser, or a same-origin request an old browser sent without one
    return urlsplit(origin).netloc != headers.get("host", "")


def local_path(target: str | None, default: str = "/") -> str:
    """`target` if it is a path on this site (never //elsewhere or a full URL), else `default`."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


class SignInGate:
    def __init__(
        self,
        app,
        *,
        sessions: WebSessions,
        tokens,
        upload_limit: int,
        rewrite_page: Callable[[bytes], bytes] | None = None,
        page_paths=("/",),
    ):
        self.app = app
        self.sessions = sessions
        self.tokens = tokens
        self.upload_limit = upload_limit
        self.rewrite_page = rewrite_page
        self.page_paths = frozenset(page_paths)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        path = scope["path"]
        headers = Headers(scope=scope)
        method = scope.get("method", "GET")
        if scope["type"] == "http":
            refused = self._refuse_request(method, path, headers)
            if refused is not None:
                return await _send_json(send, *refused)
        if path in PUBLIC_PATHS:
            return await self.app(scope, receive, send)

        api = path == API_PREFIX or path.startswith(API_PREFIX + "/")
        cookie_token = self.sessions.token_from_header(headers.get("cookie"))
        user = None
        if api and headers.get("authorization"):
            scheme, _, secret = headers["authorization"].partition(" ")
            user = self.tokens.user_for(secret.strip()) if scheme.lower() == "bearer" else None
        elif cookie_token:
            user = self.sessions.recent_user(cookie_token)
        if user is None:
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            if not api and wants_page(method, headers):
                query = scope.get("query_string", b"").decode("latin-1")
                target = path + ("?" + query if query else "")
                return await _redirect(send, "/login" + ("" if target == "/" else "?next=" + quote(target, safe="")))
            if api:
                return await _send_json(
                    send,
                    401,
                    error_body(BAD_TOKEN, "invalid_request_error", "invalid_api_key"),
                    [(b"www-authenticate", b"Bearer")],
                )
            return await _send_json(send, 401, error_body(SIGNED_OUT, "authentication_error", "signed_out"))
        if user.must_change_password and path not in ALWAYS_ALLOWED:
            if not api and wants_page(method, headers):
                return await _redirect(send, "/password")
            return await _send_json(send, 403, error_body(CHANGE_FIRST, "permission_error", "password_change_required"))
        if path == UPLOAD_PATH and not user.is_trainer:
            return await _send_json(send, 403, error_body(TRAINERS_ONLY, "permission_error", "not_allowed"))

        scope[USER_KEY] = user
        if self.rewrite_page is not None and method == "GET" and path in self.page_paths:
            return await self._rewritten(scope, receive, send)
        await self.app(scope, receive, send)

    def _refuse_request(self, method: str, path: str, headers: Headers) -> tuple[int, bytes] | None:
        if method in SAFE_METHODS:
            return None
        if cross_site(headers):
            return 403, error_body(CROSS_SITE, "permission_error", "cross_site")
        limit = self.upload_limit if path in LARGE_BODY_PATHS else BODY_LIMIT
        length = headers.get("content-length")
        if length is None:
            if "chunked" in headers.get("transfer-encoding", "").lower():
                return 411, error_body(
                    "请求缺少 Content-Length，请使用浏览器或常规 HTTP 客户端发送。",
                    "invalid_request_error",
                    "length_required",
                )
            return None
        if not length.isdigit():
            return 400, error_body("Content-Length 无效。", "invalid_request_error", "bad_length")
        if int(length) > limit:
            what = (
                f"上传的文件太大：上限为 {limit / 1024 / 1024:g} MB（STUDYBOT_MAX_UPLOAD_MB），请拆分后分批导入。"
                if path in LARGE_BODY_PATHS
                else f"请求内容太大：上限为 {limit // 1024} KB。"
            )
            return 413, error_body(what, "invalid_request_error", "too_large")
        return None

    async def _rewritten(self, scope, receive, send):
        """Pass the page through `rewrite_page` (uncompressed: the request's Accept-Encoding is dropped)."""
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]}
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            if any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers):
                body = self.rewrite_page(body)
            await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
