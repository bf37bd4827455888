"""审阅回答: the flagged answers and a random sample of recent ones; each marked 正确 or 不正确
with a note; for an incorrect one the right clause (searched by label or text) and its key facts,
then 加入评测题集 (bot/review.py's promote) and 教给助手 (bot/teaching.py); for one the texts do not
cover, 教为拒答 (a taught refusal, bot/teaching.py)."""

from __future__ import annotations

import re

import gradio as gr

from ....errors import BadReview, StudyBotError
from ....review import find_clauses
from ...auth import checked
from .view import (
    QUEUE_HEADERS,
    SAMPLE_PREFIX,
    clause_choice,
    clause_html,
    item_html,
    item_key,
    item_name,
    ok,
    queue_rows,
    warn,
)

SAMPLE = 10  # recent answers drawn at random into each queue
PICK_FIRST = "请先在上面的表格里点选一条回答（或填写它的编号）。"
# Key facts are verbatim pieces of the clause; 、 is not a separator (双随机、一公开 is one fact).
FACT_SEPARATORS = re.compile(r"[,，;；\n]+")


def split_facts(text: str) -> list[str]:
    return [f.strip() for f in FACT_SEPARATORS.split(text or "") if f.strip()]


class ReviewCallbacks:
    """The queue is kept per browser session (gr.State, on the server): {"items": [Candidate…],
    "marked": {key: verdict shown}}; the user comes from the session cookie on every event."""

    def __init__(self, ctx):
        self.bot, self.auth = ctx.bot, ctx.auth

    def list(self, request: gr.Request):
        """A fresh queue. -> table, queue."""
        user = self.auth.require_trainer(request)
        queue = {"items": self.bot.review.queue(user, sample=SAMPLE), "marked": {}}
        return queue_rows(queue["items"], queue["marked"]), queue

    def _item(self, user, key, queue):
        key = checked(key, "编号").strip().removeprefix("反馈").strip()
        if not key:
            raise BadReview(PICK_FIRST)
        for c in (queue or {}).get("items", ()):
            if item_key(c) == key:
                return c
        if key.isdigit():  # a flagged answer by its feedback number, in the queue or not
            return self.bot.review.flagged(user, int(key))
        raise BadReview(f"找不到编号为 {key} 的回答：{SAMPLE_PREFIX}的回答只能从当前列表中选，请刷新列表后重新选择。")

    def open(self, key, queue, request: gr.Request):
        """-> number box, the item shown, its saved review (none yet), message."""
        user = self.auth.require_trainer(request)
        try:
            c = self._item(user, key, queue)
        except StudyBotError as exc:
            return gr.update(), "", None, warn(str(exc))
        return item_key(c), item_html(c, (queue or {}).get("marked", {}).get(item_key(c))), None, ""

    def select(self, queue, data: gr.SelectData, request: gr.Request):
        """A row clicked in the table: the item it shows opened."""
        row = data.row_value if isinstance(getattr(data, "row_value", None), list) else None
        key = row[0] if row else ""
        return self.open(key, queue, request)

    def _mark(self, request, key, queue, verdict, note, clause_id="", facts=""):
        """-> table, queue, saved review id, message."""
        user = self.auth.require_trainer(request)
        try:
            c = self._item(user, key, queue)
            clause, key_facts = None, []
            if verdict == "incorrect":
                key_facts = split_facts(checked(facts, "要点"))
                clause = self._clause(clause_id) if clause_id else None
                if key_facts and clause is None:
                    raise BadReview("要点须出自正确的条款：请先搜索并选出正确的条款。")
            review = self.bot.review.mark(
                user,
                question=c.question,
                answer=c.answer,
                verdict=verdict,
                note=checked(note, "审阅备注"),
                feedback_id=c.feedback_id,
                clause=clause,
                key_facts=key_facts,
            )
        except StudyBotError as exc:
            return gr.update(), queue, gr.update(), warn(str(exc))
        queue = dict(queue or {"items": [], "marked": {}})
        queue["marked"] = {
            **queue.get("marked", {}),
            item_key(c): f"已审阅：{'正确' if verdict == 'correct' else '不正确'}",
        }
        message = f"{item_name(c)} 已标记为已审阅：{'正确' if verdict == 'correct' else '不正确'}。"
        if review.clause_label:
            message += (
                f"\n正确条款 {review.clause_label}，要点：{'、'.join(review.key_facts) or '（未填）'}。"
                "可以接着“加入评测题集”或“教给助手”。"
            )
        elif verdict == "incorrect":
            message += "\n如要加入评测题集或教给助手：先选出正确条款、填写要点，再点一次“标记为不正确”。"
        return queue_rows(queue["items"], queue["marked"]), queue, review.id, ok(message)

    def mark_correct(self, key, note, queue, request: gr.Request):
        return self._mark(request, key, queue, "correct", note)

    def mark_incorrect(self, key, note, clause_id, facts, queue, request: gr.Request):
        return self._mark(request, key, queue, "incorrect", note, clause_id, facts)

    def _clause(self, clause_id: str):
        clause = self.bot.store.by_id.get(checked(clause_id, "条款"))
        if clause is None:
            raise BadReview("所选条款已不在当前索引中（文件可能已更新），请重新搜索并选择。")
        return clause

    def search(self, query, request: gr.Request):
        """-> clause picker, picked clause shown (cleared), message."""
        self.auth.require_trainer(request)
        query = checked(query, "搜索内容").strip()
        if not query:
            return gr.update(choices=[], value=None), "", warn("请输入条款编号（如 二（四）11）或条款里的字词。")
        found = find_clauses(self.bot.store, query)
        if not found:
            return gr.update(choices=[], value=None), "", warn(f"没有找到与“{query}”相符的条款，换个编号或字词试试。")
        return gr.update(choices=[clause_choice(c, query) for c in found], value=None), "", ""

    def pick(self, clause_id, request: gr.Request):
        """-> the picked clause's whole text."""
        self.auth.require_trainer(request)
        if not clause_id:
            return ""
        try:
            return clause_html(self._clause(clause_id))
        except StudyBotError as exc:
            return warn(str(exc))

    def _saved(self, saved):
        if saved in (None, ""):
            raise BadReview("请先点“标记为不正确”保存审阅（选出正确条款并填写要点）。")
        return self.bot.review.get(int(saved))

    def promote(self, saved, request: gr.Request):
        """-> message."""
        user = self.auth.require_trainer(request)
        try:
            review = self._saved(saved)
            path = self.bot.review.promote(user, review.id)
        except StudyBotError as exc:
            return warn(str(exc))
        count = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
        return ok(
            f"已加入评测题集 {path.name}（题号 r{review.id:05d}，题集现有 {count} 题）：“{review.question}”"
            f" → {review.clause_label}，要点 {'、'.join(review.key_facts)}。下次运行评测时会计入这道题。"
        )

    def teach(self, saved, request: gr.Request):
        """-> message."""
        user = self.auth.require_trainer(request)
        try:
            review = self._saved(saved)
            if review.verdict != "incorrect" or not review.clause_id:
                raise BadReview("只有标记为不正确、并选出了正确条款的回答才能教给助手。")
            if review.alias_id is not None:
                taught = self.bot.teaching.get(review.alias_id)
                if taught.removed_at is None and taught.clause_id == review.clause_id:
                    return ok(f"这条已经教过了（教学编号 {taught.id}）：“{taught.question}” → {taught.clause_label}。")
            clause = self.bot.store.by_id.get(review.clause_id) or self.bot.store.find_clause(review.clause_label)
            alias = self.bot.teaching.teach(user, review.question, clause)
            self.bot.review.link_alias(user, review.id, alias.id)
        except StudyBotError as exc:
            return warn(str(exc))
        return ok(
            f"已教给助手（教学编号 {alias.id}）：以后再问“{alias.question}”或意思相近的问题，会找到 "
            f"{clause.label}「{clause.title}」。可在“已教学的问法”里查看或删除。"
        )

    def teach_refusal(self, saved, request: gr.Request):
        """-> message. The reviewed question taught as one the texts loaded do not cover."""
        user = self.auth.require_trainer(request)
        try:
            review = self._saved(saved)
            if review.verdict != "incorrect":
                raise BadReview("只有标记为不正确的回答才能教为拒答。")
            if review.clause_id:
                raise BadReview(
                    f"这条审阅已选出正确条款 {review.clause_label}：文本有答案，请用“教给助手”；"
                    "如确实没有涉及，请不选条款、再点一次“标记为不正确”。"
                )
            refusal = self.bot.teaching.teach_refusal(user, review.question, list(self.bot.store.documents))
        except StudyBotError as exc:
            return warn(str(exc))
        return ok(
            f"已教为拒答（教学编号 R{refusal.id}）：以后再问“{refusal.question}”，助手会回答已加载的文本没有涉及；"
            "意思相近的问题也更可能如实拒答。可在“已教学的问法”里查看或删除。"
        )


def build_queue(ctx, parent_tab) -> None:
    cb = ReviewCallbacks(ctx)
    queue, saved = gr.State({"items": [], "marked": {}}), gr.State(None)
    gr.Markdown(
        "执法人员标记为“没帮助”或写了纠正意见的回答排在前面，其后是随机抽查的近期回答。"
        "点选一行查看，再标记为正确或不正确。"
    )
    refresh = gr.Button("刷新列表（重新抽查）", elem_id="review-refresh", size="sm")
    table = gr.Dataframe(
        headers=list(QUEUE_HEADERS), elem_id="review-table", interactive=False, wrap=True, max_height=360
    )
    with gr.Row(equal_height=True):
        # #review-id and #review-mark keep the ids of the first review page (tests/test_web.py uses them).
        key = gr.Textbox(label="编号（点表格的一行即可填入）", elem_id="review-id", max_lines=1, scale=3)
        show = gr.Button("查看", elem_id="review-open", size="sm", scale=0, min_width=70)
    item = gr.HTML(elem_id="review-item")
    note = gr.Textbox(label="审阅备注（可选）", elem_id="review-note", max_lines=3)
    with gr.Accordion("回答不正确时：选出正确的条款和要点", open=True, elem_id="review-fix"):
        with gr.Row(equal_height=True):
            query = gr.Textbox(
                label="搜索条款：编号（如 二（四）11）或条款里的字词", elem_id="clause-search", max_lines=1, scale=4
            )
            search = gr.Button("搜索", elem_id="clause-search-btn", size="sm", scale=0, min_width=70)
        picker = gr.Radio(label="搜索结果（选一条）", choices=[], elem_id="clause-pick")
        picked = gr.HTML(elem_id="clause-text")
        facts = gr.Textbox(
            label="要点：从上面的条款原文中复制，多个用逗号分隔",
            elem_id="key-facts",
            max_lines=2,
            placeholder="例如：司法所",
        )
    with gr.Row():
        correct_btn = gr.Button("标记为正确", elem_id="review-mark", variant="primary")
        wrong_btn = gr.Button("标记为不正确", elem_id="review-mark-wrong", variant="stop")
        promote_btn = gr.Button("加入评测题集", elem_id="review-promote")
        teach_btn = gr.Button("教给助手", elem_id="review-teach")
        refuse_btn = gr.Button("文本没有涉及：教为拒答", elem_id="review-teach-refusal")
    message = gr.HTML(elem_id="review-msg")

    opened = [key, item, saved, message]
    marked = [table, queue, saved, message]
    refresh.click(cb.list, None, [table, queue], api_name="review_list")
    parent_tab.select(cb.list, None, [table, queue], api_visibility="private")
    table.select(cb.select, [queue], opened, api_visibility="private")
    show.click(cb.open, [key, queue], opened, api_visibility="private")
    key.submit(cb.open, [key, queue], opened, api_visibility="private")
    correct_btn.click(cb.mark_correct, [key, note, queue], marked, api_name="review_mark")
    wrong_btn.click(cb.mark_incorrect, [key, note, picker, facts, queue], marked, api_name="review_mark_incorrect")
    search.click(cb.search, [query], [picker, picked, message], api_name="review_clause_search")
    query.submit(cb.search, [query], [picker, picked, message], api_visibility="private")
    picker.change(cb.pick, [picker], [picked], api_visibility="private")
    promote_btn.click(cb.promote, [saved], [message], api_name="review_promote")
    teach_btn.click(cb.teach, [saved], [message], api_name="review_teach")
    refuse_btn.click(cb.teach_refusal, [saved], [message], api_name="review_teach_refusal")
