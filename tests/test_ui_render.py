"""What the chat shows, without a browser: escaping, the fact marked, conclusions, refusals,
citations opened in context."""

from __future__ import annotations

from bot.records import ClauseRecord
from bot.ui import render

CLAUSE_TEXT = "加强业务学习培训。确保每人每年接受不少于60学时的培训，原则上于2024年6月前完成轮训。鼓励线上学习。"


def clause(cid, label, text=CLAUSE_TEXT, units="", order=0):
    sentences = tuple(s + "。" for s in text.rstrip("。").split("。"))
    return ClauseRecord(
        cid, "d", cid, label, "标题" + label, ("二、重点任务",), units, text, sentences, ("",) * len(sentences), order
    )


def record(**kw):
    cited = dict(
        doc_id="d",
        doc_title="实施计划",
        clause_id="d:2",
        label="二（一）2",
        title="加强业务学习培训",
        text=CLAUSE_TEXT,
        quote="确保每人每年接受不少于60学时的培训",
        score=0.5,
        ref="",
        highlight="",
    )
    base = dict(
        question="每年多少学时？",
        answer="依据二（一）2「加强业务学习培训」：“确保每人每年接受不少于60学时的培训”[1]。",
        conclusion="",
        refused=False,
        mode="extractive",
        notices=[],
        citations=[cited],
    )
    base.update(kw)
    return base


def context(clause_id):
    return {
        "document": "实施计划",
        "focus": "d:2",
        "clauses": [
            clause("d:1", "二（一）1", "着力提高政治能力。"),
            clause("d:2", "二（一）2", units="省司法厅"),
            clause("d:3", "二（一）3", "严格资格管理。"),
        ],
    }


def test_questions_are_shown_as_text():
    shown = render.question_html("<script>alert(1)</script>*粗*\n第二行")
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "*粗*" in shown and "<br>" in shown


def test_the_highlight_is_marked_or_else_the_whole_quote():
    cited = record()["citations"][0]
    whole = render.answer_html(record(), context)
    assert '<mark class="fact">确保每人每年接受不少于60学时的培训</mark>' in whole
    part = render.answer_html(record(citations=[{**cited, "highlight": "不少于60学时"}]), context)
    assert '接受<mark class="fact">不少于60学时</mark>的培训' in part


def test_a_conclusion_comes_first():
    html = render.answer_html(record(conclusion="需要。"), context)
    assert html.index('class="conclusion">需要。') < html.index("依据")


def test_an_opened_citation_shows_the_clause_in_context_not_the_answer_again():
    html = render.answer_html(record(), context)
    opened = html[html.index("<details") :]
    assert '<mark class="quoted">确保每人每年接受不少于60学时的培训，原则上于2024年6月前完成轮训。</mark>' in opened
    assert opened.count('class="neighbour"') == 2 and "着力提高政治能力" in opened and "严格资格管理" in opened
    assert '<p class="units">责任单位：省司法厅</p></div>' in opened  # its own line, closing the clause
    assert "<blockquote" not in opened


def test_a_clause_no_longer_indexed_shows_the_text_kept_with_the_answer():
    html = render.answer_html(record(), lambda _: None)
    assert "当前索引中已没有这一条" in html and '<mark class="quoted">' in html


def test_a_refusal_lists_the_nearest_clauses_once_without_marking():
    cited = {**record()["citations"][0], "quote": ""}
    html = render.answer_html(record(refused=True, answer="已加载的文本没有涉及这个问题。", citations=[cited]), context)
    assert html.count(render.NEAREST_HEAD) == 1 and html.count("<details") == 1
    assert render.CITED_HEAD not in html and "fact" not in html


def test_messages_are_single_html_blocks_and_escape_everything():
    evil = record(answer="<img src=x onerror=alert(1)>", notices=["<b>注意</b>"])
    html = render.answer_html(evil, context)
    assert "\n\n" not in html and html.startswith("<div") and "<img" not in html and "<b>" not in html
    assert render.error_html("问题是空的").startswith('<div class="answer"><p class="warning">')
