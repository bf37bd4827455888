"""Plain HTML pages outside Gradio: sign in, sign out, change the password. Chinese, no scripts,
nothing loaded from anywhere (the style is inline)."""

from __future__ import annotations

import html

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..accounts import MIN_PASSWORD
from ..errors import InvalidAccount, LoginFailed, LoginRefused
from ..query import not_unicode
from .security import USER_KEY, local_path

router = APIRouter()

STYLE = """
*{box-sizing:border-box}body{margin:0;font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;
background:#f3f4f6;color:#1f2937}main{max-width:380px;margin:8vh auto;padding:28px 24px;background:#fff;
border-radius:10px;box-shadow:0 1px 6px rgba(0,0,0,.08)}h1{font-size:1.35rem;margin:0 0 4px}
p.lead{color:#6b7280;margin:0 0 20px;font-size:.92rem}label{display:block;margin:14px 0 4px;font-weight:600}
input{width:100%;padding:10px 12px;font-size:1rem;border:1px solid #d1d5db;border-radius:6px}
button{margin-top:20px;width:100%;padding:11px;font-size:1rem;border:0;border-radius:6px;background:#c2410c;
color:#fff;cursor:pointer}.msg{margin:12px 0 0;padding:10px 12px;border-radius:6px;font-size:.92rem}
.msg.error{background:#fef2f2;color:#991b1b}.msg.ok{background:#ecfdf5;color:#065f46}
a{color:#c2410c}.foot{margin-top:18px;font-size:.85rem;color:#6b7280}
@media (max-width:480px){main{margin:0;min-height:100vh;border-radius:0;box-shadow:none}}
"""

MISSING = "请输入执法证号（或工号）和密码。"
SIGNED_OUT = "已退出登录。"
CHANGED = "密码已修改，请用新密码登录。"
MUST_CHANGE = "这是您的初始密码，首次登录须先修改为只有您自己知道的密码。"


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    doc = (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · 执法学习助手</title><style>{STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return HTMLResponse(doc, status_code=status, headers={"cache-control": "no-store"})


def message(text: str, kind: str = "error") -> str:
    if not text:
        return ""
    role = "alert" if kind == "error" else "status"
    return f'<p class="msg {kind}" role="{role}" id="page-msg">{html.escape(text)}</p>'


def login_page(note: str = "", kind: str = "error", user_id: str = "", next_path: str = "/", status: int = 200):
    return page(
        "登录",
        f"""
<h1>执法学习助手</h1><p class="lead">依据广东省行政执法政策文本作答，每个回答注明出处条款。</p>
<form method="post" action="/login">
<input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="user_id">执法证号/工号</label>
<input id="user_id" name="user_id" autocomplete="username" value="{html.escape(user_id)}" required autofocus>
<label for="password">密码</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="login-btn">登录</button></form>{message(note, kind)}
<p class="foot">忘记密码请联系本单位培训管理员重置。</p>""",
        status,
    )


def password_page(user, note: str = "", kind: str = "error", status: int = 200):
    forced = message(MUST_CHANGE, "ok") if user.must_change_password and not note else ""
    back = "" if user.must_change_password else '<p class="foot"><a href="/">返回问答</a></p>'
    return page(
        "修改密码",
        f"""
<h1>修改密码</h1><p class="lead">{html.escape(user.name)}（{html.escape(user.id)}）</p>{forced}
<form method="post" action="/password">
<label for="current">当前密码</label>
<input id="current" name="current" type="password" autocomplete="current-password" required>
<label for="new">新密码（至少 {MIN_PASSWORD} 个字符）</label>
<input id="new" name="new" type="password" autocomplete="new-password" required>
<label for="repeat">再次输入新密码</label>
<input id="repeat" name="repeat" type="password" autocomplete="new-password" required>
<button type="submit" id="change-btn">修改密码</button></form>{message(note, kind)}{back}""",
        status,
    )


def client_source(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def form_fields(request: Request, *names: str) -> dict[str, str]:
    form = await request.form()
    return {n: str(form.get(n) or "") for n in names}


@router.get("/login", include_in_schema=False)
async def show_login(request: Request, next: str = "/", bye: str = "", changed: str = "", expired: str = ""):
    note, kind = "", "ok"
    if bye:
        note = SIGNED_OUT
    elif changed:
        note = CHANGED
    elif expired:
        note, kind = "登录已过期，请重新登录。", "error"
    return login_page(note, kind, next_path=local_path(next))


@router.post("/login", include_in_schema=False)
async def do_login(request: Request):
    bot = request.app.state.bot
    fields = await form_fields(request, "user_id", "password", "next")
    next_path = local_path(fields["next"])
    if not fields["user_id"].strip() or not fields["password"]:
        return login_page(MISSING, user_id=fields["user_id"], next_path=next_path, status=400)
    try:
        user = await run_in_threadpool(
            bot.accounts.authenticate, fields["user_id"], fields["password"], source=client_source(request)
        )
    except LoginRefused as exc:
        return login_page(str(exc), user_id=fields["user_id"], next_path=next_path, status=401)
    sessions = request.app.state.sessions
    response = RedirectResponse("/password" if user.must_change_password else next_path, status_code=303)
    # A new token on every sign-in; a session this browser still held ends here.
    await run_in_threadpool(sessions.end, sessions.token(request.cookies))
    await run_in_threadpool(sessions.start, response, user)
    return response


@router.post("/logout", include_in_schema=False)
async def do_logout(request: Request):
    sessions = request.app.state.sessions
    response = RedirectResponse("/login?bye=1", status_code=303)
    await run_in_threadpool(sessions.end, sessions.token(request.cookies), response)
    return response


@router.get("/password", include_in_schema=False)
async def show_password(request: Request):
    return password_page(request.scope[USER_KEY])


@router.post("/password", include_in_schema=False)
async def change_password(request: Request):
    """Everyone changes their own password here; the current one is checked (and throttled) first.
    Every session of the account ends, this one included: the officer signs in with the new one."""
    bot, sessions = request.app.state.bot, request.app.state.sessions
    user = request.scope[USER_KEY]
    fields = await form_fields(request, "current", "new", "repeat")
    if any(not_unicode(v) for v in fields.values()):
        return password_page(user, "密码中有无法识别的字符，请重新输入。", status=400)
    if fields["new"] != fields["repeat"]:
        return password_page(user, "两次输入的新密码不一致，请重新输入。", status=400)
    if fields["new"] == fields["current"]:
        return password_page(user, "新密码不能与当前密码相同。", status=400)
    try:
        await run_in_threadpool(bot.accounts.authenticate, user.id, fields["current"], source=client_source(request))
    except LoginFailed:
        return password_page(user, "当前密码不正确，请重新输入（连续输错 5 次将暂时锁定）。", status=401)
    except LoginRefused as exc:  # locked after repeated failures
        return password_page(user, str(exc), status=401)
    try:
        await run_in_threadpool(bot.accounts.set_password, user.id, fields["new"], False)
    except InvalidAccount as exc:
        return password_page(user, str(exc), status=400)
    response = RedirectResponse("/login?changed=1", status_code=303)
    sessions.forget(response, sessions.token(request.cookies))
    return response
