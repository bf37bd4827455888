"""/api/v1 学时 sharing over HTTP, against the served app: bearer tokens from `bot.tokens`, each
acting with its user's role and unit; 200 in scope, 403 out of it, 401 without a valid token,
422 naming every bad record, and a repeated import adding nothing."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from urllib.parse import quote

import httpx
import pytest

from bot.ledger.amounts import local_date
from tests.conftest import add_account

UNIT, OTHER = "清远市司法局", "茂名市司法局"
OFFICER = ("QY001", "黄执法", UNIT, "officer", "officer-pass-3")
COLLEAGUE = ("QY002", "吴执法", UNIT, "officer", "officer-pass-4")
TRAINER = ("QYT01", "郑教员", UNIT, "trainer", "trainer-pass-3")
ELSEWHERE = ("MM001", "冯执法", OTHER, "officer", "officer-pass-5")
ADMIN = ("QY-ADMIN", "省管理员", "广东省司法厅", "admin", "admin-pass-3")


@pytest.fixture(scope="module")
def api(web):
    for person in (OFFICER, COLLEAGUE, TRAINER, ELSEWHERE, ADMIN):
        add_account(web.bot, *person)
    tokens = {p[0]: web.bot.tokens.create(p[0], "共享互认测试")[1] for p in (OFFICER, TRAINER, ADMIN)}
    today = local_date(web.bot.clock())
    with httpx.Client(base_url=web.url, timeout=60) as client:
        yield client, tokens, today


def auth(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


def record(who=OFFICER, day: date | None = None, **changes) -> dict:
    row = {
        "执法证号": who[0],
        "姓名": who[1],
        "日期": (day or date.today()).isoformat(),
        "培训内容": "网络课程：行政许可法",
        "培训形式": "线上",
        "学时": 1.5,
        "来源": "广东省干部网络学院",
    }
    return {**row, **changes}


def test_a_trainer_shares_the_units_totals_and_an_import_is_added_once(api):
    client, tokens, today = api
    rows = [record(OFFICER, today), record(COLLEAGUE, today, 学时=None, 分钟=90)]
    rows[1].pop("学时")
    r = client.post("/api/v1/records", json={"records": rows}, headers=auth(tokens["QYT01"]))
    assert r.status_code == 200, r.text
    assert r.json() | {"message": ""} == {
        "ok": True,
        "rows": 2,
        "added": 2,
        "already": 0,
        "problems": [],
        "message": "",
    }
    again = client.post("/api/v1/records", json={"records": rows}, headers=auth(tokens["QYT01"])).json()
    assert (again["added"], again["already"]) == (0, 2) and "此前已导入过" in again["message"]

    r = client.get(f"/api/v1/units/{quote(UNIT)}/hours", params={"year": today.year}, headers=auth(tokens["QYT01"]))
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    data = r.json()
    assert (data["unit"], data["year"], data["target"]) == (UNIT, today.year, 60)
    officers = {o["officer"]["id"]: o for o in data["officers"]}
    assert set(officers) == {"QY001", "QY002", "QYT01"}
    assert officers["QY001"]["year_total"] == 1.5 and officers["QY002"]["year_total"] == 2.0
    assert officers["QY001"]["met"] is False and officers["QY001"]["remaining"] == 58.5
    line = officers["QY001"]["records"][0]
    assert (line["source"], line["source_name"], line["origin"], line["entered_by"]) == (
        "import",
        "外部平台导入",
        "广东省干部网络学院",
        "QYT01",
    )
    totals_only = client.get(
        f"/api/v1/units/{quote(UNIT)}/hours", params={"records": "false"}, headers=auth(tokens["QYT01"])
    ).json()
    assert "records" not in totals_only["officers"][0] and totals_only["year"] == today.year


def test_another_unit_is_403_and_no_token_is_401_never_data(api, web):
    client, tokens, today = api
    for path in (f"/api/v1/units/{quote(OTHER)}/hours", "/api/v1/officers/MM001/hours"):
        r = client.get(path, headers=auth(tokens["QYT01"]))
        assert r.status_code == 403 and set(r.json()) == {"error"}, r.text
        assert r.json()["error"]["type"] == "permission_error" and "权" in r.json()["error"]["message"]
    rows = [record(ELSEWHERE, today)]
    r = client.post("/api/v1/records", json={"records": rows}, headers=auth(tokens["QYT01"]))
    assert r.status_code == 422 and "不在您管理的单位" in r.json()["error"]["message"]

    revoked, secret = web.bot.tokens.create(TRAINER[0], "将撤销")
    web.bot.tokens.revoke(str(revoked.id))
    for headers in ({}, auth("sbk_not-a-token"), auth(secret), {"authorization": f"Basic {tokens['QYT01']}"}):
        for method, path in (
            ("GET", f"/api/v1/units/{quote(UNIT)}/hours"),
            ("GET", "/api/v1/officers/QY001/hours"),
            ("POST", "/api/v1/records"),
        ):
            r = client.request(method, path, headers=headers, json={"records": rows})
            assert r.status_code == 401 and set(r.json()) == {"error"}, (method, path, headers)
            assert r.json()["error"]["code"] == "invalid_api_key" and "令牌" in r.json()["error"]["message"]


def test_an_officer_reads_only_their_own_card_and_changes_nothing(api):
    client, tokens, today = api
    mine = client.get("/api/v1/officers/QY001/hours", params={"year": today.year}, headers=auth(tokens["QY001"]))
    assert mine.status_code == 200 and mine.json()["officer"] == {"id": "QY001", "name": "黄执法", "unit": UNIT}
    assert {"year_total", "target", "met", "remaining", "records"} <= set(mine.json())
    for path in ("/api/v1/officers/QY002/hours", "/api/v1/officers/NOBODY/hours", f"/api/v1/units/{quote(UNIT)}/hours"):
        r = client.get(path, headers=auth(tokens["QY001"]))
        assert r.status_code == 403 and set(r.json()) == {"error"}, path
    before = mine.json()["year_total"]
    r = client.post(
        "/api/v1/records",
        json={"records": [record(OFFICER, today, 学时=20, 培训内容="自己加的")]},
        headers=auth(tokens["QY001"]),
    )
    assert r.status_code == 403 and "培训管理员" in r.json()["error"]["message"]
    after = client.get("/api/v1/officers/QY001/hours", headers=auth(tokens["QY001"])).json()["year_total"]
    assert after == before


def test_bad_records_are_all_named_and_nothing_is_added(api, web):
    client, tokens, today = api
    rows = [
        {
            "officer_id": "QY001",
            "name": "黄执法",
            "date": today.isoformat(),
            "content": "英文字段名",
            "form": "线上",
            "hours": 1,
            "source": "其他平台",
        },  # good: English keys are read too
        record(OFFICER, today, 日期="2025-02-30"),
        record(COLLEAGUE, today, 姓名="别人"),
        {"执法证号": "QY001", "姓名": "黄执法", "培训内容": "缺日期和学时", "培训形式": "线上", "来源": "平台"},
        "不是对象",
        record(OFFICER, today, 学时=25),
    ]
    r = client.post("/api/v1/records", json={"records": rows}, headers=auth(tokens["QYT01"]))
    assert r.status_code == 422, r.text
    data = r.json()
    assert data["ok"] is False and data["added"] == 0 and data["error"]["code"] == "invalid_records"
    # A record missing fields is named with each of them; the others are checked once those are there.
    assert [(p["row"], p["column"]) for p in data["problems"]] == [(4, "日期"), (4, "学时"), (5, "整行")]
    assert "第 4 条记录「日期」" in data["error"]["message"]
    del rows[3:5]
    data = client.post("/api/v1/records", json={"records": rows}, headers=auth(tokens["QYT01"])).json()
    assert [(p["row"], p["column"]) for p in data["problems"]] == [(2, "日期"), (3, "姓名"), (4, "学时")]
    assert "不存在" in data["problems"][0]["message"] and "不一致" in data["problems"][1]["message"]
    total = web.bot.ledger.officer_hours(web.bot.accounts.get_user("QYT01"), "QY001")["year_total"]
    assert total == 1.5  # nothing of either request was added
    good = client.post("/api/v1/records", json={"records": rows[:1]}, headers=auth(tokens["QYT01"])).json()
    assert good["added"] == 1


@pytest.mark.parametrize(
    "body, status, message",
    [
        (b"{not json", 400, "不是有效的 UTF-8 JSON"),
        (b'{"rows": []}', 400, "records 列表"),
        ('[{"执法证号": "QY001"}]'.encode(), 400, "records 列表"),
        (b'{"records": []}', 422, "没有收到记录"),
    ],
)
def test_malformed_posts_get_chinese_errors(api, body, status, message):
    client, tokens, _ = api
    r = client.post(
        "/api/v1/records", content=body, headers={**auth(tokens["QYT01"]), "content-type": "application/json"}
    )
    assert r.status_code == status and message in r.json()["error"]["message"], r.text


def test_a_large_post_is_taken_from_trainers_up_to_the_upload_limit(api, web):
    client, tokens, today = api
    body = json.dumps({"records": [record(OFFICER, today, 培训内容="大请求", 学时=0.5)]}, ensure_ascii=False)
    padded = (body + " " * (2 * 1024 * 1024)).encode()  # over the 1 MB other requests may send
    headers = {**auth(tokens["QYT01"]), "content-type": "application/json"}
    assert client.post("/api/v1/records", content=padded, headers=headers).json()["added"] == 1
    limit = int(web.bot.settings.max_upload_mb * 1024 * 1024)
    r = client.post("/api/v1/records", content=b" " * (limit + 1), headers=headers)
    assert r.status_code == 413


def test_admin_reads_any_unit_and_learns_which_ids_do_not_exist(api):
    client, tokens, today = api
    assert client.get(f"/api/v1/units/{quote(OTHER)}/hours", headers=auth(tokens["QY-ADMIN"])).status_code == 200
    r = client.get("/api/v1/officers/NOBODY/hours", headers=auth(tokens["QY-ADMIN"]))
    assert r.status_code == 404 and "NOBODY" in r.json()["error"]["message"]
    r = client.get("/api/v1/units/没有这个单位/hours", headers=auth(tokens["QY-ADMIN"]))
    assert r.status_code == 400 and "没有任何账号" in r.json()["error"]["message"]
    for year in ("1999", "abc", str(today.year + 1)):
        r = client.get("/api/v1/officers/QY001/hours", params={"year": year}, headers=auth(tokens["QY-ADMIN"]))
        assert r.status_code == 400 and "年度" in r.json()["error"]["message"], year
    r = client.get(f"/api/v1/units/{quote(UNIT)}/hours", params={"records": "maybe"}, headers=auth(tokens["QY-ADMIN"]))
    assert r.status_code == 400


def test_the_readme_curl_commands_work(api, web, tmp_path):
    client, tokens, today = api
    unit = quote(UNIT)
    out = subprocess.run(
        [
            "curl",
            "-s",
            "-H",
            f"Authorization: Bearer {tokens['QYT01']}",
            f"{web.url}/api/v1/units/{unit}/hours?year={today.year}&records=false",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(out.stdout)["unit"] == UNIT
    body = json.dumps({"records": [record(COLLEAGUE, today, 培训内容="curl 提交", 学时=1)]}, ensure_ascii=False)
    out = subprocess.run(
        [
            "curl",
            "-s",
            "-X",
            "POST",
            "-H",
            f"Authorization: Bearer {tokens['QYT01']}",
            "-H",
            "Content-Type: application/json",
            "-d",
            body,
            f"{web.url}/api/v1/records",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(out.stdout)["added"] == 1
    sheet = tmp_path / "网络学院学时.xlsx"
    sheet.write_bytes(sheet_bytes([["QY002", "吴执法", today.isoformat(), "curl 上传", "线上", 1, "平台"]], "xlsx"))
    out = subprocess.run(
        [
            "curl",
            "-s",
            "-H",
            f"Authorization: Bearer {tokens['QYT01']}",
            "-F",
            f"file=@{sheet}",
            f"{web.url}/api/v1/records",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(out.stdout)["added"] == 1
    out = subprocess.run(
        [
            "curl",
            "-s",
            "-H",
            f"Authorization: Bearer {tokens['QY001']}",
            f"{web.url}/api/v1/officers/QY001/hours?year={today.year}",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(out.stdout)["officer"]["id"] == "QY001"
    listed = client.get("/api/v1/openapi.json", headers=auth(tokens["QYT01"])).json()["paths"]
    assert {"/api/v1/officers/{officer_id}/hours", "/api/v1/units/{unit}/hours", "/api/v1/records"} <= set(listed)


def sheet_bytes(rows: list[list], kind: str) -> bytes:
    header = ["执法证号", "姓名", "日期", "培训内容", "培训形式", "学时", "来源"]
    if kind == "csv":
        return ("\n".join(",".join(map(str, r)) for r in [header, *rows]) + "\n").encode("utf-8")
    import io

    from openpyxl import Workbook

    book = Workbook()
    for r in [header, *rows]:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_file_is_taken_as_an_upload_or_as_the_body_once_and_a_bad_row_is_named(api, web):
    client, tokens, today = api
    headers = auth(tokens["QYT01"])
    colleague = lambda: web.bot.ledger.officer_hours(web.bot.accounts.get_user("QYT01"), "QY002")["year_total"]  # noqa: E731
    before = colleague()
    rows = [["QY002", "吴执法", today.isoformat(), "文件导入：行政强制法", "线上", 2, "粤政易学习平台"]]
    xlsx = sheet_bytes(rows, "xlsx")
    r = client.post("/api/v1/records", files={"file": ("网络学院学时.xlsx", xlsx)}, headers=headers)
    assert r.status_code == 200 and (r.json()["added"], r.json()["already"]) == (1, 0), r.text
    # The same records again, as an upload and as a CSV body: nothing added, and said so.
    r = client.post("/api/v1/records", files={"file": ("网络学院学时.xlsx", xlsx)}, headers=headers)
    assert (r.json()["added"], r.json()["already"]) == (0, 1) and "1 行此前已导入过" in r.json()["message"]
    r = client.post(
        "/api/v1/records", content=sheet_bytes(rows, "csv"), headers={**headers, "content-type": "text/csv"}
    )
    assert r.status_code == 200 and r.json()["already"] == 1
    assert colleague() == before + 2

    bad = rows + [
        ["QY002", "吴执法", "2099-01-01", "未来的培训", "线上", 1, "平台"],
        ["QY002", "吴执法", today.isoformat(), "学时不是数字", "线上", "两个", "平台"],
        ["NOBODY", "无名", today.isoformat(), "没有这个人", "线上", 1, "平台"],
    ]
    r = client.post("/api/v1/records", files={"file": ("有错.xlsx", sheet_bytes(bad, "xlsx"))}, headers=headers)
    assert r.status_code == 422 and r.json()["added"] == 0, r.text
    assert [(p["row"], p["column"]) for p in r.json()["problems"]] == [(3, "日期"), (4, "学时"), (5, "执法证号")]
    message = r.json()["error"]["message"]
    assert "第 3 行「日期」列" in message and "晚于今天" in message and "第 4 行「学时」列" in message
    assert "没有导入任何记录" in message and colleague() == before + 2

    for upload, words in (
        ((("坏的.xlsx", xlsx[: len(xlsx) // 2])), "无法读取 Excel 文件 坏的.xlsx"),
        (("图片.csv", bytes(range(256)) * 8), "不是 XLSX 或 CSV 表格"),
        (("空的.csv", b""), "是空的"),
    ):
        r = client.post("/api/v1/records", files={"file": upload}, headers=headers)
        assert r.status_code == 422 and words in r.json()["error"]["message"], r.text
        assert set(r.json()) == {"error"}
    r = client.post("/api/v1/records", files={"other": ("x.csv", b"a")}, headers=headers)
    assert r.status_code == 400 and "表单字段 file" in r.json()["error"]["message"]
    r = client.post("/api/v1/records", content=b"--x\r\n", headers={**headers, "content-type": "multipart/form-data"})
    assert r.status_code == 400 and "表单格式不对" in r.json()["error"]["message"], r.text
    r = client.post(
        "/api/v1/records", files={"file": ("x.csv", sheet_bytes(rows, "csv"))}, headers=auth(tokens["QY001"])
    )
    assert r.status_code == 403
    assert colleague() == before + 2
