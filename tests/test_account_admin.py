"""Managing accounts from the page: a trainer's own unit only, an admin's every unit."""

from __future__ import annotations

import pytest

from bot.account_admin import AccountAdmin
from bot.accounts import User
from bot.errors import NotAllowed
from bot.service import StudyBot
from bot.settings import Settings

PASSWORD = "initial-pass-1"


@pytest.fixture
def accounts():
    bot = StudyBot(Settings.from_env())
    accounts = bot.accounts
    accounts.add_user("T1", "李教员", "广州市司法局", "trainer", PASSWORD)
    accounts.add_user("O1", "王执法", "广州市司法局", "officer", PASSWORD)
    accounts.add_user("O2", "陈执法", "佛山市司法局", "officer", PASSWORD)
    accounts.add_user("ROOT", "系统", "广州市司法局", "admin", PASSWORD)
    yield accounts
    bot.close()


def test_officers_manage_nothing(accounts):
    with pytest.raises(NotAllowed, match="只有培训管理员"):
        AccountAdmin(accounts, accounts.get_user("O1"))


def test_trainer_manages_own_unit_only(accounts, tmp_path):
    admin = AccountAdmin(accounts, accounts.get_user("T1"))
    assert {u.id for u in admin.list()} == {"T1", "O1", "ROOT"}
    added = admin.add("O3", "新人", "", "officer", PASSWORD)
    assert added.unit == "广州市司法局" and added.must_change_password
    assert admin.set_disabled("O3", True).disabled
    assert not admin.set_disabled("O3", False).disabled
    admin.reset_password("O1", "reset-pass-123")
    assert accounts.get_user("O1").must_change_password
    for action in (
        lambda: admin.add("O4", "外单位", "佛山市司法局", "officer", PASSWORD),
        lambda: admin.set_disabled("O2", True),
        lambda: admin.reset_password("O2", "reset-pass-123"),
        lambda: admin.add("A2", "管理员", "", "admin", PASSWORD),
        lambda: admin.set_disabled("ROOT", True),
        lambda: admin.set_disabled("T1", True),
    ):
        with pytest.raises(NotAllowed):
            action()
    assert not accounts.get_user("O2").disabled
    sheet = tmp_path / "a.csv"
    sheet.write_text("id,name,unit,role,password\nO5,甲,佛山市司法局,officer,password-5\n", encoding="utf-8")
    report = admin.import_file(sheet)
    assert not report.ok and "不是您的单位" in report.summary()


def test_admin_manages_every_unit(accounts):
    admin = AccountAdmin(accounts, accounts.get_user("ROOT"))
    assert len(admin.list()) == 4 and [u.id for u in admin.list("佛山市司法局")] == ["O2"]
    assert admin.set_disabled("O2", True).disabled
    assert admin.add("A2", "管理员二", "省司法厅", "admin", PASSWORD).role == "admin"


def test_user_manages():
    assert User("X", "x", "甲", "trainer").manages("甲") and not User("X", "x", "甲", "trainer").manages("乙")
