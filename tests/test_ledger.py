"""The 学时 ledger's service: arithmetic, measured time, trainer entries, corrections and roles,
on a real SQLite file and a real PostgreSQL database (the `db_url` fixture), with a hand clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select

from bot.db import ledger_records, metadata, study_sessions
from bot.errors import Forbidden, InvalidRecord, UnknownRecord, UnknownUser
from bot.ledger import OPERATOR, LedgerService, active_seconds
from bot.ledger.amounts import floor_hundredths

FIVE = timedelta(minutes=5)
T0 = datetime(2025, 6, 15, 1, 0, tzinfo=UTC)


def count_records(env) -> int:
    with env.db.read() as conn:
        return conn.execute(select(func.count()).select_from(ledger_records)).scalar()


def total(env, officer_id="GD001", year=2025) -> tuple[float, bool]:
    data = env.ledger.officer_hours(env.people["ADMIN"], officer_id, year)
    return data["year_total"], data["met"]


# --- arithmetic and measured time (no database) ---


def test_active_seconds_leaves_out_gaps_longer_than_the_idle_gap():
    times = [T0 + timedelta(minutes=m) for m in (0, 5, 9, 29, 30)]  # gaps 5, 4, 20 (idle), 1
    assert active_seconds(times, FIVE) == 10 * 60
    assert active_seconds(list(reversed(times)), FIVE) == 10 * 60  # order of arrival does not matter
    assert active_seconds([], FIVE) == 0 and active_seconds([T0], FIVE) == 0
    # Exactly the idle gap still counts; one second more does not.
    assert active_seconds([T0, T0 + FIVE], FIVE) == 300
    assert active_seconds([T0, T0 + FIVE + timedelta(seconds=1)], FIVE) == 0


def test_fractions_of_seconds_are_not_lost_over_many_events():
    times = [T0 + timedelta(milliseconds=700 * i) for i in range(1001)]  # 700.0 s in all
    assert active_seconds(times, FIVE) == 700


def test_display_is_floored_never_rounded_up():
    assert floor_hundredths(27 * 5999 + 26) == 5999  # 59.999… shows 59.99
    assert floor_hundredths(27 * 6000) == 6000
    assert floor_hundredths(-(27 * 100 + 5)) == -100  # a reversal shows minus what the original showed


# --- measured chat study ---


def test_ninety_active_minutes_are_two_hours(ledger_env):
    env = ledger_env
    for minute in range(0, 91, 3):
        env.ledger.touch("GD001", "question", at=T0 + timedelta(minutes=minute))
    env.clock.now = T0 + timedelta(minutes=90, seconds=1)
    card = env.ledger.officer_hours(env.people["GD001"], "GD001", 2025)
    assert card["year_total"] == 0.0  # still open: shown as in progress, not yet on the card
    assert card["open_session"]["status"] == "进行中" and card["open_session"]["seconds"] == 5400

    env.clock.advance(minutes=5)  # the idle gap has passed: the next read closes the session
    card = env.ledger.officer_hours(env.people["GD001"], "GD001", 2025)
    assert card["open_session"] is None
    assert card["year_total"] == 2.00
    [record] = card["records"]
    assert (record["source"], record["form"], record["content"], record["seconds"]) == (
        "chat",
        "线上",
        "问答学习",
        5400,
    )
    assert record["date"] == "2025-06-15"


def test_a_twenty_minute_idle_gap_is_not_counted(ledger_env):
    env = ledger_env
    at = [T0 + timedelta(minutes=m) for m in (0, 4, 8, 28, 32)]  # 8 minutes, 20 idle, 4 minutes
    for moment in at:
        env.ledger.touch("GD001", "citation", at=moment)
    env.clock.now = at[-1] + timedelta(minutes=6)
    records = env.ledger.officer_hours(env.people["GD001"], "GD001", 2025)["records"]
    assert [r["seconds"] for r in records] == [480, 240]
    assert total(env)[0] == 0.26  # 720 s = 0.2666… 学时, floored


def test_events_out_of_order_and_single_events_add_nothing(ledger_env):
    env = ledger_env
    env.ledger.touch("GD001", "question", at=T0 + timedelta(minutes=2))
    env.ledger.touch("GD001", "question", at=T0)  # a request that finished late
    env.ledger.touch("GD001", "question", at=T0 + timedelta(minutes=2))
    env.clock.now = T0 + timedelta(hours=1)
    assert env.ledger.close_idle_sessions() == 0  # nothing measured: no record
    assert count_records(env) == 0


def test_chat_study_can_be_shown_without_counting(ledger_env):
    env = ledger_env
    for minute in (0, 5, 10):
        env.ledger.touch("GD001", "question", at=T0 + timedelta(minutes=minute))
    env.ledger.add(OPERATOR, ["GD001"], day="2025-06-01", content="执法培训", hours="3")
    env.clock.now = T0 + timedelta(hours=1)
    shown_only = LedgerService(env.db, env.settings.with_(chat_counts=False), now=env.clock)
    card = shown_only.officer_hours(env.people["GD001"], "GD001", 2025)
    assert card["year_total"] == 3.0
    chat = next(r for r in card["records"] if r["source"] == "chat")
    assert chat["counted"] is False and chat["hours"] == 0.22
    assert total(env)[0] == 3.22  # the default deployment counts it


def test_a_session_started_at_night_belongs_to_the_local_date(ledger_env):
    env = ledger_env
    late = datetime(2024, 12, 31, 15, 50, tzinfo=UTC)  # 23:50 on 31 December in Guangdong
    env.ledger.touch("GD001", "question", at=late)
    env.ledger.touch("GD001", "question", at=late + timedelta(minutes=4))
    env.clock.now = late + timedelta(hours=1)
    assert total(env, year=2024)[0] == 0.08
    assert total(env, year=2025)[0] == 0.0


def test_touch_needs_a_known_officer_and_kind(ledger_env):
    with pytest.raises(UnknownUser):
        ledger_env.ledger.touch("NOBODY", "question", at=T0)
    with pytest.raises(ValueError):
        ledger_env.ledger.touch("GD001", "minutes_from_the_page", at=T0)


def test_record_measured_for_quizzes(ledger_env):
    env = ledger_env
    rid = env.ledger.record_measured(
        "GD001",
        day=date(2025, 6, 1),
        content="练习：行政处罚法",
        form="测验",
        source="practice",
        seconds=1350,
        entered_by=None,
    )
    [record] = env.ledger.officer_hours(env.people["GD001"], "GD001", 2025)["records"]
    assert record["id"] == rid and record["hours"] == 0.5 and record["source_name"] == "练习"
    for bad in (0, -60, 86401, 1.5, True):
        with pytest.raises(InvalidRecord):
            env.ledger.record_measured(
                "GD001", day=date(2025, 6, 1), content="x", form="测验", source="test", seconds=bad
            )
    with pytest.raises(InvalidRecord, match="来源"):
        env.ledger.record_measured("GD001", day=date(2025, 6, 1), content="x", form="测验", source="page", seconds=60)
    with pytest.raises(UnknownUser):
        env.ledger.record_measured(
            "GD001", day=date(2025, 6, 1), content="x", form="测验", source="test", seconds=60, entered_by="NOBODY"
        )
    assert count_records(env) == 1


# --- totals and the target ---


def test_year_total_and_met_at_59_99_and_60_00(ledger_env):
    env = ledger_env
    trainer = env.people["GDT01"]
    env.ledger.add(trainer, ["GD001", "GD002"], day="2025-03-01", content="执法规范化培训", hours="20")
    env.ledger.add(trainer, ["GD001", "GD002"], day="2025-03-02", content="行政处罚法", hours="20")
    env.ledger.add(trainer, ["GD001", "GD002"], day="2025-03-03", content="行政强制法", hours="19.99")
    assert total(env, "GD001") == (59.99, False)
    card = env.ledger.officer_hours(trainer, "GD001", 2025)
    assert card["remaining"] == 0.01 and card["progress_percent"] == 99.9

    env.ledger.add(trainer, ["GD001"], day="2025-03-04", content="案卷评查", hours="0.01")
    assert total(env, "GD001") == (60.0, True)
    card = env.ledger.officer_hours(trainer, "GD001", 2025)
    assert card["remaining"] == 0.0 and card["progress_percent"] == 100.0

    # 59.999…: measured seconds just short of the last hundredth show 59.99 and are not met.
    env.ledger.record_measured(
        "GD002", day=date(2025, 3, 4), content="练习", form="测验", source="practice", seconds=26
    )  # 26/2700 学时 = 0.0096
    assert total(env, "GD002") == (59.99, False)
    env.ledger.record_measured(
        "GD002", day=date(2025, 3, 4), content="练习", form="测验", source="practice", seconds=1
    )  # exactly 0.01 more in all
    assert total(env, "GD002") == (60.0, True)


def test_the_target_is_a_setting(ledger_env):
    env = ledger_env
    env.ledger.add(OPERATOR, ["GD001"], day="2025-03-01", content="培训", hours="8")
    forty = LedgerService(env.db, env.settings.with_(hours_target=8), now=env.clock)
    assert forty.officer_hours(env.people["ADMIN"], "GD001", 2025)["met"] is True
    assert total(env)[1] is False


def test_records_count_in_the_year_of_their_date(ledger_env):
    env = ledger_env
    env.ledger.add(OPERATOR, ["GD001"], day="2024-12-31", content="年末培训", hours="2")
    env.ledger.add(OPERATOR, ["GD001"], day="2025-01-01", content="年初培训", hours="3")
    assert total(env, year=2024)[0] == 2.0 and total(env, year=2025)[0] == 3.0


# --- trainer entries ---


def test_one_training_for_several_officers_at_once(ledger_env):
    env = ledger_env
    ids = env.ledger.add(
        env.people["GDT01"],
        ["gd001", "ＧＤ００２"],
        day="2025年3月1日",
        content="  执法  规范化培训 ",
        form="线下",
        hours="3",
    )
    assert len(ids) == 2
    for officer in ("GD001", "GD002"):
        [record] = env.ledger.officer_hours(env.people["GDT01"], officer, 2025)["records"]
        assert (record["date"], record["content"], record["hours"], record["entered_by"]) == (
            "2025-03-01",
            "执法 规范化培训",
            3.0,
            "GDT01",
        )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(hours="0"), "必须大于 0"),
        (dict(hours="-2"), "必须大于 0"),
        (dict(hours="1.234"), "两位小数"),
        (dict(hours="两"), "不是数字"),
        (dict(hours="25"), "24 学时"),
        (dict(minutes="1441"), "1440 分钟"),
        (dict(minutes="0"), "必须大于 0"),
        (dict(hours="1", minutes="45"), "中的一项"),
        (dict(), "中的一项"),
        (dict(hours="1", day="2025-06-16"), "晚于今天"),
        (dict(hours="1", day="2025-13-01"), "不存在"),
        (dict(hours="1", day="01/03/2025"), "格式不对"),
        (dict(hours="1", content="  "), "培训内容不能为空"),
    ],
)
def test_bad_entries_are_refused_and_nothing_is_written(ledger_env, kwargs, message):
    args = dict(day="2025-06-01", content="培训") | kwargs
    with pytest.raises(InvalidRecord, match=message):
        ledger_env.ledger.add(ledger_env.people["GDT01"], ["GD001"], **args)
    assert count_records(ledger_env) == 0


def test_no_more_than_24_hours_in_one_day(ledger_env):
    env = ledger_env
    env.ledger.add(OPERATOR, ["GD001"], day="2025-06-01", content="上午", hours="16")
    env.ledger.add(OPERATOR, ["GD001"], day="2025-06-01", content="下午", minutes="480")
    with pytest.raises(InvalidRecord, match="超过 24 小时"):
        env.ledger.add(OPERATOR, ["GD001"], day="2025-06-01", content="晚上", minutes="1")
    with pytest.raises(InvalidRecord, match="超过 24 小时"):  # all or none: GD002 gets nothing either
        env.ledger.add(OPERATOR, ["GD002", "GD001"], day="2025-06-01", content="晚上", hours="1")
    assert count_records(env) == 2


def test_a_bulk_entry_with_one_unknown_officer_writes_nothing(ledger_env):
    env = ledger_env
    with pytest.raises(UnknownUser):
        env.ledger.add(OPERATOR, ["GD001", "NOBODY"], day="2025-06-01", content="培训", hours="2")
    with pytest.raises(InvalidRecord, match="重复"):
        env.ledger.add(OPERATOR, ["GD001", "gd001"], day="2025-06-01", content="培训", hours="2")
    assert count_records(env) == 0


# --- corrections: append-only ---


def test_a_correction_appends_a_reversal_and_the_corrected_record(ledger_env):
    env = ledger_env
    trainer = env.people["GDT01"]
    [rid] = env.ledger.add(trainer, ["GD001"], day="2025-05-01", content="行政处罚法", minutes="100")
    done = env.ledger.correct(trainer, rid, "时长录错，应为 90 分钟", minutes="90")
    records = env.ledger.officer_hours(trainer, "GD001", 2025)["records"]
    assert [r["id"] for r in records] == [rid, done["reversal"], done["replacement"]]
    original, reversal, replacement = records
    assert original["reversed_by"] == reversal["id"] and original["seconds"] == 6000  # kept as it was
    assert reversal["seconds"] == -6000 and reversal["reason"] == "时长录错，应为 90 分钟"
    assert replacement["seconds"] == 5400 and replacement["content"] == "行政处罚法"
    assert total(env)[0] == 2.0

    with pytest.raises(InvalidRecord, match="已被记录"):
        env.ledger.correct(trainer, rid, "再改一次")
    with pytest.raises(InvalidRecord, match="本身是更正记录"):
        env.ledger.correct(trainer, done["reversal"], "撤销更正")
    with pytest.raises(InvalidRecord, match="更正原因不能为空"):
        env.ledger.correct(trainer, done["replacement"], " ")
    with pytest.raises(UnknownRecord):
        env.ledger.correct(env.people["ADMIN"], 999, "不存在")
    with pytest.raises(Forbidden, match="找不到该记录，或它不属于您管理的单位"):
        env.ledger.correct(trainer, 999, "不存在")  # a trainer cannot probe other units' record ids
    assert count_records(env) == 3


def test_a_reversal_alone_takes_the_record_out_of_the_total(ledger_env):
    env = ledger_env
    [rid] = env.ledger.add(OPERATOR, ["GD001"], day="2025-05-01", content="重复录入", hours="2.5")
    env.ledger.correct(OPERATOR, rid, "重复录入")
    assert total(env)[0] == 0.0
    with env.db.read() as conn:
        entered_by = conn.execute(select(ledger_records.c.entered_by)).scalars().all()
    assert entered_by == [None, None]  # the command line's operator has no account


# --- who may see and change what ---


def test_officers_see_only_their_own_records(ledger_env):
    env = ledger_env
    env.ledger.add(OPERATOR, ["GD001", "GD002"], day="2025-05-01", content="培训", hours="2")
    zhang = env.people["GD001"]
    assert env.ledger.officer_hours(zhang, "gd001", 2025)["officer"]["name"] == "张三"
    with pytest.raises(Forbidden):
        env.ledger.officer_hours(zhang, "GD002", 2025)
    with pytest.raises(Forbidden) as unknown:
        env.ledger.officer_hours(zhang, "NOBODY", 2025)
    assert "NOBODY" in str(unknown.value)  # same refusal as for a real id: nothing is revealed
    with pytest.raises(Forbidden):
        env.ledger.unit_hours(zhang, "广州市城管局", 2025)
    with pytest.raises(Forbidden):
        env.ledger.add(zhang, ["GD001"], day="2025-05-02", content="自己加", hours="10")
    [rid] = [r["id"] for r in env.ledger.officer_hours(env.people["GD002"], "GD002", 2025)["records"]]
    with pytest.raises(Forbidden):
        env.ledger.correct(zhang, rid, "改别人的")
    with pytest.raises(Forbidden):
        env.ledger.import_json(
            zhang,
            [
                {
                    "执法证号": "GD001",
                    "姓名": "张三",
                    "日期": "2025-05-01",
                    "培训内容": "x",
                    "培训形式": "线上",
                    "学时": 1,
                    "来源": "y",
                }
            ],
        )
    assert count_records(env) == 2


def test_trainers_manage_their_own_unit_and_admins_every_unit(ledger_env):
    env = ledger_env
    guangzhou, shenzhen, admin = env.people["GDT01"], env.people["SZT01"], env.people["ADMIN"]
    [rid] = env.ledger.add(guangzhou, ["GD001"], day="2025-05-01", content="培训", hours="2")
    with pytest.raises(Forbidden):
        env.ledger.add(guangzhou, ["SZ001"], day="2025-05-01", content="培训", hours="2")
    with pytest.raises(Forbidden):
        env.ledger.officer_hours(shenzhen, "GD001", 2025)
    with pytest.raises(Forbidden):
        env.ledger.correct(shenzhen, rid, "不是我的单位")
    with pytest.raises(Forbidden):
        env.ledger.unit_hours(shenzhen, "广州市城管局", 2025)
    with pytest.raises(Forbidden):
        env.ledger.export(shenzhen, "广州市城管局", 2025, "csv")
    env.ledger.add(admin, ["SZ001", "GD002"], day="2025-05-01", content="全省培训", hours="1")
    assert env.ledger.officer_hours(admin, "SZ001", 2025)["year_total"] == 1.0
    with pytest.raises(UnknownUser):
        env.ledger.officer_hours(admin, "NOBODY", 2025)
    assert count_records(env) == 3


def test_unit_hours_lists_each_officer_with_total_target_and_met(ledger_env):
    env = ledger_env
    env.ledger.add(OPERATOR, ["GD001"], day="2025-05-01", content="培训", hours="24")
    env.ledger.add(OPERATOR, ["GD001"], day="2025-05-02", content="培训", hours="24")
    env.ledger.add(OPERATOR, ["GD001"], day="2025-05-03", content="培训", hours="12")
    data = env.ledger.unit_hours(env.people["GDT01"], "广州市城管局", 2025)
    assert (data["unit"], data["year"], data["target"], data["met_count"]) == ("广州市城管局", 2025, 60, 1)
    rows = {o["officer"]["id"]: o for o in data["officers"]}
    assert set(rows) == {"GD001", "GD002", "GDT01"}  # trainers keep a card too; admins do not
    assert (rows["GD001"]["year_total"], rows["GD001"]["met"], len(rows["GD001"]["records"])) == (60.0, True, 3)
    assert (rows["GD002"]["year_total"], rows["GD002"]["met"], rows["GD002"]["records"]) == (0.0, False, [])
    with pytest.raises(InvalidRecord, match="没有任何账号"):
        env.ledger.unit_hours(env.people["ADMIN"], "不存在的单位", 2025)


def test_a_year_in_the_future_or_before_2000_is_refused(ledger_env):
    assert ledger_env.ledger.officer_hours(ledger_env.people["GD001"], "GD001", "2025")["year"] == 2025
    for year in (2026, 1999, "二〇二五", ""):
        with pytest.raises(InvalidRecord, match="年度"):
            ledger_env.ledger.officer_hours(ledger_env.people["GD001"], "GD001", year)


def test_settings_the_ledger_cannot_work_with_are_refused(ledger_env):
    from bot.errors import ConfigError

    for change in (dict(hours_target=0), dict(idle_minutes=-1)):
        with pytest.raises(ConfigError):
            LedgerService(ledger_env.db, ledger_env.settings.with_(**change))


# --- the schema ---


def test_tables_in_code_match_the_migrations(ledger_env):
    # tests/test_db.py checks this on SQLite; here it runs on PostgreSQL too.
    with ledger_env.db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_the_database_refuses_what_the_service_would_never_write(ledger_env):
    from sqlalchemy.exc import IntegrityError

    env = ledger_env
    good = dict(officer_id="GD001", day=date(2025, 5, 1), content="x", form="线上", source="trainer", entered_at=T0)
    for bad in (
        dict(hours_hundredths=100, seconds=60),
        dict(),
        dict(seconds=0),
        dict(hours_hundredths=-100),
        dict(seconds=60, source="page"),
    ):
        with pytest.raises(IntegrityError), env.db.write() as conn:
            conn.execute(ledger_records.insert().values(**(good | bad)))
    with env.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(study_sessions)).scalar() == 0
    assert count_records(env) == 0
