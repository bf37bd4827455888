"""`studybot users …`: the web page's accounts, managed from the terminal (as the local operator)."""

from __future__ import annotations

import getpass

from ..accounts import ROLE_NAMES
from .common import add_command, print_json, service


def _password(given: str | None, prompt: str) -> str:
    return given if given is not None else getpass.getpass(prompt)


def cmd_users(args) -> int:
    """管理网页登录账号：添加、导入、修改、停用、恢复、重置密码、列出。例：studybot users add --id GD001 --name 张三 --unit 广州市司法局 --role officer"""
    accounts = service(args).accounts
    action = args.action
    if action == "add":
        user = accounts.add_user(args.id, args.name, args.unit, args.role, _password(args.password, "初始密码："))
        print(f"已添加账号 {user.id}（{user.name}，{user.unit}，{user.role_name}）；首次登录时须修改密码。")
    elif action == "passwd":
        accounts.set_password(args.id, _password(args.password, "新密码："), must_change=args.must_change)
        extra = "，下次登录时须修改" if args.must_change else ""
        print(f"账号 {args.id} 的密码已修改{extra}，原有登录会话已失效。")
    elif action == "import":
        report = accounts.import_file(args.file)
        print(report.summary())
        return 0 if report.ok else 1
    elif action in ("disable", "enable"):
        accounts.set_disabled(args.id, disabled=action == "disable")
        print(f"账号 {args.id} 已{'停用，登录会话已结束' if action == 'disable' else '恢复使用'}。")
    elif action == "update":
        user = accounts.update_user(args.id, name=args.name, unit=args.unit, role=args.role)
        print(f"账号 {user.id} 已更新：{user.name}，{user.unit}，{user.role_name}")
    else:
        users = accounts.list_users(unit=args.unit)
        if args.json:
            print_json(
                [{"id": u.id, "name": u.name, "unit": u.unit, "role": u.role, "disabled": u.disabled} for u in users]
            )
            return 0
        for u in users:
            state = "  （已停用）" if u.disabled else ""
            print(f"{u.id}  {u.name}  {u.unit}  {u.role_name}{state}")
        print(f"共 {len(users)} 个账号")
    return 0


def register(sub) -> None:
    p = add_command(sub, "users", cmd_users)
    actions = p.add_subparsers(dest="action", metavar="操作", required=True)
    roles = list(ROLE_NAMES)
    role_help = "officer（执法人员）、trainer（本单位培训管理员）或 admin（系统管理员，管理所有单位）"

    a = actions.add_parser(
        "add",
        help="添加一个账号",
        description="添加一个账号（首次登录须修改初始密码）。例：studybot users add "
        "--id GD001 --name 张三 --unit 广州市司法局 --role officer",
    )
    a.add_argument("--id", required=True, metavar="ID", help="执法证号或工号（字母、数字、- 和 _）")
    a.add_argument("--name", required=True, metavar="NAME", help="姓名")
    a.add_argument("--unit", required=True, metavar="UNIT", help="单位")
    a.add_argument("--role", required=True, choices=roles, help=role_help)
    a.add_argument("--password", metavar="PW", help="初始密码（至少 8 个字符）；省略则在终端提示输入，不留在命令历史里")

    i = actions.add_parser(
        "import",
        help="从 CSV 或 XLSX 文件批量导入账号（有错误则全部不导入）",
        description="从 CSV 或 XLSX 文件批量导入账号，表头 执法证号,姓名,单位,角色,密码（或 id,name,unit,role,password）。"
        "有任何一行出错则全部不导入，并逐行说明。例：studybot users import 账号.xlsx",
    )
    i.add_argument("file", metavar="FILE")

    pw = actions.add_parser(
        "passwd", help="修改或重置账号密码", description="修改或重置账号密码。例：studybot users passwd --id admin"
    )
    pw.add_argument("--id", required=True, metavar="ID")
    pw.add_argument("--password", metavar="PW", help="新密码（至少 8 个字符）；省略则在终端提示输入")
    pw.add_argument("--must-change", action="store_true", help="要求该账号下次登录时修改密码（重置他人密码时使用）")

    for name, verb in (("disable", "停用"), ("enable", "恢复")):
        d = actions.add_parser(
            name,
            help=f"{verb}一个账号",
            description=f"{verb}一个账号（记录保留）。例：studybot users {name} --id GD001",
        )
        d.add_argument("--id", required=True, metavar="ID")

    u = actions.add_parser(
        "update",
        help="修改账号的姓名、单位或角色",
        description="修改账号的姓名、单位或角色。例：studybot users update --id GD001 --unit 佛山市司法局",
    )
    u.add_argument("--id", required=True, metavar="ID")
    u.add_argument("--name", metavar="NAME")
    u.add_argument("--unit", metavar="UNIT")
    u.add_argument("--role", choices=roles, help=role_help)

    ls = actions.add_parser(
        "list", help="列出账号", description="列出账号。例：studybot users list --unit 广州市司法局"
    )
    ls.add_argument("--unit", metavar="UNIT", help="只列出这个单位的账号")
    ls.add_argument("--json", action="store_true", help="以 JSON 输出")
