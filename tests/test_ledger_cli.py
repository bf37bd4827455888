"""`studybot hours …`: the names, flags, JSON fields and exit codes external scripts rely on."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
UNIT = "广州市城管局"


@pytest.fixture
def cli(db_url, monkeypatch, capsys):
    """Run `studybot …` in this process against a fresh database with two officers and a trainer."""
    monkeypatch.setenv("STUDYBOT_DB_URL", db_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    for uid, name, role in (("GD001", "张三", "officer"), ("GD002", "李四", "officer"), ("GDT01", "王培训", "trainer")):
        assert (
            run(
                "users",
                "add",
                "--id",
                uid,
                "--name",
                name,
                "--unit",
                UNIT,
                "--role",
                role,
                "--password",
                "password-123",
            )[0]
            == 0
        )
    return run


def records(cli, officer="GD001") -> list[dict]:
    code, out, _ = cli("hours", "show", officer, "--year", "2025", "--json")
    assert code == 0
    return json.loads(out)["records"]


def test_add_and_show_json(cli):
    code, out, _ = cli(
        "hours",
        "add",
        "--officer",
        "GD001",
        "--hours",
        "2",
        "--date",
        "2025-03-01",
        "--content",
        "行政处罚法专题培训",
        "--form",
        "线下",
    )
    assert code == 0 and "已录入 1 条" in out and "2.00 / 60" in out
    assert (
        cli(
            "hours", "add", "--officer", "GD001", "--minutes", "90", "--date", "2025-03-02", "--content", "执法案卷评查"
        )[0]
        == 0
    )
    code, out, _ = cli("hours", "show", "GD001", "--year", "2025", "--json")
    data = json.loads(out)
    assert {"officer", "year", "year_total", "target", "records"} <= set(data)
    assert (data["officer"]["id"], data["year"], data["year_total"], data["target"], data["met"]) == (
        "GD001",
        2025,
        4.0,
        60,
        False,
    )
    assert [(r["date"], r["hours"], r["form"], r["source"]) for r in data["records"]] == [
        ("2025-03-01", 2.0, "线下", "trainer"),
        ("2025-03-02", 2.0, "线下", "trainer"),
    ]
    code, out, _ = cli("hours", "show", "GD001", "--year", "2025")
    assert code == 0 and "张三（GD001，广州市城管局）" in out and "尚差 56.00 学时" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--officer", "NOBODY", "--hours", "2", "--date", "2025-03-01"], "找不到账号"),
        (["--officer", "GD001", "--hours", "2", "--date", "2025-3-32"], "不存在"),
        (["--officer", "GD001", "--hours", "2", "--date", "yesterday"], "格式不对"),
        (["--officer", "GD001", "--hours", "2", "--date", "2099-01-01"], "晚于今天"),
        (["--officer", "GD001", "--hours", "0", "--date", "2025-03-01"], "必须大于 0"),
        (["--officer", "GD001", "--hours", "-3", "--date", "2025-03-01"], "必须大于 0"),
        (["--officer", "GD001", "--minutes", "-30", "--date", "2025-03-01"], "必须大于 0"),
        (["--officer", "GD001", "--hours", "25", "--date", "2025-03-01"], "24 学时"),
        (["--officer", "GD001", "--minutes", "1500", "--date", "2025-03-01"], "1440 分钟"),
    ],
)
def test_refusals_are_chinese_nonzero_and_write_nothing(cli, args, message):
    code, out, err = cli("hours", "add", *args, "--content", "培训")
    assert code != 0 and message in err and err.startswith("错误：") and "Traceback" not in err
    assert records(cli) == []


def test_a_day_over_24_hours_is_refused(cli):
    assert cli("hours", "add", "--officer", "GD001", "--hours", "20", "--date", "2025-03-01", "--content", "a")[0] == 0
    code, _, err = cli(
        "hours", "add", "--officer", "GD001", "--minutes", "300", "--date", "2025-03-01", "--content", "b"
    )
    assert code == 1 and "超过 24 小时" in err
    assert len(records(cli)) == 1


def test_bulk_correct_and_roles(cli, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("GD001\nGD002\n", encoding="utf-8")
    code, out, _ = cli(
        "hours",
        "bulk",
        "--officers-file",
        str(names),
        "--hours",
        "3",
        "--date",
        "2025-03-05",
        "--content",
        "执法规范化培训",
        "--by",
        "GDT01",
    )
    assert code == 0 and "已录入 2 条" in out
    [record] = records(cli, "GD002")
    assert record["entered_by"] == "GDT01"

    code, out, _ = cli("hours", "correct", str(record["id"]), "--reason", "李四当天请假", "--hours", "1.5")
    assert code == 0 and "冲销记录" in out
    assert [r["hours"] for r in records(cli, "GD002")] == [3.0, -3.0, 1.5]
    code, _, err = cli("hours", "correct", str(record["id"]), "--reason", "again")
    assert code == 1 and "不能重复更正" in err

    # An officer acting through --by is held to an officer's rights.
    code, _, err = cli(
        "hours",
        "add",
        "--officer",
        "GD001",
        "--hours",
        "5",
        "--date",
        "2025-03-06",
        "--content",
        "自己加",
        "--by",
        "GD001",
    )
    assert code == 1 and "只有培训管理员" in err
    code, _, err = cli("hours", "show", "GD002", "--by", "GD001")
    assert code == 1 and "无权查看" in err


def test_import_twice_and_a_bad_file(cli, tmp_path):
    path = tmp_path / "platform.csv"
    path.write_text(
        "执法证号,姓名,日期,培训内容,培训形式,学时,来源\nGD001,张三,2025-04-01,行政许可法,线上,2,网络学院\n",
        encoding="utf-8",
    )
    code, out, _ = cli("hours", "import", str(path))
    assert code == 0 and "新增 1 条" in out
    code, out, _ = cli("hours", "import", str(path))
    assert code == 0 and "新增 0 条" in out and "1 行此前已导入过" in out
    path.write_text(
        path.read_text(encoding="utf-8") + "GD002,李四,2025-04-31,行政许可法,线上,2,网络学院\n", encoding="utf-8"
    )
    code, out, _ = cli("hours", "import", str(path))
    assert code == 1 and "第 3 行「日期」列" in out
    assert records(cli, "GD002") == []


def test_summary_and_export_files(cli, tmp_path):
    cli("hours", "bulk", "--officers", "GD001,GD002", "--hours", "24", "--date", "2025-03-05", "--content", "a")
    cli("hours", "bulk", "--officers", "GD001,GD002", "--hours", "24", "--date", "2025-03-06", "--content", "b")
    cli("hours", "add", "--officer", "GD001", "--hours", "12", "--date", "2025-03-07", "--content", "c")
    code, out, _ = cli("hours", "summary", "--unit", UNIT, "--year", "2025", "--json")
    data = json.loads(out)
    assert {o["officer"]["id"]: (o["year_total"], o["met"]) for o in data["officers"]} == {
        "GD001": (60.0, True),
        "GD002": (48.0, False),
        "GDT01": (0.0, False),
    }

    xlsx = tmp_path / "登记卡.xlsx"
    assert cli("hours", "export", "--unit", UNIT, "--year", "2025", "--format", "xlsx", "--out", str(xlsx))[0] == 0
    summary = openpyxl.load_workbook(xlsx)["汇总"]
    assert {r[1]: r[4] for r in summary.iter_rows(min_row=3, values_only=True)} == {
        "GD001": 60.0,
        "GD002": 48.0,
        "GDT01": 0.0,
    }
    csv_file = tmp_path / "登记卡.csv"
    assert cli("hours", "export", "--unit", UNIT, "--year", "2025", "--out", str(csv_file))[0] == 0
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8-sig"))))
    assert {r["执法证号"]: r["学时"] for r in rows if r["日期"] == "年度合计"} == {
        "GD001": "60.00",
        "GD002": "48.00",
        "GDT01": "0.00",
    }

    code, _, err = cli("hours", "export", "--unit", "别的局", "--year", "2025", "--format", "csv")
    assert code == 1 and "没有任何账号" in err


def test_export_to_standard_output_as_a_separate_process(cli, db_url):
    cli("hours", "add", "--officer", "GD001", "--hours", "2", "--date", "2025-03-01", "--content", "培训")
    env = dict(os.environ, STUDYBOT_DB_URL=db_url, PYTHONPATH=str(ROOT))
    run = subprocess.run(
        [sys.executable, "-m", "bot", "hours", "export", "--unit", UNIT, "--year", "2025", "--format", "csv"],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    assert run.returncode == 0
    rows = list(csv.reader(io.StringIO(run.stdout.decode("utf-8-sig"))))
    assert rows[0][:8] == ["执法证号", "姓名", "单位", "日期", "培训内容", "培训形式", "学时", "年度累计"]
    assert rows[1][:8] == ["GD001", "张三", UNIT, "2025-03-01", "培训", "线下", "2.00", "2.00"]
    xlsx = subprocess.run(
        [sys.executable, "-m", "bot", "hours", "export", "--unit", UNIT, "--year", "2025", "--format", "xlsx"],
        cwd=ROOT,
        env=env,
        capture_output=True,
    )
    assert xlsx.returncode == 0 and xlsx.stdout.startswith(b"PK")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.stdout))
    assert book["汇总"]["E3"].value == 2.0
