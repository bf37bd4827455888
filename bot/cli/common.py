"""What every command module shares: building the service from settings, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys

from ..settings import Settings


def add_command(sub, name: str, func, *, index: bool = True) -> argparse.ArgumentParser:
    """A sub-command whose help is the function's docstring (first sentence in the list)."""
    doc = func.__doc__ or name
    parser = sub.add_parser(
        name, help=doc.split("。")[0], description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    if index:
        parser.add_argument(
            "--index", metavar="DIR", help="索引文件夹（默认见 studybot settings 的 STUDYBOT_INDEX_DIR）"
        )
    parser.set_defaults(func=func)
    return parser


def settings_for(args) -> Settings:
    """Settings from the environment, with the folders a command line gave."""
    return Settings.from_env(corpus_dir=getattr(args, "corpus", None), index_dir=getattr(args, "index", None))


def service(args):
    from ..service import StudyBot

    return StudyBot(settings_for(args))


def print_json(data, indent: int | None = 1) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=indent) + "\n")
