"""The evaluation report: one HTML file, offline (no script, font or style from elsewhere)."""

from __future__ import annotations

from html import escape

from ..goldset import KINDS
from .runner import VARIANT_NAMES, EvalRun

LABELS = {
    "n": "题数",
    "hit@1": "检索命中@1",
    "hit@3": "检索命中@3",
    "hit@5": "检索命中@5",
    "mrr": "MRR",
    "citation_precision": "引用准确率",
    "answer_key_accuracy": "答案要点正确率",
    "refusal_precision": "拒答精确率",
    "refusal_recall": "拒答召回率",
    "in_scope_refused": "误拒率",
    "p50_ms": "耗时中位数（毫秒）",
    "p95_ms": "耗时 P95（毫秒）",
}
STYLE = """
body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.why { color: #a30; }
.muted { color: #777; font-size: 90%; }
"""


def _cell(value) -> str:
    if value is None:
        return '<td class="num">—</td>'
    if isinstance(value, float):
        return f'<td class="num">{value:.3f}</td>' if value <= 1 else f'<td class="num">{value:.1f}</td>'
    return f'<td class="num">{escape(str(value))}</td>'


def _metrics_table(columns: dict[str, dict], header: str) -> str:
    rows = [f"<tr><th>指标</th>{''.join(f'<th>{escape(h)}</th>' for h in columns)}</tr>"]
    for key, label in LABELS.items():
        rows.append(f"<tr><th>{escape(label)}</th>{''.join(_cell(m.get(key)) for m in columns.values())}</tr>")
    return f"<h2>{escape(header)}</h2><table>{''.join(rows)}</table>"


def render(run: EvalRun) -> str:
    main = run.results["fusion"]
    variants = {VARIANT_NAMES.get(name, name): r["metrics"] for name, r in run.results.items()}
    kinds = {KINDS.get(kind, kind): m for kind, m in sorted(main["by_kind"].items())}
    failures = []
    for f in main["failures"]:
        expected = (
            "应拒答"
            if f["expected"]["refuse"]
            else ("条款 " + "、".join(f["expected"]["gold"]) + "；要点 " + "、".join(f["expected"]["key"]))
        )
        got = "拒答" if f["got"]["refused"] else "引用 " + ("、".join(f["got"]["cited"]) or "无")
        asked = escape(f["question"])
        if f.get("previous"):
            asked = f'<span class="muted">（上一问：{escape(f["previous"])}）</span><br>{asked}'
        failures.append(
            f"<tr><td>{escape(f['id'])}</td><td>{escape(KINDS.get(f['kind'], f['kind']))}</td><td>{asked}</td>"
            f"<td>{escape(expected)}</td><td>{escape(got)}<br><span class='muted'>"
            f"检索前 5：{escape('、'.join(f['got']['retrieved']))}</span><br>{escape(f['got']['answer'][:300])}</td>"
            f"<td class='why'>{escape('；'.join(f['reasons']))}</td></tr>"
        )
    failure_table = (
        (
            "<table><tr><th>编号</th><th>类型</th><th>问题</th><th>期望</th><th>实际</th><th>原因</th></tr>"
            + "".join(failures)
            + "</table>"
        )
        if failures
        else "<p>没有失败的题目。</p>"
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>回答准确率评测报告</title>
<style>{STYLE}</style></head><body>
<h1>回答准确率评测报告</h1>
<p>题集：{escape(run.set_name)}（{run.results["fusion"]["metrics"]["n"]} 题，SHA-256 {escape(run.set_sha256[:12])}…）；
索引版本：{escape(run.generation)}；嵌入模型：{escape(run.settings.get("embed_model", ""))}</p>
{_metrics_table(variants, "三种检索方式对比（默认为融合）")}
{_metrics_table(kinds, "按题型（默认检索）")}
<h2>失败的题目（{len(main["failures"])}）</h2>
{failure_table}
</body></html>
"""
