"""Serve the officers' web page: build the service and the web app from bot/, then run uvicorn.

Every failure an operator can fix (no index, a database that cannot be opened or written, the
port taken, a bad STUDYBOT_* value) ends as one Chinese line saying what to do, and exit code 1.
"""

from __future__ import annotations

import secrets
import socket
import sys

from bot.errors import StudyBotError

FIRST_ADMIN = "admin"


class PortUnavailable(StudyBotError):
    def __init__(self, host: str, port: int, reason: str):
        super().__init__(
            f"无法在 {host}:{port} 上启动网页服务（{reason}）：该端口可能已被其他程序占用，"
            "请关闭占用它的程序，或用环境变量 STUDYBOT_PORT 换一个端口（STUDYBOT_HOST 为监听地址）"
        )


def ensure_first_admin(bot) -> None:
    """On a fresh install nobody could sign in: create one system administrator and say so once."""
    accounts = bot.accounts
    if accounts.list_users():
        return
    password = secrets.token_urlsafe(9)
    accounts.add_user(FIRST_ADMIN, "管理员", "系统管理", "admin", password, must_change=True)
    url = f"http://{bot.settings.host}:{bot.settings.port}"
    print("首次启动：尚无任何账号，已创建系统管理员账号（首次登录须修改密码）。")
    print(f"  账号：{FIRST_ADMIN}    初始密码：{password}")
    print(f"  请登录 {url} 后在“账号”页为各单位添加账号（可逐个添加或导入 CSV/XLSX 表格），")
    print("  也可在终端运行：.venv/bin/studybot users import 账号.csv")


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound before anything is served, so a taken port is one clear line."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        raise PortUnavailable(host, port, exc.strerror or str(exc)) from None
    sock.set_inheritable(True)
    return sock


def prepare():
    """Settings, the socket, the database, the index, the model: everything that can fail, in
    that order (cheapest first), before anything is served or any account is created."""
    from bot.service import StudyBot
    from bot.settings import Settings

    settings = Settings.from_env()
    sock = bind(settings.host, settings.port)
    try:
        # Each answer embeds its question on one core: the server answers several officers at
        # once, and ONNX Runtime's spinning pool of one thread per core per call cost about a
        # third more CPU per answer under load (measured with eval/load_test.py).
        bot = StudyBot(settings, embed_threads=1)
        bot.db.check_writable()
        bot.store  # noqa: B018 - IndexNotBuilt now, with what to run
        bot.warm_up()  # the model and the index now, so the first officer does not wait
        ensure_first_admin(bot)
        from bot.web import create_app

        return bot, create_app(bot), sock
    except BaseException:
        sock.close()
        raise


def main() -> int:
    try:
        bot, app, sock = prepare()
    except StudyBotError as exc:
        print("错误：" + " ".join(str(exc).split()), file=sys.stderr)  # one line, whatever the message
        return 1
    except KeyboardInterrupt:
        return 130
    import uvicorn

    print(f"执法学习助手已启动：http://{bot.settings.host}:{bot.settings.port}", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=5)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
