"""Accounts: passwords, login throttling, sessions and CSV import, on a real SQLite file and a
real PostgreSQL database (the `db_url` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.accounts import (
    DEFAULT_SCRYPT,
    AccountService,
    ScryptParams,
    User,
    lock_delay,
    throttle_keys,
    verify_password,
)
from bot.db import open_database, sessions, users
from bot.errors import (
    AccountDisabled,
    AccountLocked,
    CsvImportError,
    DuplicateUser,
    InvalidAccount,
    LoginFailed,
    UnknownUser,
)
from bot.settings import Settings

CHEAP = ScryptParams(n=2**8, r=8, p=1)  # tests only; the real default is checked once below


class Clock:
    """A UTC clock the test moves by hand instead of sleeping."""

    def __init__(self):
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def settings(tmp_path, db_url):
    return Settings.from_env(environ={"STUDYBOT_DATA_DIR": str(tmp_path), "STUDYBOT_DB_URL": db_url})


@pytest.fixture
def db(settings):
    with open_database(settings) as database:
        yield database


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def accounts(db, settings, clock):
    return AccountService(db, settings, now=clock, scrypt=CHEAP)


@pytest.fixture
def officer(accounts):
    return accounts.add_user("GD001", "张三", "广州市城管局", "officer", "correct-horse")


def stored_hash(db, user_id: str) -> str:
    with db.read() as conn:
        return conn.execute(select(users.c.password_hash).where(users.c.id == user_id)).scalar()


# --- users and passwords ---


def test_password_is_stored_as_a_default_scrypt_hash(db, settings):
    service = AccountService(db, settings)  # the real parameters, once
    service.add_user("GD100", "王五", "深圳市市场监管局", "trainer", "s3cret-pass")
    raw = stored_hash(db, "GD100")
    assert "s3cret-pass" not in raw
    assert raw.startswith(f"scrypt${DEFAULT_SCRYPT.n}$8$1$")
    user = service.authenticate("GD100", "s3cret-pass")
    assert user == User("GD100", "王五", "深圳市市场监管局", "trainer")
    assert user.is_trainer


def test_same_password_gets_a_different_salt(accounts):
    accounts.add_user("A1", "甲", "单位", "officer", "same-password")
    accounts.add_user("A2", "乙", "单位", "officer", "same-password")
    assert stored_hash(accounts.db, "A1") != stored_hash(accounts.db, "A2")


def test_wrong_password_and_unknown_id_get_the_same_message(accounts, officer):
    with pytest.raises(LoginFailed) as wrong:
        accounts.authenticate("GD001", "not-the-password")
    with pytest.raises(LoginFailed) as unknown:
        accounts.authenticate("NOBODY", "not-the-password")
    assert str(wrong.value) == str(unknown.value)
    assert "账号或密码错误" in str(wrong.value)


def test_ids_and_passwords_forgive_full_width_and_case(accounts, officer):
    # A Chinese input method in full-width mode, and a lower-case id.
    assert accounts.authenticate("ｇｄ００１", "ｃｏｒｒｅｃｔ－ｈｏｒｓｅ") == officer


@pytest.mark.parametrize(
    "user_id, role, password, message",
    [
        ("", "officer", "long-enough", "不能为空"),
        ("GD 001", "officer", "long-enough", "只能使用英文字母、数字"),
        ("粤执001", "officer", "long-enough", "只能使用英文字母、数字"),
        ("X" * 65, "officer", "long-enough", "最长 64"),
        ("GD002", "boss", "long-enough", "officer（执法人员）、trainer"),
        ("GD002", "officer", "short", "至少需要 8 个字符"),
    ],
)
def test_add_user_validates(accounts, user_id, role, password, message):
    with pytest.raises(InvalidAccount, match=message):
        accounts.add_user(user_id, "张三", "单位", role, password)


def test_duplicate_id_is_refused(accounts, officer):
    with pytest.raises(DuplicateUser, match="GD001.*已存在"):
        accounts.add_user("gd001", "另一人", "单位", "officer", "another-pass")


def test_get_and_list_users(accounts, officer):
    accounts.add_user("SZ9", "李四", "深圳市城管局", "培训管理员", "password9")
    assert accounts.get_user("sz9") == User("SZ9", "李四", "深圳市城管局", "trainer")
    assert [u.id for u in accounts.list_users()] == ["GD001", "SZ9"]
    assert accounts.list_users(unit="深圳市城管局") == [accounts.get_user("SZ9")]
    with pytest.raises(UnknownUser):
        accounts.get_user("NOBODY")


def test_set_password_replaces_the_old_one_and_ends_sessions(accounts, officer):
    token = accounts.create_session(officer)
    accounts.set_password("GD001", "brand-new-pass")
    with pytest.raises(LoginFailed):
        accounts.authenticate("GD001", "correct-horse")
    assert accounts.authenticate("GD001", "brand-new-pass") == officer
    assert accounts.session_user(token) is None
    with pytest.raises(UnknownUser):
        accounts.set_password("NOBODY", "brand-new-pass")


def test_disabled_account_cannot_log_in_or_keep_its_session(accounts, officer):
    token = accounts.create_session(officer)
    accounts.set_disabled("GD001")
    assert accounts.session_user(token) is None
    with pytest.raises(AccountDisabled, match="已停用"):
        accounts.authenticate("GD001", "correct-horse")
    accounts.set_disabled("GD001", False)
    assert accounts.authenticate("GD001", "correct-horse") == officer


def test_raised_scrypt_parameters_upgrade_the_hash_at_login(db, settings, clock, officer):
    stronger = ScryptParams(n=2**9, r=8, p=1)
    AccountService(db, settings, now=clock, scrypt=stronger).authenticate("GD001", "correct-horse")
    raw = stored_hash(db, "GD001")
    assert raw.startswith("scrypt$512$8$1$")
    assert verify_password("correct-horse", raw)


# --- throttling ---


def test_lock_delay_doubles_and_is_capped():
    assert [lock_delay(n).total_seconds() for n in (4, 5, 6, 7, 8)] == [0, 30, 60, 120, 240]
    assert lock_delay(50) == timedelta(minutes=15)


def test_five_failures_lock_even_the_right_password_until_the_wait_is_over(accounts, officer, clock):
    for _ in range(4):
        with pytest.raises(LoginFailed):
            accounts.authenticate("GD001", "wrong-password")
    with pytest.raises(AccountLocked, match="30 秒后再试"):
        accounts.authenticate("GD001", "wrong-password")

    clock.advance(seconds=10)
    with pytest.raises(AccountLocked, match="20 秒后再试") as locked:
        accounts.authenticate("GD001", "correct-horse")
    assert locked.value.wait_seconds == 20

    clock.advance(seconds=21)
    assert accounts.authenticate("GD001", "correct-horse") == officer

    # Success resets the count: four more failures do not lock.
    for _ in range(4):
        with pytest.raises(LoginFailed):
            accounts.authenticate("GD001", "wrong-password")
    assert accounts.authenticate("GD001", "correct-horse") == officer


def test_each_further_failure_doubles_the_wait(accounts, officer, clock):
    for _ in range(4):
        with pytest.raises(LoginFailed):
            accounts.authenticate("GD001", "wrong-password")
    waits = []
    for _ in range(3):
        with pytest.raises(AccountLocked) as locked:
            accounts.authenticate("GD001", "wrong-password")
        waits.append(locked.value.wait_seconds)
        clock.advance(seconds=locked.value.wait_seconds)
    assert waits == [30, 60, 120]
    with pytest.raises(AccountLocked, match="4 分钟"):
        accounts.authenticate("GD001", "wrong-password")


def test_old_failures_are_forgotten(accounts, officer, clock):
    for _ in range(4):
        with pytest.raises(LoginFailed):
            accounts.authenticate("GD001", "wrong-password")
    clock.advance(days=2)
    with pytest.raises(LoginFailed):  # the 5th failure, but the first one today
        accounts.authenticate("GD001", "wrong-password")


def test_trainer_password_reset_clears_a_lock(accounts, officer):
    for _ in range(5):
        with pytest.raises((LoginFailed, AccountLocked)):
            accounts.authenticate("GD001", "wrong-password")
    accounts.set_password("GD001", "reset-by-trainer")
    assert accounts.authenticate("GD001", "reset-by-trainer") == officer


# --- sessions ---


def test_session_round_trip_and_logout(accounts, officer, clock):
    token = accounts.create_session(officer)
    clock.advance(minutes=5)
    assert accounts.session_user(token) == officer
    with accounts.db.read() as conn:
        row = conn.execute(select(sessions)).one()
    assert token not in row.token_hash and len(row.token_hash) == 64  # only the SHA-256 is kept
    assert row.last_seen == clock.now
    accounts.end_session(token)
    assert accounts.session_user(token) is None
    accounts.end_session(token)  # twice is harmless


def test_session_expires_after_session_hours(accounts, officer, clock, settings):
    token = accounts.create_session(officer)
    clock.advance(hours=settings.session_hours, seconds=-1)
    assert accounts.session_user(token) == officer
    clock.advance(seconds=1)
    assert accounts.session_user(token) is None
    with accounts.db.read() as conn:
        assert conn.execute(text("SELECT count(*) FROM sessions")).scalar() == 0


@pytest.mark.parametrize("token", [None, "", "made-up-token"])
def test_unknown_tokens_give_no_user(accounts, officer, token):
    assert accounts.session_user(token) is None


# --- CSV import ---


def write(path, content: str, encoding: str = "utf-8"):
    path.write_bytes(content.encode(encoding))
    return path


def test_import_good_file_with_bom(accounts, tmp_path):
    path = write(
        tmp_path / "users.csv",
        (
            "id,name,unit,role,password\r\n"
            "GD001,张三,广州市城管局,officer,password-1\r\n"
            ",,,,\r\n"  # Excel's trailing empty rows
            "GD002,李四,广州市城管局,trainer,password-2\r\n"
        ),
        "utf-8-sig",
    )
    report = accounts.import_file(path)
    assert report.ok and report.added == ("GD001", "GD002")
    assert "已导入 2 个账号" in report.summary()
    assert accounts.authenticate("GD002", "password-2").is_trainer


def test_import_gbk_file_with_chinese_headers(accounts, tmp_path):
    path = write(
        tmp_path / "名单.csv",
        (
            "执法证号,姓名,单位,角色,密码,备注\n"
            "44010001,陈小明,广州市天河区城市管理和综合执法局,执法人员,初始密码12345,新入职\n"
            "44010002,林芳,广州市天河区城市管理和综合执法局,培训管理员,初始密码45678,\n"
        ),
        "gbk",
    )
    report = accounts.import_file(path)
    assert report.added == ("44010001", "44010002")
    assert accounts.get_user("44010001").unit == "广州市天河区城市管理和综合执法局"
    assert accounts.authenticate("44010002", "初始密码45678").role == "trainer"


def test_import_with_bad_rows_adds_nothing_and_lists_each(accounts, tmp_path):
    path = write(
        tmp_path / "users.csv",
        (
            "id,name,unit,role,password\n"
            "GD001,张三,广州市城管局,officer,password-1\n"  # line 2: fine
            "GD 002,李四,广州市城管局,officer,password-2\n"  # line 3: bad id
            "GD003,王五,广州市城管局,boss,password-3\n"  # line 4: bad role
            "GD004,赵六,广州市城管局,officer,short\n"  # line 5: short password
            "GD005,,广州市城管局,officer,password-5\n"  # line 6: no name
        ),
    )
    report = accounts.import_file(path)
    assert not report.ok and report.added == ()
    assert [p.line for p in report.problems] == [3, 4, 5, 6]
    assert "角色" in report.problems[1].reason and "姓名" in report.problems[3].reason
    assert "第 3 行" in report.summary() and "没有导入任何账号" in report.summary()
    assert accounts.list_users() == []


def test_import_reports_duplicates_in_file_and_in_database(accounts, officer, tmp_path):
    path = write(
        tmp_path / "users.csv",
        (
            "id,name,unit,role,password\n"
            "GD001,张三,广州市城管局,officer,password-1\n"  # already there, same person: skipped
            "GD002,李四,广州市城管局,officer,password-2\n"
            "gd002,李四,广州市城管局,officer,password-2\n"  # same id again in the file
            "GD003,王五,广州市城管局,officer,password-3\n"
        ),
    )
    report = accounts.import_file(path)
    assert [(p.line, p.user_id) for p in report.problems] == [(4, "GD002")]
    assert "与第 3 行" in report.problems[0].reason
    assert [s.user_id for s in report.skipped] == ["GD001"]
    assert [u.id for u in accounts.list_users()] == ["GD001"]

    # Fixed file: the existing account is skipped, the others are added.
    write(path, path.read_text("utf-8").replace("gd002,李四", "GD004,周七"))
    report = accounts.import_file(path)
    assert report.ok and report.added == ("GD002", "GD004", "GD003")
    assert accounts.authenticate("GD001", "correct-horse") == officer  # password untouched


def test_import_refuses_an_id_taken_by_someone_else(accounts, officer, tmp_path):
    path = write(tmp_path / "users.csv", "id,name,unit,role,password\nGD001,钱八,某局,officer,password-1\n")
    report = accounts.import_file(path)
    assert "已被「张三」使用" in report.problems[0].reason


@pytest.mark.parametrize(
    "content, encoding, message",
    [
        ("", "utf-8", "是空的"),
        ("id,name,role,password\nA1,甲,officer,password-1\n", "utf-8", "缺少列：单位"),
        ("id,name,unit,role,password\n", "utf-8", "只有表头"),
        ("id,name,unit,role,password\nA1,甲,乙,officer,password-1\n", "utf-16", "UTF-16"),
    ],
)
def test_import_unusable_files(accounts, tmp_path, content, encoding, message):
    with pytest.raises(CsvImportError, match=message):
        accounts.import_file(write(tmp_path / "users.csv", content, encoding))


def test_import_missing_file(accounts, tmp_path):
    with pytest.raises(CsvImportError, match="无法读取文件"):
        accounts.import_file(tmp_path / "missing.csv")


def test_parallel_sign_ins_from_one_address_are_not_locked(accounts, officer, clock):
    # Officers behind one office address sign in at the same moment: an attempt whose clock read
    # came just before another's failure stamp must not be told to wait.
    accounts.add_user("GD002", "李四", "广州市城管局", "officer", "password-002")
    accounts._reserve_attempt(throttle_keys("GD002", "10.0.0.1"), clock() + timedelta(milliseconds=5))
    assert accounts.authenticate("GD001", "correct-horse", source="10.0.0.1") == officer
