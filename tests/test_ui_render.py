"""What the chat shows, without a browser: escaping, citations, the context panel."""

from __future__ import annotations

from types import SimpleNamespace

from bot.records import ClauseRecord
from bot.ui import render


def citation(**kw):
    base = dict(label="二（一）2", title="加强业务学习培训", doc_title="实施计划", clause_id="d:1",
                quote="每人每年<b>60</b>学时", text="全文")
    return SimpleNamespace(**{**base, **kw})


def test_questions_are_shown_as_text():
    shown = render.question_markdown("<script>alert(1)</script>*粗*")
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "\\*粗\\*" in shown


def test_answer_has_numbered_expandable_citations_and_notices():
    answer = SimpleNamespace(answer="依据二（一）2：“每人每年”[1]。", notices=["问题过长，只按前 500 个字处理。"],
                             citations=[citation()], refused=False)
    md = render.answer_markdown(answer)
    assert "<summary>[1] 二（一）2「加强业务学习培训」</summary>" in md
    assert "&lt;b&gt;60&lt;/b&gt;" in md and "《实施计划》" in md
    assert "问题过长" in md


def test_opened_citation_is_matched_by_summary_and_document():
    cited = [{"label": "二（一）2", "title": "加强业务学习培训", "doc_title": "甲", "clause_id": "a"},
             {"label": "二（一）2", "title": "加强业务学习培训", "doc_title": "乙", "clause_id": "b"}]
    assert render.match_citation("123\n[1] 二（一）2「加强业务学习培训」\n……\n——《甲》", cited)["clause_id"] == "a"
    assert render.match_citation("[1] 三（二）1「别的」", cited) is None


def test_context_marks_the_cited_clause():
    clauses = [ClauseRecord(c, "d", c, c, "标题" + c, ("二、重点任务",), "", "正文" + c, ("正文" + c,), ("",), i)
               for i, c in enumerate(("x", "y", "z"))]
    md = render.context_markdown({"title": "文件"}, clauses, "y")
    assert "▶ 本条：y「标题y」" in md and "正文x" in md and "正文z" in md
