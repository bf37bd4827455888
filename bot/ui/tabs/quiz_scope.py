"""Choosing what a practice round or a test covers, shared by the officers' start page and the
trainers' 发布测验: a kind (the whole plan, a part, clauses, a document, a tag, a bank) and, for
every kind but the whole plan, one or more values offered from what this user may use."""

from __future__ import annotations

import gradio as gr

from ...errors import BadScope
from ...quiz.lookup import as_record
from ...quiz.scope import TOKEN, Scope

KINDS = (("全部条款", "all"), ("部分", "part"), ("条款", "clauses"), ("文件", "doc"), ("标签", "tag"), ("题库", "bank"))
VALUE_LABELS = {
    "part": "选择部分（如 二（一））",
    "clauses": "选择条款（可多选）",
    "doc": "选择文件",
    "tag": "选择标签",
    "bank": "选择题库",
}


def parts(labels) -> list[str]:
    """The parts above the clauses, in order: 二 and 二（一） for 二（一）2 (a clause's own label is
    chosen under 条款)."""
    out: dict[str, None] = {}
    for label in labels:
        tokens = TOKEN.findall(label)
        for depth in range(1, len(tokens)):
            out.setdefault("".join(tokens[:depth]), None)
    return list(out)


def scope_choices(bot, user, kind: str) -> list[tuple[str, str]]:
    """(label shown, value) for the kind: what is indexed, and the tags and banks this user may use."""
    quiz, store = bot.quiz, bot.store
    if kind == "part":
        return [(quiz.scope_label(Scope("part", (p,))), p) for p in parts(as_record(c).label for c in store.clauses)]
    if kind == "clauses":
        several = len(store.documents) > 1
        return [
            (f"{c.label}「{c.title}」" + (f"《{store.documents[c.doc_id]['title']}》" if several else ""), c.clause_id)
            for c in map(as_record, store.clauses)
        ]
    if kind == "doc":
        return [(d.get("title") or doc_id, doc_id) for doc_id, d in store.documents.items()]
    if kind == "tag":
        return [(t, t) for t in sorted({t for q in quiz.banks.questions(user) for t in q.tags})]
    if kind == "bank":
        return [(f"{b['name']}（{b['live']} 题）", str(b["id"])) for b in quiz.banks.banks(user) if b["live"]]
    return []


def scope_of(kind, values) -> Scope:
    """The scope chosen on the page; BadScope (in Chinese) when a kind is chosen without a value."""
    kind = kind or "all"
    if kind not in dict((v, k) for k, v in KINDS):
        raise BadScope(f"范围类型 {kind!r} 无效，请重新选择")
    if isinstance(values, str):
        values = [values]
    values = tuple(str(v) for v in values or () if str(v).strip())
    if kind != "all" and not values:
        raise BadScope(f"请先在“{VALUE_LABELS[kind]}”中选择至少一项，或把范围改为全部条款")
    return Scope(kind, values if kind != "all" else ())


def value_update(bot, user, kind: str):
    """The values box for a newly chosen kind: its choices, emptied, hidden for the whole plan."""
    if kind == "all" or not kind:
        return gr.update(choices=[], value=[], visible=False)
    choices = scope_choices(bot, user, kind)
    if not choices:
        gr.Info(f"暂时没有可选的{dict((v, k) for k, v in KINDS)[kind]}：题库和标签由培训管理员导入。")
    return gr.update(choices=choices, value=[], visible=True, label=VALUE_LABELS[kind])


def scope_controls(prefix: str):
    """The two components (kind, values), with elem_ids `<prefix>-scope-kind` and `<prefix>-scope-values`."""
    kind = gr.Radio(list(KINDS), value="all", label="范围", elem_id=f"{prefix}-scope-kind")
    values = gr.Dropdown(
        choices=[], value=[], multiselect=True, label="选择", visible=False, elem_id=f"{prefix}-scope-values"
    )
    return kind, values


class ScopeCallbacks:
    def __init__(self, ctx):
        self.bot, self.auth = ctx.bot, ctx.auth

    def kind_changed(self, kind, request: gr.Request):
        return value_update(self.bot, self.auth.require(request), kind)


def wire_scope(ctx, kind, values) -> None:
    kind.change(ScopeCallbacks(ctx).kind_changed, [kind], [values], api_visibility="private")
