"""`studybot quiz …`: generate questions, import and export banks, practise in the terminal."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import StudyBotError
from .common import add_command, service

LETTERS = "ABCDEF"


def cmd_quiz(args) -> int:
    """出题、题库导入导出与终端练习。例：studybot quiz generate --n 40 --seed 7 --json"""
    bot = service(args)
    return ACTIONS[args.action](bot, args)


def quiz_generate(bot, args) -> int:
    from ..quiz.scope import parse_scope

    quiz = bot.quiz
    scope = parse_scope(args.scope, bot.store)
    if quiz.chat_model is not None:
        quiz.write_llm_questions(scope)
    questions = quiz.generate(args.n, seed=args.seed, scope=scope)
    if args.json:
        out = [q.to_json(_clause_text(bot, q)) for q in questions]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
        return 0
    for i, q in enumerate(questions, start=1):
        print(f"{i}. 【{q.type_name}】{q.stem}")
        for letter, option in zip(LETTERS, q.options):
            print(f"   {letter}. {option}")
        print(f"   答案：{q.answer}")
        print(f"   解析：{q.explanation}\n")
    if len(questions) < args.n:
        print(f"（这个范围内只能出 {len(questions)} 道题）", file=sys.stderr)
    return 0


def _clause_text(bot, q) -> str:
    try:
        c = bot.store.find_clause(q.clause_id)
    except StudyBotError:
        return ""
    return c.text if hasattr(c, "text") else c["text"]


def quiz_import(bot, args) -> int:
    bank_id, count = bot.quiz.banks.import_file(None, args.file, name=args.name, unit=args.unit)
    print(f"已导入 {count} 道题，题库编号 {bank_id}（{args.name or Path(args.file).stem}）。")
    return 0


def quiz_export(bot, args) -> int:
    data = bot.quiz.banks.export(None, args.format, bank_id=args.bank, include_retired=args.all)
    return _write(data, args.out)


def quiz_template(bot, args) -> int:
    from ..quiz.bank import BankService

    return _write(BankService.template(), args.out or "题库模板.xlsx")


def _write(data: bytes, out: str | None) -> int:
    if out:
        Path(out).write_bytes(data)
        print(f"已写入 {out}", file=sys.stderr)
    elif data[:2] == b"PK":
        raise StudyBotError("XLSX 是二进制文件，不能输出到终端，请用 --out 文件名.xlsx 指定保存位置")
    else:
        sys.stdout.write(data.decode("utf-8").lstrip("\ufeff"))
    return 0


def quiz_take(bot, args) -> int:
    """A practice round in the terminal; with --user it is recorded like one on the web page."""
    from ..quiz.question import is_correct
    from ..quiz.scope import parse_scope

    scope = parse_scope(args.scope, bot.store)
    quiz = bot.quiz
    if args.user:
        user = bot.accounts.get_user(args.user)
        view = quiz.start_practice(user, scope=scope, n=args.n, seed=args.seed)
        questions = [(q["stem"], q["options"], q["type_name"]) for q in view.questions]
    else:
        generated = quiz.generate(args.n, seed=args.seed or 0, scope=scope)
        questions = [(q.stem, list(q.options), q.type_name) for q in generated]
    right = 0
    for i, (stem, options, type_name) in enumerate(questions):
        print(f"\n{i + 1}/{len(questions)} 【{type_name}】{stem}")
        for letter, option in zip(LETTERS, options):
            print(f"   {letter}. {option}")
        given = _read_answer()
        if given is None:
            break
        if args.user:
            fb = quiz.answer(user, view.id, i, given)
            correct, answer, explanation = fb.correct, fb.answer, fb.explanation
        else:
            q = generated[i]
            correct, answer, explanation = is_correct(q, given), q.answer, q.explanation
        right += bool(correct)
        print(("✓ 答对了。" if correct else f"✗ 答错了，正确答案：{answer}。") + f"\n   {explanation}")
    if args.user:
        result = quiz.submit(user, view.id)
        print(f"\n得分：{result.score}/{result.total}，用时 {result.seconds // 60} 分 {result.seconds % 60} 秒。")
    else:
        print(f"\n得分：{right}/{len(questions)}。")
    return 0


def _read_answer() -> str | None:
    try:
        return input("你的答案（选择题填字母，判断题填 对/错，回车跳过，Ctrl-D 结束）：")
    except EOFError:
        print()
        return None


ACTIONS = {
    "generate": quiz_generate,
    "import": quiz_import,
    "export": quiz_export,
    "template": quiz_template,
    "take": quiz_take,
}


def register(sub) -> None:
    p = add_command(sub, "quiz", cmd_quiz)
    actions = p.add_subparsers(dest="action", metavar="操作", required=True)

    def sub(name, help_, example):
        s = actions.add_parser(name, help=help_, description=f"{help_}。例：{example}")
        # SUPPRESS: an --index given before the action must not be reset by this one's default.
        s.add_argument(
            "--index", metavar="DIR", default=argparse.SUPPRESS, help="索引文件夹（默认 index/，或 STUDYBOT_INDEX_DIR）"
        )
        return s

    g = sub(
        "generate", "按条款出题并输出（题目、选项、答案、引用、解析）", "studybot quiz generate --n 40 --seed 7 --json"
    )
    g.add_argument("--n", type=int, default=10, metavar="N", help="题目数量（默认 10）")
    g.add_argument("--seed", type=int, default=0, metavar="S", help="随机种子：相同的种子出相同的题（默认 0）")
    g.add_argument(
        "--scope", metavar="LABEL|DOC_ID", help="范围：部分或条款编号（二（一）、二（一）2）或文件 ID；默认全部"
    )
    g.add_argument("--json", action="store_true", help="以 JSON 数组输出")
    i = sub(
        "import",
        "导入题库文件（xlsx、csv、json 或 Moodle 的 gift；有错误则整个文件都不导入）",
        "studybot quiz import 题库.xlsx --name 2024年春季题库",
    )
    i.add_argument("file", metavar="FILE")
    i.add_argument("--name", metavar="NAME", help="题库名称（默认为文件名）")
    i.add_argument("--unit", metavar="UNIT", help="只给这个单位使用（默认所有单位）")
    e = sub("export", "导出题库", "studybot quiz export --format gift --out 题库.gift")
    e.add_argument("--format", required=True, choices=["xlsx", "csv", "json", "gift"], help="文件格式")
    e.add_argument("--out", metavar="FILE", help="保存到文件（xlsx 必须指定）；省略则输出到终端")
    e.add_argument("--bank", type=int, metavar="ID", help="只导出这个题库（默认全部）")
    e.add_argument("--all", action="store_true", help="连同已停用的题目一起导出")
    t = sub("template", "下载题库 XLSX 模板（第二个工作表是填写说明）", "studybot quiz template --out 题库模板.xlsx")
    t.add_argument("--out", metavar="FILE", help="保存位置（默认 题库模板.xlsx）")
    k = sub("take", "在终端做一轮练习：每题作答后显示对错和引用条款的解析", "studybot quiz take --n 5")
    k.add_argument("--n", type=int, default=10, metavar="N", help="题目数量（默认 10）")
    k.add_argument("--seed", type=int, metavar="S", help="随机种子")
    k.add_argument("--scope", metavar="LABEL|DOC_ID", help="范围（同 generate）")
    k.add_argument("--user", metavar="ID", help="记在这个账号名下（练习记录、错题本、学时）；省略则不记录")
