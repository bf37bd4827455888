"""What the 评测 tab shows, as table rows, HTML and a plot's data: pure functions over the
services' records (bot/review.py, bot/teaching.py, bot/evaluation/store.py); no Gradio here."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from ....teaching import Refusal
from ...render import china_time, esc, rating_label

QUEUE_HEADERS = ("编号", "来源", "状态", "时间（北京时间）", "评价", "问题", "引用条款", "纠正意见", "回答")
SOURCES = {"feedback": "执法人员标记", "sample": "随机抽查"}
REFUSED_LABEL = "（文本没有涉及：拒答）"
ALIAS_HEADERS = ("编号", "问法", "条款", "教学人", "教学时间（北京时间）", "状态")
RUN_HEADERS = ("编号", "时间（北京时间）", "题集", "题数", "检索命中@1", "答案要点正确率", "拒答召回率", "索引版本")
WORSE_HEADERS = ("题号", "题型", "问题")
# The fusion variant's figures drawn over time, beside the share of reviewed answers marked correct.
PLOTTED = {"hit@1": "检索命中@1", "answer_key_accuracy": "答案要点正确率", "refusal_recall": "拒答召回率"}
REVIEWED_CORRECT = "审阅判为正确的比例"
PLOT_COLUMNS = ("时间", "指标", "比例")
SAMPLE_PREFIX = "抽查"


def ok(text: str) -> str:
    return f'<p style="color:#065f46;white-space:pre-line;margin:.3em 0">✅ {esc(text)}</p>'


def warn(text: str) -> str:
    return f'<p style="color:#991b1b;white-space:pre-line;margin:.3em 0">⚠️ {esc(text)}</p>'


def item_key(c) -> str:
    """The number a trainer clicks or types to pick an item: a flagged answer's feedback number,
    a sampled answer's 抽查 and its conversation turn's number."""
    if c.source == "sample" and c.turn_id is not None:
        return f"{SAMPLE_PREFIX}{c.turn_id}"
    return str(c.feedback_id)


def item_name(c) -> str:
    key = item_key(c)
    return key if key.startswith(SAMPLE_PREFIX) else f"反馈 {key}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "…"


def _rating(c) -> str:
    return rating_label(c.rating) if c.rating in (1, -1) else "未评价"


def queue_rows(items, marked: dict[str, str]) -> list[list]:
    return [
        [
            item_key(c),
            SOURCES.get(c.source, c.source),
            marked.get(item_key(c), "待审阅"),
            china_time(c.created_at),
            _rating(c),
            c.question,
            "、".join(c.cited) or "（未引用）",
            c.correction or "",
            _short(c.answer),
        ]
        for c in items
    ]


def item_html(c, marked: str | None = None) -> str:
    """One answer to review: the question, the whole answer, its citations, the officer's rating
    and correction (the account only for a flagged one: the officer sent it for review)."""
    who = f"，账号 {esc(c.user_id)}" if c.source == "feedback" else ""
    rows = [
        f"<p><b>{esc(item_name(c))}</b>（{esc(SOURCES.get(c.source, c.source))}，"
        f"{esc(china_time(c.created_at))}{who}）{'　<b>' + esc(marked) + '</b>' if marked else ''}</p>",
        f"<p><b>问题：</b>{esc(c.question)}</p>",
        "<p><b>回答：</b><br>" + esc(c.answer).replace("\n", "<br>") + "</p>",
        f"<p><b>引用条款：</b>{esc('、'.join(c.cited) or '（未引用）')}</p>",
        f"<p><b>执法人员的评价：</b>{esc(_rating(c))}</p>",
    ]
    if c.correction:
        rows.append(f"<p><b>纠正意见：</b>{esc(c.correction)}</p>")
    return '<div class="review-item">' + "".join(rows) + "</div>"


def snippet(text: str, query: str, width: int = 24) -> str:
    """A bit of the clause around the first word searched for (its start if none occurs)."""
    text = " ".join(text.split())
    at = min((i for i in (text.find(w) for w in (query or "").split()) if i >= 0), default=-1)
    if at < 0:
        return _short(text, 2 * width)
    start = max(0, at - width // 2)
    return ("…" if start else "") + text[start : start + 2 * width] + ("…" if start + 2 * width < len(text) else "")


def clause_choice(c, query: str) -> tuple[str, str]:
    """(what the picker shows, the clause id it stands for)."""
    return f"{c.label}「{c.title}」：{snippet(c.text, query)}", c.clause_id


def clause_html(c) -> str:
    """The picked clause in full, so the key facts can be copied from it."""
    head = " › ".join(esc(h) for h in c.headings)
    units = f'<p style="opacity:.75">责任单位：{esc(c.units)}</p>' if c.units else ""
    return (
        f'<div class="picked-clause"><p style="opacity:.75">{head}</p>'
        f"<p><b>{esc(c.label)}「{esc(c.title)}」</b></p>"
        f"<p>{esc(c.text).replace(chr(10), '<br>')}</p>{units}</div>"
    )


def alias_rows(aliases, name_of, refusals=()) -> list[list]:
    """Taught aliases (numbered as taught) and taught refusals (R + number), newest first."""
    rows = []
    for a in sorted([*aliases, *refusals], key=lambda t: t.created_at, reverse=True):
        state = "有效" if a.removed_at is None else f"已删除（{name_of(a.removed_by)}，{china_time(a.removed_at)}）"
        refusal = isinstance(a, Refusal)
        rows.append(
            [
                f"R{a.id}" if refusal else str(a.id),
                a.question,
                REFUSED_LABEL if refusal else a.clause_label,
                name_of(a.created_by),
                china_time(a.created_at),
                state,
            ]
        )
    return rows


def _figure(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def run_label(run) -> str:
    n = run.metrics.get("fusion", {}).get("n", "?")
    return f"#{run.id}　{china_time(run.created_at)}　{run.set_name}（{n} 题）"


def run_rows(runs) -> list[list]:
    rows = []
    for r in runs:
        m = r.metrics.get("fusion", {})
        rows.append(
            [
                r.id,
                china_time(r.created_at),
                r.set_name,
                m.get("n"),
                _figure(m.get("hit@1")),
                _figure(m.get("answer_key_accuracy")),
                _figure(m.get("refusal_recall")),
                r.generation,
            ]
        )
    return rows


def _local(t: datetime) -> pd.Timestamp:
    return pd.Timestamp(china_time(t, "%Y-%m-%d %H:%M"))


def accuracy_frame(runs, days) -> pd.DataFrame:
    """Long-form data for the line plot: one row per (time, metric); `days` is
    ReviewService.accuracy_by_day() (the day's share is drawn at noon of that day)."""
    rows = []
    for r in sorted(runs, key=lambda r: r.created_at):
        m = r.metrics.get("fusion", {})
        rows += [(_local(r.created_at), label, m[key]) for key, label in PLOTTED.items() if m.get(key) is not None]
    rows += [(pd.Timestamp(day) + pd.Timedelta(hours=12), REVIEWED_CORRECT, share) for day, _, share in days]
    frame = pd.DataFrame(rows, columns=list(PLOT_COLUMNS))
    frame["时间"] = pd.to_datetime(frame["时间"])
    frame["比例"] = frame["比例"].astype(float)
    return frame.sort_values("时间", kind="stable").reset_index(drop=True)


def worse_rows(items, kinds: dict[str, str]) -> list[list]:
    return [[w["id"], kinds.get(w.get("kind"), w.get("kind") or ""), w.get("question", "")] for w in items]
