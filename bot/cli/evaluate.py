"""`studybot eval`: answer accuracy on a gold set, side by side for three retrievals, with a report."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ..errors import EvalGateFailed, StudyBotError
from ..evaluation.metrics import METRIC_NAMES
from ..settings import PACKAGE_DIR
from .common import add_command, print_json, service

DEFAULT_SET = PACKAGE_DIR.parent / "eval" / "gold" / "heldout.jsonl"
DEFAULT_GATE = PACKAGE_DIR.parent / "eval" / "gold" / "thresholds.json"
# The --json contract's metrics, with the share of answerable questions refused before the timings.
SHOWN = (*METRIC_NAMES[:-2], "in_scope_refused", *METRIC_NAMES[-2:])


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.3f}" if isinstance(value, float) and value <= 1 else str(value)


def _table(columns: dict[str, dict]) -> str:
    width = max(len(k) for k in SHOWN) + 2
    lines = ["".ljust(width) + "".join(name.rjust(14) for name in columns)]
    for key in SHOWN:
        lines.append(key.ljust(width) + "".join(_fmt(m.get(key)).rjust(14) for m in columns.values()))
    return "\n".join(lines)


def default_set(bot) -> Path:
    """The reported gold set, with the questions trainers promoted from their reviews appended
    (written as one combined file beside the database, so the run records exactly what it scored)."""
    from ..review import gold_file

    promoted = gold_file(bot.settings.data_dir)
    if not promoted.is_file() or not DEFAULT_SET.is_file():
        return DEFAULT_SET
    combined = promoted.with_name("reported-and-reviewed.jsonl")
    combined.write_text(
        DEFAULT_SET.read_text(encoding="utf-8").rstrip("\n") + "\n" + promoted.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return combined


def check_gate(metrics: dict, thresholds: dict) -> list[str]:
    """The metrics below their minimum, as Chinese lines (empty when the gate passes)."""
    return [
        f"{name} = {_fmt(metrics.get(name))}，低于门槛 {minimum}"
        for name, minimum in thresholds.items()
        if metrics.get(name) is None or metrics[name] < minimum
    ]


def cmd_eval(args) -> int:
    """在金标准题集上评测回答准确率（检索命中、引用准确率、答案要点、拒答、耗时），并与仅关键词、仅语义向量两种检索对比；结果存入数据库，可生成 HTML 报告。例：studybot eval --set eval/gold/heldout.jsonl --report reports/"""
    from ..evaluation.report import render
    from ..evaluation.runner import VARIANTS, evaluate

    bot = service(args)
    set_path = Path(args.set) if args.set else default_set(bot)
    if not set_path.is_file():
        raise StudyBotError(f"找不到题集文件 {set_path}，请用 --set 指定 eval/gold/ 下的 .jsonl 文件")
    variants = tuple(v for v in args.variants.split(",") if v) if args.variants else tuple(VARIANTS)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or "fusion" not in variants:
        raise StudyBotError(f"--variants 只能取 {', '.join(VARIANTS)}，且必须包含 fusion")
    run = evaluate(bot, set_path, variants)
    data = run.to_json()
    if not args.no_save:
        data["run_id"] = bot.evaluations.save(run)
    if args.report:
        folder = Path(args.report)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        report = folder / f"eval-{set_path.stem}-{data.get('run_id', stamp)}.html"
        report.write_text(render(run), encoding="utf-8")
        data["report"] = str(report)
    if args.json:
        print_json(data)
    else:
        print(f"题集 {set_path.name}：{data['metrics']['n']} 题；索引版本 {run.generation}")
        print(_table({name: r["metrics"] for name, r in run.results.items()}))
        print("\n按题型（融合检索）：")
        print(_table(data["by_kind"]))
        print(f"\n失败 {len(data['failures'])} 题" + (f"；报告：{data['report']}" if "report" in data else ""))
    if args.gate is not None:
        gate_path = Path(args.gate) if args.gate else DEFAULT_GATE
        try:
            thresholds = json.loads(gate_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise StudyBotError(f"无法读取门槛文件 {gate_path}：{exc}") from None
        below = check_gate(data["metrics"], thresholds)
        if below:
            raise EvalGateFailed("评测未达门槛：" + "；".join(below))
    return 0


def register(sub) -> None:
    p = add_command(sub, "eval", cmd_eval)
    p.add_argument(
        "--set", metavar="FILE", help="题集（.jsonl，格式见 eval/gold/README.md；默认 eval/gold/heldout.jsonl）"
    )
    p.add_argument("--json", action="store_true", help="以 JSON 输出（metrics、by_kind、failures 等）")
    p.add_argument("--report", metavar="DIR", help="在这个文件夹写一份 HTML 报告（单个文件，离线可看）")
    p.add_argument("--variants", metavar="LIST", help="要对比的检索方式，逗号分隔：fusion,keyword,dense（默认全部）")
    p.add_argument(
        "--gate", nargs="?", const="", metavar="FILE", help="低于门槛（默认 eval/gold/thresholds.json）时以非零状态退出"
    )
    p.add_argument("--no-save", action="store_true", help="不把这次评测存入数据库")
