"""Start the officers' web page: build the service and the UI from bot/, then serve it."""

from __future__ import annotations

import secrets

from bot.service import StudyBot
from bot.settings import Settings
from bot.ui import build_ui, launch


def ensure_first_trainer(bot: StudyBot) -> None:
    """On a fresh install nobody could sign in: create one trainer account and say so once."""
    accounts = bot.accounts
    if accounts.list_users():
        return
    password = secrets.token_urlsafe(9)
    accounts.add_user("admin", "培训管理员", "（请修改）", "trainer", password)
    print("首次启动：尚无任何账号，已创建培训管理员账号。")
    print(f"  账号：admin    初始密码：{password}")
    print("  请登录后为本单位添加账号：.venv/bin/studybot users add --id 执法证号 --name 姓名 --unit 单位 --role officer")
    print("  修改该密码：.venv/bin/studybot users passwd --id admin")


def main() -> None:
    bot = StudyBot(Settings.from_env())
    ensure_first_trainer(bot)
    bot.warm_up()  # load the model and the index now, so the first officer does not wait
    print(f"执法学习助手已启动：http://{bot.settings.host}:{bot.settings.port}")
    launch(build_ui(bot), bot.settings)


if __name__ == "__main__":
    main()
