"""The `studybot` command line: noun–verb commands, each module registering its own.

Each command's docstring is its help, with an example. Expected failures (StudyBotError) end
as one Chinese line on standard error and a non-zero exit; anything else is a bug and raises.
"""

from __future__ import annotations

import argparse
import sys

from ..errors import StudyBotError
from . import corpus, evaluate, hours, qa, quiz, tokens, users
from .parser import ChineseArgumentParser

MODULES = (corpus, qa, users, tokens, hours, quiz, evaluate)


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="studybot",
        description="执法学习助手：广东省行政执法政策文本的检索、问答、练习与学时记录。全部设置见 studybot settings。",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令")
    for module in MODULES:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except StudyBotError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


__all__ = ["build_parser", "main"]
