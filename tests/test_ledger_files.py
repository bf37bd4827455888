"""登记卡 exports (XLSX read back with openpyxl, CSV with csv) and imports from other platforms
(XLSX, CSV, JSON rows): all or nothing, every bad row named, the same file twice adds nothing."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import func, select

from bot.db import ledger_records
from bot.errors import Forbidden, LedgerImportError
from bot.ledger import OPERATOR
from bot.ledger import imports as imports_module

UNIT = "广州市城管局"
HEADER = "执法证号,姓名,日期,培训内容,培训形式,学时,分钟,来源"


def count_records(env) -> int:
    with env.db.read() as conn:
        return conn.execute(select(func.count()).select_from(ledger_records)).scalar()


def write_csv(path, text: str, encoding: str = "utf-8-sig"):
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def fill_unit(env):
    """GD001 at 59.99 (not met), GD002 at 60.00 with a measured record and a reversal."""
    ledger = env.ledger
    ledger.add(OPERATOR, ["GD001", "GD002"], day="2025-03-01", content="执法规范化培训", hours="24")
    ledger.add(OPERATOR, ["GD001", "GD002"], day="2025-03-02", content="行政处罚法", hours="24")
    ledger.add(OPERATOR, ["GD001"], day="2025-03-03", content='=HYPERLINK("http://x")', hours="11.99")
    ledger.add(OPERATOR, ["GD002"], day="2025-03-03", content="案卷评查", minutes="540")  # 12.00
    [wrong] = ledger.add(OPERATOR, ["GD002"], day="2025-03-04", content="录错的", hours="5")
    ledger.correct(OPERATOR, wrong, "重复录入")


# --- exports ---


def test_xlsx_export_opens_with_the_right_totals(ledger_env, tmp_path):
    env = ledger_env
    fill_unit(env)
    path = tmp_path / "card.xlsx"
    path.write_bytes(env.ledger.export(env.people["GDT01"], UNIT, 2025, "xlsx"))
    book = openpyxl.load_workbook(path)

    summary = book["汇总"]
    rows = list(summary.iter_rows(values_only=True))
    header = rows[1]
    assert header[:9] == ("序号", "执法证号", "姓名", "单位", "年度累计", "目标学时", "是否达标", "尚差学时", "记录数")
    by_id = {r[1]: r for r in rows[2:]}
    assert set(by_id) == {"GD001", "GD002", "GDT01"}
    assert by_id["GD001"][4:8] == (59.99, 60, "否", 0.01)
    assert by_id["GD002"][4:8] == (60.0, 60, "是", 0.0)
    assert by_id["GDT01"][4:8] == (0.0, 60, "否", 60.0)
    assert summary["E3"].number_format == "0.00"

    card = book["张三 GD001"]
    assert [card.cell(r, 2).value for r in (2, 3, 4)] == ["张三", "GD001", UNIT]
    assert [c.value for c in card[6]][:5] == ["日期", "培训内容", "培训形式", "学时", "年度累计"]
    lines = [r for r in card.iter_rows(min_row=7, values_only=True)]
    assert [r[4] for r in lines] == [24.0, 48.0, 59.99, 59.99]  # 年度累计, then the 年度合计 row
    assert lines[0][0] == datetime(2025, 3, 1) and lines[-1][0] == "年度合计"
    assert lines[2][1] == '=HYPERLINK("http://x")' and card.cell(9, 2).data_type == "s"  # text, not a formula

    li = book["李四 GD002"]
    lines = [r for r in li.iter_rows(min_row=7, values_only=True)]
    assert [r[3] for r in lines[:-1]] == [24.0, 24.0, 12.0, 5.0, -5.0]
    assert lines[-1][4] == 60.0 and "是否达标：是" in lines[-1][7]
    assert "已由记录" in lines[3][7] and "重复录入" in lines[4][7]


def test_csv_export_has_the_same_numbers(ledger_env):
    env = ledger_env
    fill_unit(env)
    data = env.ledger.export(env.people["ADMIN"], UNIT, 2025, "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    totals = {r["执法证号"]: (r["学时"], r["是否达标"]) for r in rows if r["日期"] == "年度合计"}
    assert totals == {"GD001": ("59.99", "否"), "GD002": ("60.00", "是"), "GDT01": ("0.00", "否")}
    zhang = [r for r in rows if r["执法证号"] == "GD001" and r["日期"] != "年度合计"]
    assert [r["年度累计"] for r in zhang] == ["24.00", "48.00", "59.99"]
    assert zhang[2]["培训内容"].startswith("'=")  # would be a formula in Excel otherwise
    assert [r["学时"] for r in rows if r["执法证号"] == "GD002"][3:5] == ["5.00", "-5.00"]


def test_export_refuses_an_unknown_format(ledger_env):
    from bot.errors import InvalidRecord

    with pytest.raises(InvalidRecord, match="csv 或 xlsx"):
        ledger_env.ledger.export(OPERATOR, UNIT, 2025, "pdf")


# --- imports ---


GOOD_ROWS = (
    f"{HEADER}\n"
    "GD001,张三,2025-03-01,行政处罚法网络课程,线上,2,,广东省行政执法人员网络培训平台\n"
    "gd002,李四,2025/3/2,执法证据收集,线上,,90,广东省行政执法人员网络培训平台\n"
    ",,,,,,,\n"  # Excel's empty rows
    "GD001,张三,2025年3月3日,行政强制法,自学,1.5,,学习强国\n"
)


def test_import_csv_then_the_same_file_again_adds_nothing(ledger_env, tmp_path):
    env = ledger_env
    path = write_csv(tmp_path / "platform.csv", GOOD_ROWS)
    report = env.ledger.import_file(env.people["GDT01"], path)
    assert report.ok and (report.rows, report.added, report.already) == (3, 3, 0)
    assert "新增 3 条" in report.summary()
    card = env.ledger.officer_hours(env.people["GD001"], "GD001", 2025)
    assert card["year_total"] == 3.5
    assert {(r["source"], r["origin"], r["entered_by"]) for r in card["records"]} == {
        ("import", "广东省行政执法人员网络培训平台", "GDT01"),
        ("import", "学习强国", "GDT01"),
    }

    again = env.ledger.import_file(env.people["GDT01"], path)
    assert again.ok and (again.added, again.already) == (0, 3)
    assert "3 行此前已导入过" in again.summary()
    assert count_records(env) == 3

    # The same records spelled differently (full-width digits, spacing, a GBK file) are the same.
    respelled = GOOD_ROWS.replace("2025-03-01", "２０２５-０３-０１").replace(
        "行政处罚法网络课程", " 行政处罚法网络课程 "
    )
    third = env.ledger.import_file(env.people["ADMIN"], write_csv(tmp_path / "gbk.csv", respelled, "gbk"))
    assert (third.added, third.already) == (0, 3)


def test_a_file_with_one_bad_row_adds_nothing_and_names_the_row_and_column(ledger_env, tmp_path):
    env = ledger_env
    path = write_csv(tmp_path / "bad.csv", GOOD_ROWS + "GD002,李四,2025-13-01,行政复议法,线上,2,,某平台\n")
    report = env.ledger.import_file(env.people["GDT01"], path)
    assert not report.ok and report.added == 0
    [problem] = report.problems
    assert (problem.row, problem.column) == (6, "日期")
    assert "第 6 行「日期」列" in report.summary() and "没有导入任何记录" in report.summary()
    assert count_records(env) == 0


def test_every_bad_row_is_listed(ledger_env, tmp_path):
    env = ledger_env
    rows = [
        "NOBODY,某人,2025-03-01,课程,线上,1,,平台",  # 2: unknown officer
        "GD001,王五,2025-03-01,课程,线上,1,,平台",  # 3: name does not match the account
        "GD001,张三,2025-03-01,课程,线上,,,平台",  # 4: neither 学时 nor 分钟
        "GD001,张三,2025-03-01,课程,线上,1,45,平台",  # 5: both
        "GD001,张三,2099-01-01,,线上,0,,平台",  # 6: future date, no content, zero
        "SZ001,陈五,2025-03-01,课程,线上,1,,平台",  # 7: another unit's officer (for this trainer)
        "GD002,李四,2025-03-01,课程,线上,1.234,,",  # 8: three decimals, no 来源
        "GD002,李四,2025-03-05,课程,线上,2,,平台",  # 9: fine
        "GD002,李四,2025-03-05,课程,线上,2,,平台",  # 10: the same as row 9
        "GD001,张三,2025-03-06,上午,线下,20,,平台",  # 11: fine
        "GD001,张三,2025-03-06,下午,线下,10,,平台",  # 12: more than 24 hours that day
    ]
    report = env.ledger.import_file(
        env.people["GDT01"], write_csv(tmp_path / "bad.csv", HEADER + "\n" + "\n".join(rows))
    )
    found = [(p.row, p.column) for p in report.problems]
    assert found == [
        (2, "执法证号"),
        (3, "姓名"),
        (4, "学时"),
        (5, "分钟"),
        (6, "日期"),
        (6, "培训内容"),
        (6, "学时"),
        (7, "执法证号"),
        (8, "学时"),
        (8, "来源"),
        (10, "整行"),
        (12, "学时"),
    ]
    text = report.summary()
    assert "与执法证号 GD001 的账号姓名「张三」不一致" in text and "与第 9 行完全相同" in text
    assert "超过 24 小时" in text and "晚于今天" in text
    assert count_records(env) == 0


def test_import_xlsx_with_a_title_row_date_cells_and_numbers(ledger_env, tmp_path):
    env = ledger_env
    path = write_xlsx(
        tmp_path / "platform.xlsx",
        [
            ["2025 年网络学院学时导出"],
            [],
            ["序号", "执法证号", "姓名", "培训日期", "课程名称", "培训形式", "学时", "来源平台"],
            [1, "GD001", "张三", datetime(2025, 4, 1), "行政许可法", "线上", 2, "网络学院"],
            [2, "GD002", "李四", date(2025, 4, 2), "行政复议法", "线上", 1.1, "网络学院"],
            [3, 44010001, "某人", "2025-04-03", "执法文书", "线上", 0.5, "网络学院"],
        ],
    )
    report = env.ledger.import_file(env.people["ADMIN"], path)
    [problem] = report.problems
    assert (problem.row, problem.column) == (6, "执法证号") and "44010001" in problem.message
    assert count_records(env) == 0

    env.accounts.add_user("44010001", "某人", UNIT, "officer", "password-123")
    report = env.ledger.import_file(env.people["ADMIN"], path)
    assert report.ok and report.added == 3
    assert env.ledger.officer_hours(OPERATOR, "GD002", 2025)["year_total"] == 1.1
    assert env.ledger.import_file(env.people["ADMIN"], path).already == 3


def test_import_json_rows_for_the_sharing_api(ledger_env):
    env = ledger_env
    rows = [
        {
            "officer_id": "GD001",
            "name": "张三",
            "date": "2025-05-01",
            "content": "行政处罚法",
            "form": "线上",
            "minutes": 135,
            "origin": "省平台",
        }
    ]
    assert env.ledger.import_json(env.people["GDT01"], rows) == {
        "ok": True,
        "rows": 1,
        "added": 1,
        "already": 0,
        "problems": [],
    }
    assert env.ledger.import_json(env.people["GDT01"], rows)["already"] == 1
    bad = env.ledger.import_json(env.people["GDT01"], [dict(rows[0], date="2025-02-30")])
    assert bad["ok"] is False and bad["problems"][0]["row"] == 1 and bad["problems"][0]["column"] == "date"
    with pytest.raises(LedgerImportError, match="缺少列"):
        env.ledger.import_json(env.people["GDT01"], [{"officer_id": "GD001"}])
    with pytest.raises(Forbidden):
        env.ledger.import_json(env.people["GD001"], rows)
    assert env.ledger.officer_hours(env.people["GD001"], "GD001", 2025)["year_total"] == 3.0


@pytest.mark.parametrize(
    "content, encoding, message",
    [
        ("", "utf-8", "是空的"),
        ("执法证号,姓名,日期,培训内容,培训形式,学时\nGD001,张三,2025-03-01,课,线上,1\n", "utf-8", "缺少列：来源"),
        ("执法证号,姓名,日期,培训内容,培训形式,来源\nGD001,张三,2025-03-01,课,线上,x\n", "utf-8", "学时（或 分钟）"),
        (HEADER + "\n", "utf-8", "只有表头"),
        (GOOD_ROWS, "utf-16", "UTF-16"),
    ],
)
def test_unusable_files(ledger_env, tmp_path, content, encoding, message):
    with pytest.raises(LedgerImportError, match=message):
        ledger_env.ledger.import_file(OPERATOR, write_csv(tmp_path / "x.csv", content, encoding))


def test_size_and_row_limits(ledger_env, tmp_path, monkeypatch):
    env = ledger_env
    monkeypatch.setattr(imports_module, "MAX_IMPORT_ROWS", 2)
    with pytest.raises(LedgerImportError, match="超过 2 行"):
        env.ledger.import_file(OPERATOR, write_csv(tmp_path / "rows.csv", GOOD_ROWS))
    monkeypatch.setattr(imports_module, "MAX_IMPORT_BYTES", 100)
    with pytest.raises(LedgerImportError, match="MB"):
        env.ledger.import_file(OPERATOR, write_csv(tmp_path / "big.csv", GOOD_ROWS * 3))
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    with pytest.raises(LedgerImportError, match=r"\.xls"):
        env.ledger.import_file(OPERATOR, tmp_path / "old.xls")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(LedgerImportError, match="无法读取 Excel"):
        env.ledger.import_file(OPERATOR, tmp_path / "broken.xlsx")
    with pytest.raises(LedgerImportError, match="无法读取文件"):
        env.ledger.import_file(OPERATOR, tmp_path / "missing.csv")
    assert count_records(env) == 0
