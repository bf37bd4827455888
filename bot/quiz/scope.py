"""What a practice round or test covers: the whole plan, a part (二（一）), chosen clauses,
a document, a tag or a bank — and how that reads in the ledger (练习：二（一）…，10题)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..errors import BadScope, StudyBotError
from .lookup import as_record

KINDS = ("all", "part", "clauses", "doc", "tag", "bank")
NUMERALS = "0123456789零〇一二三四五六七八九十百千两"
MARKER = re.compile(r"^(第[^编章节条]+[编章节条]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.．、]?)\s*")
TOKEN = re.compile(r"第[^编章节条]+[编章节条]|（[一二三四五六七八九十]+）|[一二三四五六七八九十]+|\d+")


@dataclass(frozen=True)
class Scope:
    kind: str = "all"
    values: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise BadScope(f"范围类型 {self.kind!r} 无效：应为 {'、'.join(KINDS)} 之一")
        if self.kind != "all" and not self.values:
            raise BadScope("范围不能为空：请给出部分编号（如 二（一））、条款、文件、标签或题库")

    @property
    def bank_only(self) -> bool:
        return self.kind in ("tag", "bank")

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "values": list(self.values)}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Scope:
        data = json.loads(text)
        return cls(data["kind"], tuple(data.get("values") or ()))


def in_part(label: str, part: str) -> bool:
    """二（一）2 is in 二（一） and in 二, but 二（四）10 is not in 二（四）1."""
    if label == part:
        return True
    if not part or not label.startswith(part):
        return False
    # A number is only cut after its last digit: 二（四）1 does not hold 二（四）10.
    return not (part[-1] in NUMERALS and label[len(part)] in NUMERALS)


def parse_scope(text: str | None, store) -> Scope:
    """The CLI's --scope: a document id, a part or clause label (二（一）, 二（一）2), or clause ids/labels
    separated by commas."""
    text = (text or "").strip()
    if not text or text in ("all", "全部"):
        return Scope()
    if text in store.documents:
        return Scope("doc", (text,))
    refs = [r.strip() for r in re.split(r"[,，]", text) if r.strip()]
    if len(refs) == 1:
        labels = [as_record(c).label for c in store.clauses]
        if text not in labels and any(in_part(label, text) for label in labels):
            return Scope("part", (text,))
    ids = []
    for ref in refs:
        try:
            ids.append(as_record(store.find_clause(ref)).clause_id)
        except StudyBotError as exc:
            raise BadScope(f"范围 {ref!r} 既不是已索引的文件，也不是条款或部分编号：{exc}") from None
    return Scope("clauses", tuple(ids))


def clause_ids(scope: Scope, clauses) -> list[str] | None:
    """The clause ids the scope covers (None: no restriction, for the whole plan or a bank)."""
    records = [as_record(c) for c in clauses]
    if scope.kind in ("all", "tag", "bank"):
        return None
    if scope.kind == "doc":
        out = [c.clause_id for c in records if c.doc_id in scope.values]
    elif scope.kind == "part":
        out = [c.clause_id for c in records if any(in_part(c.label, p) for p in scope.values)]
    else:
        known = {c.clause_id for c in records}
        missing = [v for v in scope.values if v not in known]
        if missing:
            raise BadScope(f"条款 {'、'.join(missing)} 不在当前索引中（条款内容可能已修改），请重新选择条款")
        out = list(scope.values)
    if not out:
        raise BadScope(f"范围 {'、'.join(scope.values)} 没有对应的条款，可用 studybot clauses 查看条款编号")
    return out


def describe(scope: Scope, clauses, documents: dict, bank_names: dict | None = None) -> str:
    """How the scope reads in the ledger and on the page: 二（一）全面提升行政执法人员能力素质."""
    records = [as_record(c) for c in clauses]
    if scope.kind == "all":
        return "全部条款"
    if scope.kind == "doc":
        return "、".join(f"《{documents.get(d, {}).get('title', d)}》" for d in scope.values)
    if scope.kind == "tag":
        return "标签“" + "、".join(scope.values) + "”"
    if scope.kind == "bank":
        names = bank_names or {}
        return "题库“" + "、".join(names.get(v, v) for v in scope.values) + "”"
    if scope.kind == "part":
        return "、".join(_part_name(p, records) for p in scope.values)
    by_id = {c.clause_id: c for c in records}
    named = [f"{by_id[i].label}{by_id[i].title}" for i in scope.values if i in by_id]
    return named[0] if len(named) == 1 else f"{'、'.join(n for n in named[:3])}等 {len(named)} 条"


def _part_name(part: str, records) -> str:
    for c in records:
        if c.label == part:
            return f"{part}{c.title}"
        if in_part(c.label, part):
            depth = len(TOKEN.findall(part))
            if 0 < depth <= len(c.headings):
                return part + MARKER.sub("", c.headings[depth - 1])
            return part
    return part
