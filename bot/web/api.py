"""/api/v1: the assistant for other clients, in the shape of OpenAI's chat completions API.

The gate (bot/web/security.py) has already checked the bearer token (or the page's session) and
left the user in the scope; every route here reads it with `api_user`. Errors are JSON in the
OpenAI shape, with Chinese messages. Routes of other features go beside these, under /api/v1/.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from ..accounts import User
from ..errors import StudyBotError
from ..query import not_unicode
from .security import API_PREFIX, USER_KEY, error_body

router = APIRouter(prefix=API_PREFIX)
MODEL = "studybot"
NOT_FOUND = (
    "没有这个接口：可用 POST /api/v1/chat/completions、GET /api/v1/models、"
    "GET /api/v1/officers/{执法证号}/hours、GET /api/v1/units/{单位}/hours 和 POST /api/v1/records。"
)
STREAM_PIECE = 24  # characters per streamed chunk


class ApiError(Exception):
    def __init__(self, status: int, message: str, type_: str = "invalid_request_error", code: str = "bad_request"):
        self.status, self.message, self.type, self.code = status, message, type_, code


def api_user(request: Request) -> User:
    """The user the token (or session) acts as; set by the gate for every /api/v1 request."""
    user = request.scope.get(USER_KEY)
    if user is None:  # only if the gate was left out: refuse rather than serve
        raise ApiError(401, "需要 API 令牌。", "invalid_request_error", "invalid_api_key")
    return user


class Message(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") in ("text", "input_text"))
        return self.content or ""


class ChatRequest(BaseModel):
    """Extra OpenAI fields (temperature, max_tokens, …) are accepted and ignored: answers are quotes."""

    model_config = ConfigDict(extra="allow")
    model: str | None = None
    messages: list[Message]
    stream: bool = False


def question_and_previous(messages: list[Message]) -> tuple[str, str | None]:
    """The last user message is the question; the user message before it is read for a follow-up."""
    asked = [m.text() for m in messages if m.role == "user"]
    if not asked:
        raise ApiError(
            400, "messages 中没有 role 为 user 的消息：请把问题作为最后一条 user 消息发送。", code="no_user_message"
        )
    if any(not_unicode(t) for t in asked[-2:]):
        raise ApiError(400, "问题中有无法识别的字符（不是有效的 Unicode 文字），请检查后重新发送。", code="bad_text")
    return asked[-1], (asked[-2] if len(asked) > 1 else None)


def message_text(answer) -> str:
    """The answer as one message: conclusion, answer, then the cited clauses with their quotes."""
    parts = []
    conclusion = getattr(answer, "conclusion", "")
    if conclusion:
        parts.append(f"结论：{conclusion}")
    parts.append(answer.answer)
    parts += [f"（提示：{n}）" for n in answer.notices]
    if answer.citations:
        lines = ["最接近的条款（仅供参考，并不回答这个问题）：" if answer.refused else "引用："]
        for n, c in enumerate(answer.citations, start=1):
            quote = f"：“{c.quote}”" if c.quote and not answer.refused else ""
            lines.append(f"[{n}] 《{c.doc_title}》{c.label}「{c.title}」{quote}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


async def answer(request: Request, question: str, previous: str | None):
    bot = request.app.state.bot
    limiter = request.app.state.answer_limiter
    try:
        return await anyio.to_thread.run_sync(lambda: bot.ask(question, previous=previous), limiter=limiter)
    except StudyBotError as exc:
        raise ApiError(400, str(exc), code="bad_question") from None


@router.get("/models")
async def models(request: Request):
    api_user(request)
    return {"object": "list", "data": [{"id": MODEL, "object": "model", "created": 0, "owned_by": "studybot"}]}


@router.post("/chat/completions")
async def chat_completions(request: Request, body: ChatRequest):
    api_user(request)
    question, previous = question_and_previous(body.messages)
    result = await answer(request, question, previous)
    text = message_text(result)
    citations = [c.to_json() for c in result.citations]
    ident, created, model = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time()), body.model or MODEL
    usage = {"prompt_tokens": len(question), "completion_tokens": len(text), "total_tokens": len(question) + len(text)}
    if not body.stream:
        return JSONResponse(
            {
                "id": ident,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": usage,
                "citations": citations,
                "refused": result.refused,
            }
        )

    def chunk(delta: dict, finish: str | None = None, **extra) -> str:
        data = {
            "id": ident,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    async def events():
        yield chunk({"role": "assistant", "content": ""})
        for start in range(0, len(text), STREAM_PIECE):
            yield chunk({"content": text[start : start + STREAM_PIECE]})
        yield chunk({}, "stop", citations=citations, refused=result.refused, usage=usage)
        yield "data: [DONE]\n\n"

    return StreamingResponse(events(), media_type="text/event-stream", headers={"cache-control": "no-store"})


async def no_such_route(request: Request, rest: str = ""):
    """Anything else under /api/v1 (added after every router, or the Gradio page at / would answer)."""
    raise ApiError(404, NOT_FOUND, code="not_found")


def install_error_handlers(app) -> None:
    """Errors under /api/v1 as OpenAI-shaped JSON in Chinese; elsewhere FastAPI's own."""

    def api_path(request: Request) -> bool:
        return request.url.path.startswith(API_PREFIX)

    def respond(status: int, message: str, type_: str, code: str) -> JSONResponse:
        return JSONResponse(json.loads(error_body(message, type_, code)), status_code=status)

    @app.exception_handler(ApiError)
    async def on_api_error(request: Request, exc: ApiError):
        return respond(exc.status, exc.message, exc.type, exc.code)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError):
        where = "、".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "请求体" for e in exc.errors()[:3])
        return respond(
            400,
            f"请求格式不对（{where}）：应为 JSON，如 "
            '{"model": "studybot", "messages": [{"role": "user", "content": "问题"}]}',
            "invalid_request_error",
            "invalid_request",
        )

    from fastapi.exception_handlers import http_exception_handler

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException):
        if not api_path(request):
            return await http_exception_handler(request, exc)
        messages = {404: NOT_FOUND, 405: "这个接口不支持该请求方法。"}
        return respond(
            exc.status_code,
            messages.get(exc.status_code, str(exc.detail)),
            "invalid_request_error",
            "not_found" if exc.status_code == 404 else "bad_request",
        )
