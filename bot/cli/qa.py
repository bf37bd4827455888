"""`studybot ask`: questions from the command line or, one per line, from standard input."""

from __future__ import annotations

import json
import sys

from ..errors import BadQuestion
from ..query import NOT_UNICODE
from .common import add_command, service


def _print_answer(answer) -> None:
    print(answer.answer)
    for notice in answer.notices:
        print(f"（提示：{notice}）")
    if answer.citations:
        print("\n引用：" if not answer.refused else "\n最接近的条款（仅供参考，并不回答这个问题）：")
        for n, c in enumerate(answer.citations, start=1):
            quote = f"：“{c.quote}”" if c.quote else ""
            print(f"[{n}] 《{c.doc_title}》{c.label}「{c.title}」{quote}")


def _lines(stream):
    """(text, error) per non-empty line of a byte stream: bad UTF-8 spoils its own line only."""
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            text = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield raw.decode("utf-8", "replace").rstrip("\r\n"), f"第 {number} 行：{NOT_UNICODE}"
            continue
        if text.strip():
            yield text, None


def _write(data: dict) -> None:
    # ensure_ascii=False keeps Chinese readable; a lone surrogate cannot be encoded, so it is
    # escaped instead of ending the batch.
    try:
        line = json.dumps(data, ensure_ascii=False)
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(data)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def cmd_ask(args) -> int:
    """提问并得到带条款引用的简短回答；不给问题时从标准输入逐行读取、逐行输出 JSON。例：studybot ask "每年要参加多少学时的培训？" --json"""
    bot = service(args)
    # Models, index and dictionaries load before timing starts: elapsed_ms is the answer's own time.
    bot.warm_up()
    if args.question is not None:
        answer = bot.ask(args.question, doc_id=args.doc, top_k=args.top_k)
        if args.json:
            _write(answer.to_json())
        else:
            _print_answer(answer)
        return 0
    for text, error in _lines(sys.stdin.buffer):
        if error is None:
            try:
                _write(bot.ask(text, doc_id=args.doc, top_k=args.top_k).to_json())
                continue
            except BadQuestion as exc:
                error = str(exc)
        _write({"question": text, "error": error})
    return 0


def register(sub) -> None:
    p = add_command(sub, "ask", cmd_ask)
    p.add_argument("question", nargs="?", metavar="问题", help="要问的问题；省略则从标准输入逐行读取，逐行输出 JSON")
    p.add_argument("--doc", metavar="ID", help="只在这个文件中查找")
    p.add_argument("--top-k", type=int, default=5, metavar="K", help="检索的候选条款数（1–50，默认 5）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
