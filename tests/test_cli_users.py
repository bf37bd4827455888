"""`studybot users add / import / list` against the test's own database."""

from __future__ import annotations

import json

from bot.cli import main


def test_users_add_then_list(capsys):
    assert (
        main(
            [
                "users",
                "add",
                "--id",
                "gd-001",
                "--name",
                "张三",
                "--unit",
                "广州市司法局",
                "--role",
                "officer",
                "--password",
                "初始密码12345",
            ]
        )
        == 0
    )
    assert "已添加账号 GD-001（张三，广州市司法局，执法人员）" in capsys.readouterr().out
    assert main(["users", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [{"id": "GD-001", "name": "张三", "unit": "广州市司法局", "role": "officer", "disabled": False}]


def test_users_add_refuses_a_short_password_in_chinese(capsys):
    assert (
        main(
            [
                "users",
                "add",
                "--id",
                "GD002",
                "--name",
                "李四",
                "--unit",
                "省司法厅",
                "--role",
                "trainer",
                "--password",
                "short",
            ]
        )
        == 1
    )
    assert "密码太短" in capsys.readouterr().err


def test_users_import_file(tmp_path, capsys):
    sheet = tmp_path / "账号.csv"
    sheet.write_text(
        "执法证号,姓名,单位,角色,密码\nGD010,王五,佛山市司法局,执法人员,password-010\n"
        "GD011,赵六,省司法厅,培训管理员,password-011\n",
        encoding="utf-8-sig",
    )
    assert main(["users", "import", str(sheet)]) == 0
    assert "已导入 2 个账号" in capsys.readouterr().out
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "GD011  赵六  省司法厅  培训管理员" in out and "共 2 个账号" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,unit,role,password\nGD012,钱七,广州,boss,password-012\n", encoding="utf-8")
    assert main(["users", "import", str(bad)]) == 1
    assert "角色" in capsys.readouterr().out


def test_first_start_creates_one_admin_and_passwd_changes_it(tmp_path, monkeypatch, capsys):
    import app
    from bot.cli import main
    from bot.service import StudyBot
    from bot.settings import Settings

    bot = StudyBot(Settings.from_env())
    app.ensure_first_admin(bot)
    printed = capsys.readouterr().out
    password = printed.split("初始密码：")[1].split()[0]
    first = bot.accounts.authenticate("admin", password)
    assert first.is_admin and first.must_change_password and first.name == "管理员"
    app.ensure_first_admin(bot)  # only once
    assert len(bot.accounts.list_users()) == 1
    assert main(["users", "passwd", "--id", "admin", "--password", "new-secret-123"]) == 0
    assert StudyBot(Settings.from_env()).accounts.authenticate("admin", "new-secret-123").id == "ADMIN"
