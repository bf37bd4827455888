"""`studybot hours …`: the 学时 ledger from the command line (bot/ledger/ does the work).

The command line runs on the server, so by default it acts as the server's operator (an admin
for every unit, recorded with no 录入人); `--by ID` acts as that account instead: its role and
unit are checked, and it is recorded as who entered the records.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from ..errors import InvalidRecord
from .common import add_command, service

MAX_LISTED = 20  # officers whose new totals `hours add/bulk` prints

EXAMPLES = """例：
  studybot hours add --officer GD001 --hours 2 --date 2025-03-01 --content 行政处罚法专题培训 --form 线下
  studybot hours add --officer GD001 --minutes 90 --date 2025-03-02 --content 执法案卷评查
  studybot hours bulk --officers GD001,GD002,GD003 --hours 3 --date 2025-03-05 --content 执法规范化培训
  studybot hours show GD001 --year 2025 --json
  studybot hours summary --unit 广州市城管局 --year 2025
  studybot hours export --unit 广州市城管局 --year 2025 --format xlsx --out 登记卡2025.xlsx
  studybot hours import 网络学院学时.xlsx
  studybot hours correct 42 --reason 日期录错 --date 2025-03-04"""


def run(args, bot) -> int:
    ledger = bot.ledger
    actor = _actor(bot, getattr(args, "by", None))
    return ACTIONS[args.action](args, bot, ledger, actor)


def _actor(bot, user_id: str | None):
    from ..errors import AccountDisabled
    from ..ledger import OPERATOR

    if user_id is None:
        return OPERATOR
    user = bot.accounts.get_user(user_id)
    if user.disabled:
        raise AccountDisabled(user.id)
    return user


def _add(args, bot, ledger, actor) -> int:
    ids = ledger.add(
        actor, args.officer, day=args.date, content=args.content, form=args.form, hours=args.hours, minutes=args.minutes
    )
    return _report_added(bot, ledger, actor, args.officer, ids, args.date)


def _bulk(args, bot, ledger, actor) -> int:
    officers = _split_ids(args.officers or "")
    if args.officers_file:
        try:
            text = Path(args.officers_file).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidRecord(
                f"无法读取人员名单 {args.officers_file}：{exc}；请使用 UTF-8 文本，每行一个执法证号"
            ) from exc
        officers += _split_ids(text)
    ids = ledger.add(
        actor, officers, day=args.date, content=args.content, form=args.form, hours=args.hours, minutes=args.minutes
    )
    return _report_added(bot, ledger, actor, officers, ids, args.date)


def _split_ids(text: str) -> list[str]:
    return [part for part in text.replace("，", ",").replace("\n", ",").replace(" ", ",").split(",") if part.strip()]


def _report_added(bot, ledger, actor, officers, ids, day) -> int:
    from ..accounts import canonical_id
    from ..ledger.amounts import parse_day

    print(f"已录入 {len(ids)} 条学时记录（记录号 {', '.join(map(str, ids))}）。")
    year = parse_day(day, date.max).year  # the same text add() accepted
    for officer in officers[:MAX_LISTED]:
        card = ledger.officer_card(actor, canonical_id(officer), year)
        print(f"  {card.name}（{card.officer_id}）：{card.headline()}")
    if len(officers) > MAX_LISTED:
        print(f"  ……共 {len(officers)} 人，全单位情况请用 studybot hours summary 查看")
    return 0


def _show(args, bot, ledger, actor) -> int:
    card = ledger.officer_card(actor, args.officer_id, args.year)
    if args.json:
        _print_json(card.to_json())
        return 0
    from ..ledger.amounts import hours_text

    print(f"{card.name}（{card.officer_id}，{card.unit}）")
    print(card.headline())
    if card.open_session:
        minutes = card.open_session["seconds"] // 60
        print(f"进行中：问答学习已计时 {minutes} 分钟，停止操作 {ledger.idle_gap.seconds // 60} 分钟后计入登记卡")
    if not card.lines:
        print("本年度尚无学时记录。")
        return 0
    print(f"{'记录号':>6}  {'日期':<10}  {'学时':>7}  {'年度累计':>8}  {'形式':<4}  {'来源':<8}  培训内容")
    for line in card.lines:
        note = f"  （{line.note}）" if line.note else ""
        print(
            f"{line.id:>6}  {line.day.isoformat():<10}  {hours_text(line.hundredths):>7}  "
            f"{hours_text(line.running):>8}  {line.form:<4}  {line.source_name:<8}  {line.content}{note}"
        )
    return 0


def _summary(args, bot, ledger, actor) -> int:
    data = ledger.unit_hours(actor, args.unit, args.year, records=args.json and args.records)
    if args.json:
        _print_json(data)
        return 0
    print(
        f"{data['unit']} {data['year']} 年度：{len(data['officers'])} 人，已达标 {data['met_count']} 人（目标 {data['target']} 学时）"
    )
    for o in data["officers"]:
        state = "达标" if o["met"] else f"尚差 {o['remaining']:.2f}"
        print(f"  {o['officer']['id']:<12} {o['officer']['name']:<6} {o['year_total']:>7.2f}  {state}")
    return 0


def _export(args, bot, ledger, actor) -> int:
    fmt = args.format or ("xlsx" if args.out and args.out.lower().endswith(".xlsx") else "csv")
    if args.out is None and fmt == "xlsx" and sys.stdout.isatty():
        raise InvalidRecord("XLSX 是二进制文件，不能显示在终端：请用 --out 文件名.xlsx 保存，或重定向到文件")
    data = ledger.export(actor, args.unit, args.year, fmt)
    if args.out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    _write_atomically(Path(args.out), data)
    print(f"已导出 {args.unit} 的登记卡：{args.out}", file=sys.stderr)
    return 0


def _write_atomically(path: Path, data: bytes) -> None:
    """A half-written card is never left behind (Excel would call the file damaged)."""
    try:
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".studybot-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # mkstemp makes it owner-only; a card is an ordinary file
        os.replace(temp, path)
    except OSError as exc:
        raise InvalidRecord(
            f"无法写入文件 {path}：{exc.strerror or exc}，请检查文件夹是否存在、文件是否正被 Excel 打开"
        ) from exc


def _import(args, bot, ledger, actor) -> int:
    report = ledger.import_file(actor, args.file)
    print(report.summary())
    return 0 if report.ok else 1


def _correct(args, bot, ledger, actor) -> int:
    done = ledger.correct(
        actor,
        args.record_id,
        args.reason,
        day=args.date,
        content=args.content,
        form=args.form,
        hours=args.hours,
        minutes=args.minutes,
    )
    text = f"已更正记录 {args.record_id}：冲销记录 {done['reversal']}"
    if done["replacement"] is not None:
        text += f"，更正后的记录 {done['replacement']}"
    print(text + "。原记录保留在登记卡中，供核查。")
    return 0


ACTIONS = {
    "add": _add,
    "bulk": _bulk,
    "show": _show,
    "summary": _summary,
    "export": _export,
    "import": _import,
    "correct": _correct,
}


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def cmd_hours(args) -> int:
    """学时登记卡：录入、批量录入、查看、汇总、导出、导入、更正。例：studybot hours show GD001 --year 2025"""
    return run(args, service(args))


def register(sub) -> None:
    configure_parser(add_command(sub, "hours", cmd_hours))


def configure_parser(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EXAMPLES
    actions = p.add_subparsers(dest="action", metavar="操作", required=True)

    def action(name: str, help_text: str, example: str):
        a = actions.add_parser(name, help=help_text, description=f"{help_text}。例：{example}")
        return a

    def by(a):
        a.add_argument("--by", metavar="ID", help="以该账号（培训管理员）的身份操作并记为录入人；省略则为服务器操作员")

    def amount(a, required: bool = True):
        group = a.add_mutually_exclusive_group(required=required)
        group.add_argument("--hours", metavar="H", help="明确的学时，如 2 或 1.5（最多两位小数）")
        group.add_argument("--minutes", metavar="M", help="时长（分钟），按 45 分钟 = 1 学时折算")

    def training(a, required: bool = True):
        a.add_argument("--date", required=required, metavar="YYYY-MM-DD", help="培训日期（不能晚于今天）")
        a.add_argument("--content", required=required, metavar="TEXT", help="培训内容")

    a = action(
        "add",
        "为一名执法人员录入一次培训",
        "studybot hours add --officer GD001 --hours 2 --date 2025-03-01 --content 行政处罚法专题培训",
    )
    a.add_argument("--officer", required=True, action="append", metavar="ID", help="执法证号（可重复）")
    amount(a)
    training(a)
    a.add_argument("--form", default="线下", metavar="FORM", help="培训形式：线上/线下/自学/测验…（默认 线下）")
    by(a)

    b = action(
        "bulk",
        "为多名执法人员一次录入同一场线下培训（全部成功或全部不录入）",
        "studybot hours bulk --officers GD001,GD002 --hours 3 --date 2025-03-05 --content 执法规范化培训",
    )
    b.add_argument("--officers", metavar="ID,ID,…", help="执法证号，用逗号分隔")
    b.add_argument("--officers-file", metavar="FILE", help="人员名单文本文件，每行一个执法证号")
    amount(b)
    training(b)
    b.add_argument("--form", default="线下", metavar="FORM", help="培训形式（默认 线下）")
    by(b)

    s = action(
        "show", "查看一名执法人员本年度的学时、进度和每条记录的来源", "studybot hours show GD001 --year 2025 --json"
    )
    s.add_argument("officer_id", metavar="ID", help="执法证号")
    s.add_argument("--year", type=int, metavar="Y", help="年度（默认今年）")
    s.add_argument(
        "--json", action="store_true", help="以 JSON 输出：officer, year, year_total, target, met, remaining, records…"
    )
    by(s)

    u = action(
        "summary", "查看一个单位每人的年度累计和是否达标", "studybot hours summary --unit 广州市城管局 --year 2025"
    )
    u.add_argument("--unit", required=True, metavar="UNIT", help="单位名称（与账号中的单位一致）")
    u.add_argument("--year", type=int, metavar="Y", help="年度（默认今年）")
    u.add_argument("--json", action="store_true", help="以 JSON 输出")
    u.add_argument("--records", action="store_true", help="JSON 中包含每人的全部记录")
    by(u)

    e = action(
        "export",
        "导出一个单位的年度业务培训登记卡（XLSX 或 CSV）",
        "studybot hours export --unit 广州市城管局 --year 2025 --format xlsx --out 登记卡.xlsx",
    )
    e.add_argument("--unit", required=True, metavar="UNIT", help="单位名称")
    e.add_argument("--year", type=int, metavar="Y", help="年度（默认今年）")
    e.add_argument("--format", choices=["csv", "xlsx"], help="csv 或 xlsx（默认按 --out 的扩展名，否则 csv）")
    e.add_argument("--out", metavar="FILE", help="保存到文件；省略则写到标准输出")
    by(e)

    i = action(
        "import",
        "从其他学习平台导入学时（XLSX 或 CSV，有错误则全部不导入，重复导入不重复计入）",
        "studybot hours import 网络学院学时.xlsx",
    )
    i.add_argument("file", metavar="FILE", help="表头：执法证号,姓名,日期,培训内容,培训形式,学时（或 分钟）,来源")
    by(i)

    c = action(
        "correct",
        "更正一条记录：追加一条冲销记录（须写明原因），可同时录入更正后的记录",
        "studybot hours correct 42 --reason 日期录错 --date 2025-03-04",
    )
    c.add_argument("record_id", type=int, metavar="RECORD_ID", help="记录号（见 studybot hours show）")
    c.add_argument("--reason", required=True, metavar="TEXT", help="更正原因（会记入登记卡）")
    amount(c, required=False)
    training(c, required=False)
    c.add_argument("--form", metavar="FORM", help="更正后的培训形式")
    by(c)
