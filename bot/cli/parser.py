"""argparse in Chinese: its own texts (usage, section titles, -h, and the errors it reports for a
missing, unknown or malformed argument) are English; an officer typing a command wrongly gets
them in Chinese here. Every sub-command's parser is of this class (argparse makes sub-parsers of
their parent's class)."""

from __future__ import annotations

import argparse
import re
import sys

_TYPE_NAMES = {"int": "整数", "float": "数字"}


def _translate(message: str, patterns) -> str:
    """The first pattern that matches the whole message says it in Chinese; else it is kept."""
    for pattern, say in patterns:
        m = re.fullmatch(pattern, message)
        if m:
            return say(*m.groups())
    return message


# What follows "argument --x: ".
_ARGUMENT_PATTERNS = (
    (r"invalid choice: (.+?) \(choose from (.+)\)", lambda choice, options: f"没有 {choice} 这个选项，可选：{options}"),
    (r"invalid (\w+) value: (.+)", lambda kind, value: f"{value} 不是有效的{_TYPE_NAMES.get(kind, kind)}"),
    (r"not allowed with argument (.+)", lambda other: f"不能与 {other} 同时使用"),
    (r"expected one argument", lambda: "后面需要给一个值"),
    (r"expected at most one argument", lambda: "后面最多给一个值"),
    (r"expected at least one argument", lambda: "后面至少要给一个值"),
)
_ERROR_PATTERNS = (
    (r"the following arguments are required: (.+)", lambda names: f"缺少必填参数：{names}"),
    (r"unrecognized arguments: (.+)", lambda names: f"无法识别的参数：{names}"),
    (r"one of the arguments (.+) is required", lambda names: f"参数 {names} 必须给出其中一个"),
    (r"ambiguous option: (\S+) could match (.+)", lambda option, names: f"选项 {option} 不明确，可能是：{names}"),
    (r"argument (.+?): (.+)", lambda name, rest: f"参数 {name} {_translate(rest, _ARGUMENT_PATTERNS)}"),
)


def chinese_error(message: str) -> str:
    """argparse's error message in Chinese (unknown ones are kept as they are)."""
    return _translate(message, _ERROR_PATTERNS)


class ChineseArgumentParser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "位置参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示帮助并退出")

    def format_usage(self) -> str:
        return _chinese_usage(super().format_usage())

    def format_help(self) -> str:
        return _chinese_usage(super().format_help())

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{chinese_error(message)}\n")


def _chinese_usage(text: str) -> str:
    return "用法：" + text[len("usage: ") :] if text.startswith("usage: ") else text
