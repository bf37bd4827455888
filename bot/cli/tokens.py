"""`studybot tokens …`: bearer tokens for /api/v1/chat/completions, each acting as one user."""

from __future__ import annotations

import sys
from datetime import timedelta, timezone

from .common import add_command, print_json, service

CHINA = timezone(timedelta(hours=8))  # Guangdong's time all year; the database keeps UTC


def _when(t) -> str:
    return t.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if t else "从未使用"


def cmd_tokens(args) -> int:
    """管理 API 令牌：创建（只显示一次）、列出、撤销。令牌以其账号的身份和角色调用 /api/v1。例：studybot tokens create --user GD001 --name 办公系统"""
    tokens = service(args).tokens
    if args.action == "create":
        token, secret = tokens.create(args.user, args.name or "")
        # The secret alone on stdout, so `TOKEN=$(studybot tokens create --user X)` works.
        sys.stdout.write(secret + "\n")
        print(
            f"已为账号 {token.user_id} 创建 API 令牌 {token.id}（{token.prefix}…）。令牌只显示这一次，"
            "请立即妥善保存；遗失后请撤销并重新创建。",
            file=sys.stderr,
        )
    elif args.action == "revoke":
        token = tokens.revoke(args.ref)
        print(f"已撤销 API 令牌 {token.id}（{token.prefix}…，账号 {token.user_id}）。")
    else:
        listed = tokens.list(user_id=args.user)
        if args.json:
            print_json([t.to_json() for t in listed])
            return 0
        for t in listed:
            state = "有效" if t.active else f"已撤销（{_when(t.revoked_at)}）"
            print(
                f"{t.id}  {t.prefix}…  {t.user_id}  {t.name or '（无名称）'}  创建于 {_when(t.created_at)}"
                f"  最近使用 {_when(t.last_used_at)}  {state}"
            )
        print(f"共 {len(listed)} 个令牌")
    return 0


def register(sub) -> None:
    p = add_command(sub, "tokens", cmd_tokens, index=False)
    actions = p.add_subparsers(dest="action", metavar="操作", required=True)
    c = actions.add_parser(
        "create",
        help="为一个账号创建 API 令牌（只显示一次）",
        description="为一个账号创建 API 令牌，令牌单独一行输出到标准输出，只显示这一次。"
        "例：studybot tokens create --user GD001 --name 办公系统",
    )
    c.add_argument("--user", required=True, metavar="ID", help="令牌代表的账号（执法证号或工号）")
    c.add_argument("--name", metavar="TEXT", help="用途说明，例如接入的系统名称")
    ls = actions.add_parser(
        "list",
        help="列出 API 令牌（不显示令牌本身）",
        description="列出 API 令牌：编号、前缀、账号、名称、创建与最近使用时间、是否已撤销。例：studybot tokens list --json",
    )
    ls.add_argument("--user", metavar="ID", help="只列出这个账号的令牌")
    ls.add_argument("--json", action="store_true", help="以 JSON 输出")
    r = actions.add_parser(
        "revoke",
        help="撤销一个 API 令牌",
        description="撤销一个 API 令牌（按编号、前缀或完整令牌）。例：studybot tokens revoke 3",
    )
    r.add_argument("ref", metavar="ID_OR_PREFIX", help="令牌编号（见 tokens list）、前缀（如 sbk_AbCd1234）或完整令牌")
