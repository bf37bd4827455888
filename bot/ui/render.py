"""Answers, citations and clauses as the Markdown/HTML the chat shows; pure functions, no Gradio."""

from __future__ import annotations

import html
import re
from datetime import UTC, timedelta, timezone

# Characters Markdown would turn into formatting; officers' questions are shown as typed.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~])")
MAX_SHOWN_QUESTION = 2000


def plain(text: str) -> str:
    """Text shown literally inside Markdown: HTML escaped, Markdown marks backslashed."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text or "", quote=False))


def question_markdown(question: str) -> str:
    text = question if len(question) <= MAX_SHOWN_QUESTION else question[:MAX_SHOWN_QUESTION] + "…"
    return plain(text)


def citation_summary(n: int, citation) -> str:
    """'[1] 二（一）2「加强业务学习培训」': what the collapsed citation shows."""
    return f"[{n}] {citation.label}「{citation.title}」"


def citation_block(n: int, citation) -> str:
    quote = citation.quote or citation.text
    return (
        f'<details class="citation"><summary>{html.escape(citation_summary(n, citation))}</summary>'
        f"<blockquote>{html.escape(quote)}</blockquote>"
        f"<p>——《{html.escape(citation.doc_title)}》{html.escape(citation.label)}</p></details>"
    )


def answer_markdown(answer) -> str:
    """The answer text, its notices, and one expandable block per citation."""
    parts = [plain(answer.answer).replace("\n", "\n\n")]
    for notice in answer.notices:
        parts.append(f"*（提示：{plain(notice)}）*")
    if answer.citations:
        parts.append("**引用条款**（点开可看原文与上下文）：" if not answer.refused
                     else "**最接近的条款**（仅供参考，并不回答这个问题）：")
        parts.append("\n".join(citation_block(n, c) for n, c in enumerate(answer.citations, start=1)))
    return "\n\n".join(parts)


def context_markdown(document: dict, clauses, focus_id: str) -> str:
    """The cited clause between its neighbours, the cited one marked, for the side panel."""
    lines = [f"### 《{plain(document.get('title', ''))}》"]
    focus = next((c for c in clauses if c.clause_id == focus_id), None)
    if focus and focus.headings:
        lines.append(" › ".join(plain(h) for h in focus.headings))
    for c in clauses:
        head = f"{plain(c.label)}「{plain(c.title)}」"
        body = plain(c.text).replace("\n", "\n\n")
        if c.clause_id == focus_id:
            lines.append(f"#### ▶ 本条：{head}\n\n{body}")
            if c.units:
                lines.append(f"责任单位：{plain(c.units)}")
        else:
            lines.append(f"<div class=\"context-neighbour\">\n\n**{head}**\n\n{body}\n\n</div>")
    return "\n\n".join(lines)


def match_citation(picked: str, citations: list[dict]) -> dict | None:
    """The citation whose opened block the browser reported (its summary and document title)."""
    for c in reversed(citations):  # the latest answer first
        if f"{c['label']}「{c['title']}」" in picked and c["doc_title"] in picked:
            return c
    for c in reversed(citations):
        if f"{c['label']}「{c['title']}」" in picked:
            return c
    return None


REVIEW_HEADERS = ("编号", "已审阅", "评价", "时间（北京时间）", "账号", "问题", "纠正意见", "回答")
# Guangdong is on China Standard Time all year; the database stores UTC.
CHINA = timezone(timedelta(hours=8))


def rating_label(rating: int) -> str:
    return {1: "👍 有帮助", -1: "👎 没帮助"}.get(rating, str(rating))


def review_rows(items) -> list[list]:
    """Flagged feedback as table rows for the trainers' review tab."""
    rows = []
    for f in items:
        answer = f.answer if len(f.answer) <= 120 else f.answer[:120] + "…"
        when = f.created_at if f.created_at.tzinfo else f.created_at.replace(tzinfo=UTC)
        rows.append([f.id, "是" if f.reviewed else "否", rating_label(f.rating),
                     when.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"), f.user_id, f.question,
                     f.correction or "", answer])
    return rows
