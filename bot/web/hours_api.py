"""/api/v1 for 学时 sharing (共享互认): other platforms read officers' and units' hours and post records.

The same bearer tokens as the chat API (`studybot tokens create`); each request acts as the
token's user, with that user's role and unit, checked by LedgerService on every call: an officer
reads only their own card, a trainer their unit's, an admin every unit's. Out of scope is 403 with
a JSON error and never data; the gate answers 401 before any route here runs.

- GET  /api/v1/officers/{id}/hours?year=Y  one officer's total, target, 是否达标 (met), records
- GET  /api/v1/units/{unit}/hours?year=Y   every officer of the unit (`records=false`: totals only)
- POST /api/v1/records                     records from another platform, all or none, as either
    JSON `{"records": [{...}, ...]}` (keys as the file headers, Chinese or English), or
    an XLSX/CSV file: multipart/form-data with the file in the field `file` (curl -F file=@x.xlsx),
    or the file itself as the body with Content-Type text/csv or the XLSX type.
  The page's import checks and idempotency: 200 with added/already, or 422 naming every bad row
  (JSON: the n-th record and its key; a file: its row and column, as in the page).

The routes are plain functions, so FastAPI runs them in its thread pool: the database reads and
the JSON of a large unit never hold up the event loop the page shares.
"""

from __future__ import annotations

import json
import unicodedata

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from ..errors import Forbidden, InvalidRecord, LedgerImportError, UnknownRecord, UnknownUser
from ..ledger.imports import COLUMNS, REQUIRED, WHOLE_ROW, ImportReport, RowProblem, in_file_order, rows_from_json
from .api import ApiError, api_user
from .security import API_PREFIX, error_body

router = APIRouter(prefix=API_PREFIX)
RECORDS_PATH = API_PREFIX + "/records"
RECORDS_EXAMPLE = (
    '{"records": [{"执法证号": "GD001", "姓名": "张三", "日期": "2025-03-01", '
    '"培训内容": "行政处罚法专题培训", "培训形式": "线上", "学时": 2, "来源": "广东省干部网络学院"}]}'
)
TRAINERS_ONLY = "只有培训管理员和系统管理员可以提交学时记录；请使用本单位培训管理员账号创建的令牌。"


def _json(data, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"cache-control": "no-store"})


def _ledger_call(call):
    """Run a ledger read for the API, its refusals as JSON errors in Chinese."""
    try:
        return call()
    except Forbidden as exc:
        raise ApiError(403, str(exc), "permission_error", "forbidden") from None
    except (UnknownUser, UnknownRecord) as exc:  # only an admin learns that an id does not exist
        raise ApiError(404, str(exc), "invalid_request_error", "not_found") from None
    except InvalidRecord as exc:  # a year out of range, a unit with no accounts
        raise ApiError(400, str(exc), "invalid_request_error", "bad_request") from None


def _records_flag(value: str | None) -> bool:
    text = (value or "true").strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ApiError(400, f"records={value!r} 无效：应为 true 或 false", code="bad_request")


@router.get("/officers/{officer_id}/hours")
def officer_hours(request: Request, officer_id: str, year: str | None = None):
    """One officer's card for the year: yourself, or an officer of a unit you manage."""
    user = api_user(request)
    ledger = request.app.state.bot.ledger
    return _json(_ledger_call(lambda: ledger.officer_hours(user, officer_id, year)))


# `{unit:path}`: a unit name may hold a slash (“市场监管局/知识产权局”), sent as %2F.
@router.get("/units/{unit:path}/hours")
def unit_hours(request: Request, unit: str, year: str | None = None, records: str | None = None):
    """Every officer of a unit: total, target, met, remaining, and (unless records=false) records."""
    user = api_user(request)
    ledger = request.app.state.bot.ledger
    with_records = _records_flag(records)
    return _json(_ledger_call(lambda: ledger.unit_hours(user, unit, year, records=with_records)))


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_TYPES = (
    "text/csv",
    "application/csv",
    "text/plain",
    XLSX_TYPE,
    "application/vnd.ms-excel",
    "application/octet-stream",
)
BODY_FILE_NAME = "提交的表格"
RECORDS_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"example": json.loads(RECORDS_EXAMPLE)},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "XLSX 或 CSV，表头同页面导入"}
                    },
                }
            },
            "text/csv": {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    },
}


@router.post("/records", openapi_extra=RECORDS_DOC)
async def post_records(request: Request):
    """Records from another platform, all or none: 200 with added/already, or 422 naming every bad
    row. JSON {"records": [...]}, a multipart upload in the field `file`, or an XLSX/CSV body."""
    user = api_user(request)
    if not user.is_trainer:  # refused before the body is even read
        raise ApiError(403, TRAINERS_ONLY, "permission_error", "forbidden")
    ledger = request.app.state.bot.ledger
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        data, name = await _uploaded(request)
        return await run_in_threadpool(_import_file, ledger, user, data, name)
    body = await request.body()
    if kind in FILE_TYPES:
        return await run_in_threadpool(_import_file, ledger, user, body, BODY_FILE_NAME)
    return await run_in_threadpool(_import, ledger, user, body)


async def _uploaded(request: Request) -> tuple[bytes, str]:
    """The file of a multipart upload (field `file`) and its name."""
    try:
        form = await request.form(max_files=1, max_fields=10)
    except (MultiPartException, HTTPException):  # starlette's reason is English: not shown
        raise ApiError(
            400,
            "上传的表单格式不对，无法读取：请用 curl -F file=@学时记录.xlsx 这样的方式上传一个文件",
            code="invalid_upload",
        ) from None
    try:
        upload = form.get("file")
        if not isinstance(upload, StarletteUploadFile):
            raise ApiError(
                400,
                "没有收到文件：请把 XLSX 或 CSV 文件放在表单字段 file 中上传"
                '（curl -F file=@学时记录.xlsx），或改为提交 JSON {"records": [...]}',
                code="no_file",
            )
        return await upload.read(), upload.filename or BODY_FILE_NAME
    finally:
        await form.close()


def _import_file(ledger, user, data: bytes, name: str) -> JSONResponse:
    try:
        report = ledger.import_upload(user, data, name)
    except LedgerImportError as exc:  # not a table, a missing column, too large
        raise ApiError(422, str(exc), code="invalid_file") from None
    except Forbidden as exc:
        raise ApiError(403, str(exc), "permission_error", "forbidden") from None
    if not report.ok:
        return _refused(report, report.summary())
    return _json({**report.to_json(), "message": report.summary()})


def _import(ledger, user, body: bytes) -> JSONResponse:
    items = _records_from(body)
    missing = _missing_fields(items)
    if missing:
        report = ImportReport(len(items), 0, 0, in_file_order(missing))
        return _refused(report, _records_message(report))
    try:
        report = ledger.import_rows(user, rows_from_json(items))
    except LedgerImportError as exc:  # no records at all, or more than one request may hold
        raise ApiError(422, str(exc), code="invalid_records") from None
    except Forbidden as exc:
        raise ApiError(403, str(exc), "permission_error", "forbidden") from None
    if not report.ok:
        return _refused(report, _records_message(report))
    return _json({**report.to_json(), "message": report.summary()})


def _records_from(body: bytes) -> list:
    try:
        parsed = json.loads(body.decode("utf-8-sig")) if body else None
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, f"请求内容不是有效的 UTF-8 JSON：应为 {RECORDS_EXAMPLE}", code="invalid_json") from None
    if not isinstance(parsed, dict) or not isinstance(parsed.get("records"), list):
        raise ApiError(400, f"请求应为含 records 列表的 JSON 对象，如 {RECORDS_EXAMPLE}", code="invalid_request")
    return parsed["records"]


def _missing_fields(items: list) -> list[RowProblem]:
    """Every record that is not an object or lacks a field, one problem per missing field (the
    ledger's own reader stops at the first such record; an API client wants them all at once)."""
    spelled = {alias.lower(): field for field, aliases in COLUMNS.items() for alias in aliases}
    problems = []
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(RowProblem(n, WHOLE_ROW, '不是 JSON 对象：每条记录应为 {"执法证号": …, "日期": …} 的形式'))
            continue
        fields = {spelled.get(unicodedata.normalize("NFKC", str(key)).strip().lower()) for key in item}
        wanted = [f for f in REQUIRED if f not in fields]
        if "hours" not in fields and "minutes" not in fields:
            wanted.append("hours")
        for field in wanted:
            name, english = COLUMNS[field][0], COLUMNS[field][-1]
            either = "（或 分钟 / minutes）" if field == "hours" else ""
            problems.append(RowProblem(n, name, f"缺少这一项：请填写「{name}」{either}（英文字段名 {english}）"))
    return problems


def _records_message(report: ImportReport) -> str:
    """Like the file import's summary, with JSON's words: the n-th record, its key."""
    lines = [
        f"提交的 {report.rows} 条记录中有 {len(report.problems)} 处问题，本次没有导入任何记录。"
        "请修改以下各处后重新提交全部记录（已导入过的记录不会重复计入）："
    ]
    for p in report.problems:
        where = "整条记录" if p.column == WHOLE_ROW else f"「{p.column}」"
        lines.append(f"  第 {p.row} 条记录{where}：{p.message}")
    return "\n".join(lines)


def _refused(report: ImportReport, message: str) -> JSONResponse:
    error = json.loads(error_body(message, "invalid_request_error", "invalid_records"))
    return _json({**report.to_json(), **error}, 422)
