"""The records the index hands out: one frozen type per kind, used from the index to the page."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class ClauseRecord:
    """One citable clause of an indexed document (`二（一）2`, `第十二条`).

    `clause_id` is `doc:path:hash8`, stable while the clause's place and text are unchanged;
    `sentences[i]` is what the sentence indexes hold, `sentence_refs[i]` its 款/项 in an article.
    """

    clause_id: str
    doc_id: str
    key: str
    label: str
    title: str
    headings: tuple[str, ...]
    units: str
    text: str
    sentences: tuple[str, ...]
    sentence_refs: tuple[str, ...]
    order: int

    @classmethod
    def from_dict(cls, data: dict) -> ClauseRecord:
        return cls(
            clause_id=data["clause_id"],
            doc_id=data["doc_id"],
            key=data["key"],
            label=data["label"],
            title=data["title"],
            headings=tuple(data.get("headings") or ()),
            units=data.get("units") or "",
            text=data["text"],
            sentences=tuple(data["sentences"]),
            sentence_refs=tuple(data.get("sentence_refs") or ("",) * len(data["sentences"])),
            order=int(data.get("order", 0)),
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        for name in ("headings", "sentences", "sentence_refs"):
            data[name] = list(data[name])
        return data

    def keyword_text(self) -> str:
        """What the clause-level BM25 reads: its place, title, text and responsible units."""
        return " ".join([*self.headings, self.label, self.title, self.text, self.units])

    def sentence_id(self, index: int) -> str:
        """The Chroma id of one of its sentences."""
        return f"{self.clause_id}#{index}"
