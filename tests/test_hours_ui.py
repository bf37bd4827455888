"""The 学时 tab's handlers without a browser: the user from the session cookie on every call, an
officer's own card only, the trainers' tools for their own unit (an admin's for any unit), and the
rendering of the card (floored totals, sources, corrections)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import gradio as gr
import pytest

from bot.ledger.amounts import local_date
from bot.service import StudyBot
from bot.testing import home_settings
from bot.ui import downloads
from bot.ui.auth import Auth
from bot.ui.tabs import TabContext
from bot.ui.tabs.hours import HoursCallbacks
from bot.ui.tabs.hours_trainer import TrainerHours

UNIT, OTHER = "韶关市城管局", "湛江市市场监管局"
PEOPLE = (
    ("SG001", "赵一", UNIT, "officer"),
    ("SG002", "钱二", UNIT, "officer"),
    ("SGT01", "孙培训", UNIT, "trainer"),
    ("ZJ001", "李三", OTHER, "officer"),
    ("ZJT01", "周培训", OTHER, "trainer"),
    ("ROOT", "系统管理员", "省司法厅", "admin"),
)


@pytest.fixture(scope="module")
def bot(tmp_path_factory):
    bot = StudyBot(home_settings(tmp_path_factory.mktemp("hours-ui")))  # no index: the ledger needs none
    for person in PEOPLE:
        bot.accounts.add_user(*person, "password-123", must_change=False)
    yield bot
    bot.close()


@pytest.fixture(scope="module")
def tabs(bot):
    ctx = TabContext(bot, Auth(bot), None, None)
    mine = HoursCallbacks(ctx)
    return SimpleNamespace(mine=mine, trainer=TrainerHours(ctx, mine))


def request(bot, user_id):
    return SimpleNamespace(cookies={"studybot_session": bot.accounts.create_session(bot.accounts.get_user(user_id))})


def today(bot) -> date:
    return local_date(bot.clock())


def text(html: str) -> str:
    """What a reader sees of an HTML fragment."""
    from bs4 import BeautifulSoup

    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def test_trainer_enters_one_training_for_two_officers_who_each_see_it(tabs, bot):
    trainer = request(bot, "SGT01")
    opened = tabs.trainer.open(trainer)
    assert opened[0]["value"] == UNIT and opened[0]["interactive"] is False  # a trainer's unit is fixed
    assert [c[1] for c in opened[4]["choices"]] == ["SG001", "SG002", "SGT01"]
    assert tabs.trainer.select_all(UNIT, trainer) == ["SG001", "SG002", "SGT01"]

    message, headline, table = tabs.trainer.enter(
        UNIT, today(bot).year, ["SG001", "SG002"], str(today(bot)), "行政处罚法专题培训", "线下", 2.5, trainer
    )
    assert "已为 2 人录入「行政处罚法专题培训」2.5 学时" in message
    rows = {row[0]: row for row in table}
    assert rows["SG001"][2:5] == ["2.50", 60, "否"] and rows["SG002"][5] == "57.50"
    assert "共 3 人，已达标 0 人" in headline

    for officer in ("SG001", "SG002"):
        year, total, progress, records, mine_group, trainer_part = tabs.mine.open(
            today(bot).year, request(bot, officer)
        )
        assert text(total) == "本年度累计 2.50 学时"
        assert "尚差 57.50 学时" in text(progress) and "未达标" in text(progress)
        assert 'aria-valuenow="2.50"' in progress and "width: 4.1%" in progress
        shown = text(records)
        assert "行政处罚法专题培训" in shown and "培训管理员录入" in shown and "孙培训（SGT01）" in shown
        assert mine_group["visible"] is True and trainer_part["visible"] is False
        assert tabs.trainer.open(request(bot, officer)) == gr.skip()  # no trainer tools, not even their data


def test_officers_get_nothing_of_the_trainer_tools(tabs, bot):
    officer = request(bot, "SG001")
    for call in (
        lambda: tabs.trainer.overview(UNIT, today(bot).year, officer),
        lambda: tabs.trainer.enter(UNIT, today(bot).year, ["SG001"], str(today(bot)), "自己加", "线下", 20, officer),
        lambda: tabs.trainer.card("SG002", today(bot).year, officer),
        lambda: next(tabs.trainer.xlsx(UNIT, today(bot).year, officer)),
    ):
        with pytest.raises(gr.Error, match="没有权限"):
            call()
    assert bot.ledger.officer_hours(bot.accounts.get_user("SG001"), "SG001")["year_total"] == 2.5


def test_a_trainer_cannot_reach_another_unit_whatever_the_page_sends(tabs, bot):
    trainer, year = request(bot, "SGT01"), today(bot).year
    headline, table, officers, card_officer = tabs.trainer.overview(OTHER, year, trainer)
    assert "没有管理单位「湛江市市场监管局」学时的权限" in headline and table == []
    message, _, _ = tabs.trainer.enter(UNIT, year, ["ZJ001"], str(today(bot)), "培训", "线下", 1, trainer)
    assert "无权操作执法证号 ZJ001" in message
    with pytest.raises(gr.Error, match="无权查看执法证号 ZJ001"):
        tabs.trainer.card("ZJ001", year, trainer)
    with pytest.raises(gr.Error, match="没有管理单位"):
        tabs.trainer.preview(OTHER, year, trainer)
    assert bot.ledger.officer_hours(bot.accounts.get_user("ZJT01"), "ZJ001")["records"] == []


def test_import_names_every_bad_row_then_adds_once(tabs, bot, tmp_path):
    trainer, year = request(bot, "SGT01"), today(bot).year
    day = date(year, 1, 1).isoformat()
    good = [
        ["SG001", "赵一", day, "网络课程：行政复议法", "线上", "", "90", "广东省干部网络学院"],
        ["SG002", "钱二", day, "网络课程：行政复议法", "线上", "1.5", "", "广东省干部网络学院"],
    ]
    bad = good + [
        ["SG002", "钱二", "2025-02-30", "课", "线上", "1", "", "平台"],
        ["ZJ001", "李三", day, "课", "线上", "1", "", "平台"],
    ]

    def sheet(rows) -> str:
        path = tmp_path / f"upload-{len(rows)}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f).writerows(
                [["执法证号", "姓名", "日期", "培训内容", "培训形式", "学时", "分钟", "来源"], *rows]
            )
        return str(path)

    path = sheet(bad)
    message, _, _, cleared = tabs.trainer.import_file(path, UNIT, year, trainer)
    assert "没有导入任何记录" in message and "第 4 行「日期」列" in message and "第 5 行「执法证号」列" in message
    assert cleared is None and not Path(path).exists()  # the upload is not kept
    path = sheet(good)
    message, _, table = tabs.trainer.import_file(path, UNIT, year, trainer)[:3]
    assert "新增 2 条学时记录" in message
    assert {row[0]: row[2] for row in table}["SG001"] == "4.50"  # 2.5 + 90 minutes (2.00)
    message = tabs.trainer.import_file(sheet(good), UNIT, year, trainer)[0]
    assert "新增 0 条" in message and "2 行此前已导入过，未重复计入" in message
    records = text(tabs.mine.mine(year, request(bot, "SG001"))[2])
    assert "外部平台导入：广东省干部网络学院" in records and "按时长 90 分钟折算" in records


def test_export_shows_the_card_then_offers_csv_and_xlsx(tabs, bot):
    trainer, year = request(bot, "SGT01"), today(bot).year
    note, table, csv_button, xlsx_button = tabs.trainer.preview(UNIT, year, trainer)
    assert f"{UNIT} {year} 年度登记卡" in note and xlsx_button["interactive"] is False
    assert table["headers"][0] == "执法证号" and any(row[3] == "年度合计" for row in table["value"])
    csv_path = Path(csv_button["value"])
    assert csv_path.name == f"{UNIT}-{year}-登记卡.csv" and csv_path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert downloads.export_root() in csv_path.parents  # served by Gradio from where it is, not copied

    steps = list(tabs.trainer.xlsx(UNIT, year, trainer))
    assert "正在生成" in steps[0][1]
    button, status = steps[-1]
    assert "XLSX 已生成" in status and button["interactive"] is True
    from openpyxl import load_workbook

    book = load_workbook(button["value"], read_only=True)
    summary = {row[1]: row[4] for row in book["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["SG001"] == 4.5 and summary["SG002"] == 4.0
    book.close()
    assert downloads.sweep(downloads.export_root(), keep=0) >= 2  # what a restart leaves is removed
    assert not csv_path.exists()


def test_correction_reverses_and_replaces_and_the_officer_sees_both(tabs, bot):
    trainer, year = request(bot, "SGT01"), today(bot).year
    rows = tabs.trainer.card("SG002", year, trainer)
    entered = next(row for row in rows if row[2] == "行政处罚法专题培训")
    message, card, _, table = tabs.trainer.correct(
        entered[0], "学时录错", "", "", "", 2.0, UNIT, year, "SG002", trainer
    )
    assert f"记录 {entered[0]} 已冲销" in message and "更正后的记录为" in message
    assert {row[0]: row[2] for row in table}["SG002"] == "3.50"
    assert [row[5] for row in card][-2:] == ["-2.50", "2.00"]
    shown = text(tabs.mine.mine(year, request(bot, "SG002"))[2])
    assert f"更正记录 {entered[0]}：学时录错" in shown and "已由记录" in shown
    again = tabs.trainer.correct(entered[0], "再改", "", "", "", None, UNIT, year, "SG002", trainer)[0]
    assert "已被记录" in again and "不能重复更正" in again
    assert "请填写要更正的记录号" in tabs.trainer.correct(None, "x", "", "", "", None, UNIT, year, "", trainer)[0]


def test_admin_chooses_any_unit_and_keeps_no_card(tabs, bot):
    admin = request(bot, "ROOT")
    year, total, _, _, mine_group, trainer_part = tabs.mine.open(today(bot).year, admin)
    assert total == gr.skip() and mine_group["visible"] is False and trainer_part["visible"] is True
    unit = tabs.trainer.open(admin)[0]
    assert unit["interactive"] is True and set(unit["choices"]) >= {UNIT, OTHER} and "省司法厅" not in unit["choices"]
    headline, table, officers, _ = tabs.trainer.overview(OTHER, today(bot).year, admin)
    assert [row[0] for row in table] == ["ZJ001", "ZJT01"] and [c[1] for c in officers["choices"]] == ["ZJ001", "ZJT01"]
    message = tabs.trainer.enter(OTHER, today(bot).year, ["ZJ001"], str(today(bot)), "专题讲座", "讲座", 1, admin)[0]
    assert "已为 1 人录入" in message


def test_totals_are_floored_and_open_study_is_shown_as_such(tabs, bot):
    year = today(bot).year
    bot.ledger.record_measured("SGT01", day=today(bot), content="练习", form="测验", source="practice", seconds=2699)
    bot.ledger.touch("SGT01", "question")
    _, total, progress, records, _, _ = tabs.mine.open(year, request(bot, "SGT01"))
    assert text(total) == "本年度累计 0.99 学时"  # 2,699 s is 0.9996 学时: never shown as 1.00
    assert "问答学习进行中：已计时 0 分钟" in text(progress) and "系统计时" in text(records)
    assert text(tabs.mine.mine(year - 1, request(bot, "SGT01"))[0]) == f"{year - 1} 年度累计 0.00 学时"


def test_the_page_reads_no_session_from_the_page_itself(tabs, bot):
    with pytest.raises(gr.Error, match="需要重新登录"):
        tabs.mine.mine(today(bot).year, SimpleNamespace(cookies={}))
    with pytest.raises(gr.Error, match="年度"):
        tabs.mine.mine("1999", request(bot, "SG001"))


def test_download_names_are_safe(tmp_path):
    assert downloads.safe_name('市场监管局/知识产权局 "A"') == "市场监管局_知识产权局_A"
    path = Path(downloads.write_export(b"x", "a.csv", root=tmp_path, keep=0.2))
    assert path.read_bytes() == b"x" and path.parent.parent == tmp_path
    import time

    time.sleep(0.6)
    assert not path.parent.exists()  # removed by its timer


def test_render_escapes_what_the_database_holds():
    from bot.ui.hours_render import csv_table

    header, rows, count = csv_table("\ufeff执法证号,姓名\r\nA,<b>\r\nB,x\r\n".encode(), 1)
    assert header == ["执法证号", "姓名"] and rows == [["A", "<b>"]] and count == 2
    from bot.ledger.cards import build_card

    officer = SimpleNamespace(id="X1", name="<script>", unit="U")
    row = SimpleNamespace(
        id=1,
        day=date(2025, 1, 2),
        content="<img src=x onerror=alert(1)>",
        form="线下",
        source="trainer",
        origin=None,
        hours_hundredths=100,
        seconds=None,
        entered_by=None,
        entered_at=None,
        reverses=None,
        reason=None,
    )
    from bot.ui.hours_render import records_html

    html = records_html(build_card(officer, [row], 2025, 60, True), {})
    assert "<img" not in html and "&lt;img" in html and "服务器操作员" in html


def test_bad_entries_and_broken_files_get_a_chinese_message_and_change_nothing(tabs, bot, tmp_path):
    trainer, year, day = request(bot, "SGT01"), today(bot).year, str(today(bot))
    before = bot.ledger.unit_hours(bot.accounts.get_user("SGT01"), UNIT, year)

    def enter(officers, when, hours):
        return tabs.trainer.enter(UNIT, year, officers, when, "专题培训", "线下", hours, trainer)[0]

    assert "无权操作执法证号 NOBODY" in enter(["SG001", "NOBODY"], day, 1)  # typed in: checked, all or none
    assert "晚于今天" in enter(["SG001"], "2099-01-01", 1)
    assert "格式不对" in enter(["SG001"], "下周一", 1)
    assert "必须大于 0" in enter(["SG001"], day, -1)
    assert "最多保留两位小数" in enter(["SG001"], day, 1.255)
    assert "不可能" in enter(["SG001"], day, 1e9)
    assert "请填写学时" in enter(["SG001"], day, None)
    assert "请先在“参训人员”中选择" in enter([], day, 1)

    good = tmp_path / "good.xlsx"
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["执法证号", "姓名", "日期", "培训内容", "培训形式", "学时", "来源"])
    book.active.append(["SG001", "赵一", day, "课程", "线上", 1, "平台"])
    book.save(good)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[:300])
    picture = tmp_path / "picture.csv"
    picture.write_bytes(bytes(range(256)) * 4)
    for path, words in (
        (broken, "无法读取 Excel 文件 broken.xlsx"),
        (picture, "不是 XLSX 或 CSV 表格"),
        (None, "请先选择"),
    ):
        message = tabs.trainer.import_file(str(path) if path else None, UNIT, year, trainer)[0]
        assert "warn-msg" in message and words in message, message
    assert bot.ledger.unit_hours(bot.accounts.get_user("SGT01"), UNIT, year) == before
