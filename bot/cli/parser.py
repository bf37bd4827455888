"""argparse in Chinese: its own texts (usage, section titles, -h, and the errors it reports for a
missing, unknown or malformed argument) are English; an officer typing a command wrongly gets
them in Chinese here. Every sub-command's parser is of this class (argparse makes sub-parsers of
their parent's class)."""

from __future__ import annotations

import argparse
import re
import sys

_TYPE_NAMES = {"int": "整数", "float": "数字"}


def _argument_message(message: str) -> str:
    """The part after "argument --x: "."""
    m = re.fullmatch(r"invalid choice: (.+?) \(choose from (.+)\)", message)
    if m:
        return f"没有 {m.group(1)} 这个选项，可选：{m.group(2)}"
    m = re.fullmatch(r"invalid (\w+) value: (.+)", message)
    if m:
        return f"{m.group(2)} 不是有效的{_TYPE_NAMES.get(m.group(1), m.group(1))}"
    m = re.fullmatch(r"not allowed with argument (.+)", message)
    if m:
        return f"不能与 {m.group(1)} 同时使用"
    fixed = {
        "expected one argument": "后面需要给一个值",
        "expected at most one argument": "后面最多给一个值",
        "expected at least one argument": "后面至少要给一个值",
    }
    return fixed.get(message, message)


def chinese_error(message: str) -> str:
    """argparse's error message in Chinese (unknown ones are kept as they are)."""
    m = re.fullmatch(r"the following arguments are required: (.+)", message)
    if m:
        return f"缺少必填参数：{m.group(1)}"
    m = re.fullmatch(r"unrecognized arguments: (.+)", message)
    if m:
        return f"无法识别的参数：{m.group(1)}"
    m = re.fullmatch(r"one of the arguments (.+) is required", message)
    if m:
        return f"参数 {m.group(1)} 必须给出其中一个"
    m = re.fullmatch(r"ambiguous option: (\S+) could match (.+)", message)
    if m:
        return f"选项 {m.group(1)} 不明确，可能是：{m.group(2)}"
    m = re.fullmatch(r"argument (.+?): (.+)", message)
    if m:
        return f"参数 {m.group(1)} {_argument_message(m.group(2))}"
    return message


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
