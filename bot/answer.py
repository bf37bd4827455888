"""From retrieved clauses to a short, cited answer: decide whether the texts cover it, quote.

Retrieval and the order of steps are bot/chain.py; this module is the extractive step itself.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from .asked import BY_NAME, asked_kinds, conclusion, highlight, states_any
from .extract import (
    best_sentences,
    missing_consequence,
    missing_figure,
    sentence_span,
    slogan_not_spelled_out,
    trim,
    without_known,
)
from .keywords import tokenize
from .known import specific_kinds
from .query import Query, expand, place_references, speaks_of
from .retrieve import QueryEncoder
from .teaching import SAME_QUESTION

TOP_K = 5
# Extractor.place_references by store (weakly: a store closed and gone takes its entry with it);
# a store's clauses do not change once it is opened.
_PLACE_REFERENCES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
TAUGHT_REFUSAL = "培训管理员已确认：已加载的文本没有涉及这个问题，无法作答（不作猜测）。"
# The refusal model's own refusal (bot/trust.py); every rule before it gives its reason instead.
NOT_COVERED = "已加载的文本没有涉及这个问题，无法作答（不作猜测）。"
SECOND_SENTENCE = 0.85  # share of the best sentence's score a second quoted sentence needs
# A question about the whole text (文件里哪几处提到…, 分别, 一共…) is answered from each clause of
# the document that speaks to it: up to MORE_CLAUSES more of those retrieved, each trusted on its
# own and quoting a sentence that holds a word of what was asked (`_topic`). On the development
# folds' 73 such questions: asked of two clauses or more, 0 → 13 of 33 stated whole; cited clauses
# that are gold 0.85 → 0.60 (the gold lists the places known, not every place).
ACROSS_TEXT = re.compile(
    r"(文件|计划|文中|全文|正文)(里|中|正文里)?.{0,12}(哪|几)(些|处|种|份|部|样|个|件|方面)|分别|各是|各讲|几处|一共|出现了"
)
MORE_CLAUSES = 2
TOPIC_IDF = 2.0  # a word in fewer than about one sentence in eight
_TEXT_WORDS = frozenset(["文件", "计划", "本计划", "方案", "规定", "要求", "提到", "哪些", "哪几", "文中", "正文"])
MAX_TWO_QUOTES = 160  # characters of quotation in an answer that quotes two sentences
# A sentence up to this long is quoted whole, the part that answers highlighted: a narrow cut of a
# long sentence too often left out the fact asked for (the answer's other half, a list's items).
MAX_SENTENCE = 260
NARROW_TWO_QUOTES = 110  # the same limit when quotes are cut narrow (whole_sentences=False, as before)


@dataclass
class Citation:
    doc_id: str
    doc_title: str
    clause_id: str
    label: str
    title: str
    text: str
    quote: str
    score: float
    ref: str = ""  # 款/项 within an article
    highlight: str = ""  # the part of `quote` that states what was asked, to emphasise

    def to_json(self) -> dict:
        return {k: getattr(self, k) for k in ("doc_id", "doc_title", "clause_id", "label", "text", "quote", "score")}


@dataclass
class Answer:
    question: str
    answer: str
    citations: list[Citation]
    refused: bool
    mode: str = "extractive"
    notices: list[str] = field(default_factory=list)
    elapsed_ms: float = 0.0
    derived: str = ""
    search: str = ""
    related: list[Citation] = field(default_factory=list)  # further reading, not support
    generation: str = ""  # the index generation it was answered from
    conclusion: str = ""  # a short yes/no first (能/不能, 需要/不需要) when the quote says it plainly
    retrieved: list = field(default_factory=list, repr=False)  # the ranked clauses it was drawn from

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "citations": [c.to_json() for c in self.citations],
            "refused": self.refused,
            "mode": self.mode,
            "notices": self.notices,
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


@lru_cache(maxsize=1)
def calibration() -> dict:
    """Refusal thresholds measured on the development set by eval/calibrate.py."""
    text = resources.files("bot.data").joinpath("calibration.json").read_text(encoding="utf-8")
    return json.loads(text)


def coverage(store, question_tokens: list[str], clause) -> float:
    """Share of the question's information (IDF-weighted) found in the clause's words."""
    if not question_tokens:
        return 0.0
    weights = store.bm25_sentences.idf(question_tokens)
    words = store.clause_tokens(clause.clause_id)
    hit = sum(w for t, w in zip(question_tokens, weights) if t in words)
    return float(hit / weights.sum())


def relevance(dense: float, cover: float) -> float:
    """One number for 'the texts answer this': a line through the two features, fitted on dev."""
    cal = calibration()
    return cal["w_dense"] * dense + cal["w_cover"] * cover + cal["bias"]


DERIVED = re.compile(r"(\d+)学时")
MINUTES_PER_HOUR = re.compile(r"(\d+)分钟为1个学时")


def derive(question: str, clause_text: str) -> str:
    """A simple fact the texts imply but do not state, marked as derived (学时 → 小时)."""
    if not re.search(r"小时|钟头|多长时间|分钟|几个钟", question):
        return ""
    hours = DERIVED.search(clause_text)
    minutes = MINUTES_PER_HOUR.search(clause_text)
    if not (hours and minutes):
        return ""
    h, m = int(hours.group(1)), int(minutes.group(1))
    total = h * m
    return f"（推算：{h}学时 × {m}分钟 = {total}分钟，约合{total / 60:g}小时；此为按条文折算，条文本身未写明小时数。）"


def missing_kind(question: str, clause) -> str:
    """The kind of thing the question asks (a period, an amount, a date, a count…) that no
    sentence of the clause states, in Chinese; empty when the clause could answer it."""
    kinds = asked_kinds(question)
    specific = [k for k in kinds if k not in ("yesno", "list")]
    if not specific or any(states_any(kinds, s) for s in clause.sentences):
        return ""
    return "、".join(BY_NAME[k].label for k in specific)


class Extractor:
    """The extractive answer from ranked clauses: refuse, or quote the sentence that answers."""

    def __init__(
        self,
        store,
        encoder: QueryEncoder,
        lexicon=None,
        kind_rule: bool = False,
        whole_sentences: bool = True,
        full_sentences: bool = True,
    ):
        self.store = store
        self.encoder = encoder
        # Refuse outright when the top clause states nothing of the asked kind. Off by default: the
        # refusal model weighs that (`kind_ok`) with the rest, and refused fewer answerable
        # development questions for more unanswerable ones refused (eval/quality.py).
        self.kind_rule = kind_rule
        self.max_sentence = MAX_SENTENCE if whole_sentences else 0
        self.max_two_quotes = MAX_TWO_QUOTES if whole_sentences else NARROW_TWO_QUOTES
        self.full_sentences = full_sentences  # a part ending in ； is quoted with the rest of its sentence
        self.taught = False  # the question is one a trainer taught: its clause is trusted
        self.lexicon = lexicon  # bot/lexicon.py; without it the older two-feature line decides
        self.trust_values: dict[str, float] = {}
        self.known = None  # bot/known.py's KnownIndex for this store, set by the chain
        self.adapter = None  # bot/adapter.py's QueryAdapter, set by the chain: it helps choose the sentence
        self.refusal_model = None  # bot/trust.py's TrustModel in place of the shipped one (evaluation folds)
        # The embedding model's id: the refusal model that weighs the question's own vector needs that model.
        self.model_id = str(getattr(getattr(encoder, "embedder", None), "model_id", ""))

    def trusted(self, query: Query, doc) -> bool:
        """Whether the found clause answers the question (bot/trust.py's model)."""
        if self.taught and doc.metadata.get("alias_score", 0) > 0:
            return True
        if self.lexicon is None:
            return relevance(*self.features(query, doc)) >= 0
        from .trust import trust_model

        ci = doc.metadata["clause_index"]
        self.trust_values = self._trust().compute(query.question, query.search, ci)
        if self.known is not None:
            near = self.known.features(
                query.search,
                self.encoder(query.search),
                ci,
                self.store.clauses[ci].doc_id,
                specific_kinds(query.question),
            )
            if near is not None:
                self.trust_values.update(near)
        model = self.refusal_model or trust_model()
        return model.answers(self.trust_values, self.encoder(query.search), self.model_id)

    def _trust(self):
        """bot/trust.py's helper for this store, made once per store."""
        from .trust import TrustFeatures

        helper = self.store.derived.get("trust")
        if helper is None:
            helper = self.store.derived["trust"] = TrustFeatures(self.store, self.encoder, self.lexicon)
        return helper

    def unnamed(self, query: Query, clause_index: int) -> str:
        """Why the texts, or the clause found, cannot answer a question about something it names:
        a year or a law no loaded text mentions, a law the texts name but the clause does not, or
        a figure asked for (多少天, 几份, 比例) that the clause does not state.
        Empty when neither (and always without the refusal model, or for a taught question)."""
        if self.lexicon is None or self.taught:
            return ""
        helper = self._trust()
        unknown = helper.unknown_names(query.question)
        if unknown:
            return f"已加载的文本没有提到{'、'.join(unknown)}，无法回答这个问题（不作猜测）。"
        elsewhere = helper.names_off_clause(query.question, clause_index)
        if elsewhere:
            return f"找到的条款没有提到{'、'.join(elsewhere)}，已加载的文本没有就此作出规定，无法作答（不作猜测）。"
        if helper.figure_missing(query.question, clause_index):
            return "找到的条款没有写明这个问题所问的数字，已加载的文本没有就此作出规定，无法作答（不作猜测）。"
        return ""

    def citation(self, clause_index: int, quote: str, score: float, sentence_index: int | None = None) -> Citation:
        clause = self.store.clauses[clause_index]
        doc = self.store.documents[clause.doc_id]
        ref = clause.sentence_refs[sentence_index] if sentence_index is not None else ""
        return Citation(
            clause.doc_id,
            doc["title"],
            clause.clause_id,
            clause.label,
            clause.title,
            clause.text,
            quote,
            round(float(score), 4),
            ref,
        )

    def features(self, query: Query, doc) -> tuple[float, float]:
        """The two refusal features of a retrieved clause: best sentence cosine, word coverage."""
        ci = doc.metadata["clause_index"]
        clause = self.store.clauses[ci]
        dense = doc.metadata.get("dense_score")
        if dense is None:  # found by keywords only: measure its sentences' meaning directly
            vectors = self.store.clause_sentence_vectors(ci)
            dense = float((vectors @ self.encoder(query.search)).max()) if len(vectors) else 0.0
        # Coverage counts the plan's own terms the question was expanded with (课时 → 学时).
        return float(dense), coverage(self.store, tokenize(query.search), clause)

    def refuse(self, query: Query, docs, reason: str) -> Answer:
        """A refusal with the nearest clauses for further reading (listed once, as citations),
        only those that share an informative word with the question."""
        nearest = [
            self.citation(d.metadata["clause_index"], "", d.metadata["rrf_score"])
            for d in docs[:3]
            if self.shares_words(query, d.metadata["clause_index"])
        ]
        return Answer(
            query.question,
            reason,
            nearest,
            refused=True,
            notices=query.notices,
            search=query.search,
            retrieved=list(docs),
        )

    def shares_words(self, query: Query, clause_index: int) -> bool:
        """Whether the clause holds a word of the question that not every clause has."""
        tokens = [t for t in set(tokenize(query.question)) if len(t) > 1]
        if not tokens:
            return False
        idf = self.store.bm25_clauses.idf(tokens)
        common = np.log(1 + (len(self.store.clauses) / 2 + 0.5) / (len(self.store.clauses) / 2 + 0.5))
        words = self.store.clause_tokens(self.store.clauses[clause_index].clause_id)
        return any(t in words and w > common for t, w in zip(tokens, idf))

    def place_references(self, place: str) -> tuple[str, ...]:
        """bot/query.py's place_references over every loaded clause, worked out once per store."""
        cache = _PLACE_REFERENCES.setdefault(self.store, {})
        if place not in cache:
            cache[place] = place_references(place, (c.text for c in self.store.clauses))
        return cache[place]

    def _refuse_place(self, query: Query, docs) -> Answer:
        names = "、".join(query.unmatched_places)
        return self.refuse(
            query,
            docs,
            f"已加载的文本中没有{names}的相关文件，无法回答。已加载："
            + "、".join(f"《{d['title']}》" for d in self.store.documents.values()),
        )

    def refuse_before_search(self, query: Query) -> Answer | None:
        """A question about a place none of the loaded documents covers is refused unsearched,
        unless a loaded text names a document of that place (as the provincial plan names the
        national one it carries out): then the clause found has to speak of it (`answer`)."""
        if (
            query.unmatched_places
            and not query.doc_ids
            and not all(self.place_references(p) for p in query.unmatched_places)
        ):
            return self._refuse_place(query, [])
        return None

    def off_place(self, query: Query, clause_text: str) -> bool:
        """The question is about a place no loaded document is from, and the clause found does
        not speak of that place's documents."""
        return bool(query.unmatched_places and not query.doc_ids) and not all(
            speaks_of(p, self.place_references(p), clause_text) for p in query.unmatched_places
        )

    def answer(self, query: Query, docs) -> Answer:
        """The answer from the clauses retrieved for the query, best first."""
        if query.injection or query.task_request:
            return self.refuse(
                query,
                docs,
                "这个请求试图改变助手的工作方式，无法照办。本助手只依据已加载的政策文本回答问题，文本没有涉及这个请求。",
            )
        if not docs:
            return self.refuse(query, docs, "已加载的文本没有涉及这个问题。")

        tokens = tokenize(query.search)
        top = docs[0].metadata
        top_clause = self.store.clauses[top["clause_index"]]
        if self.off_place(query, top_clause.text):
            return self._refuse_place(query, docs)
        if missing_figure(query.question, [self.store.clauses[d.metadata["clause_index"]].text for d in docs[:3]]):
            return self.refuse(query, docs, "已加载的文本没有给出这个问题所问的具体数字或期限，无法作答（不作猜测）。")
        if missing_consequence(query.question, top_clause.text):
            return self.refuse(
                query,
                docs,
                "找到的条款没有写明这个问题所问的后果或处理办法，已加载的文本没有就此作出规定，无法作答（不作猜测）。",
            )
        slogan = slogan_not_spelled_out(query.question, top_clause.text)
        if slogan:
            return self.refuse(
                query,
                docs,
                f"找到的条款只提到了“{slogan}”，没有列出它的具体内容，已加载的文本没有就此作出规定，无法作答（不作猜测）。",
            )
        reason = self.unnamed(query, top["clause_index"])
        if reason:
            return self.refuse(query, docs, reason)
        missing = missing_kind(query.question, top_clause) if self.kind_rule and not self.taught else ""
        if missing:
            return self.refuse(query, docs, f"找到的条款没有写明这个问题所问的{missing}，无法作答（不作猜测）。")
        if self.known is not None and not self.taught:
            closest = self.known.taught_refusal(self.encoder(query.search), top_clause.doc_id)
            if closest >= SAME_QUESTION:
                return self.refuse(query, docs, TAUGHT_REFUSAL)
        if not self.trusted(query, docs[0]):
            return self.refuse(query, docs, NOT_COVERED)

        # The sentence is chosen by what is asked: without a part the asker says they know (除了…还).
        # A follow-up's clause was found with the question before it; its sentence answers this one.
        asked = without_known(expand(query.question) if query.follow_up else query.search)
        if asked != query.search:
            tokens = tokenize(asked)
        vector = self.encoder(asked)
        sentence_scores = self.store.bm25_sentences.scores(tokens)
        bigram_scores = self.store.bigram_sentences.scores(asked)
        weights = self.store.bm25_sentences.idf(tokens) if tokens else np.zeros(0)

        chosen = [docs[0]]
        # Where another loaded document answers the same thing, give each, each cited.
        top_doc = top_clause.doc_id
        if not query.doc_ids:
            for d in docs[1:]:
                other = self.store.clauses[d.metadata["clause_index"]]
                if (
                    other.doc_id != top_doc
                    and d.metadata["rrf_score"] >= 0.75 * top["rrf_score"]
                    and self.trusted(query, d)
                ):
                    chosen.append(d)
                    break
        # The adapter learned what questions are about, and a 除了 question is about what it excludes.
        prior = None if self.taught or asked != query.search else self.adapter

        # The memory's known questions of a clause vote for the sentences that answered them — for
        # the question as asked (not a 除了 question's remainder, nor a follow-up's own words).
        memory = None if self.taught or self.known is None or asked != query.search else self.known

        @functools.cache  # a whole-text question asks it of a clause twice (topic, then quote)
        def best(ci: int) -> tuple[list[tuple[int, float]], str, range]:
            votes = memory.sentence_shares(ci, asked, vector) if memory is not None else None
            ranked = best_sentences(self.store, ci, asked, vector, sentence_scores, bigram_scores, prior, votes)
            return (ranked, *self._sentence(self.store.clauses[ci].sentences, ranked[0][0]))

        if len(chosen) == 1 and ACROSS_TEXT.search(query.question):
            # The next MORE_CLAUSES trusted clauses of the same text, of which those speaking of the
            # question's topic (letting later ones in instead cited more wrong clauses: 0.60 → 0.56).
            same_text = (d for d in docs[1:] if self.store.clauses[d.metadata["clause_index"]].doc_id == top_doc)
            trusted = list(itertools.islice((d for d in same_text if self.trusted(query, d)), MORE_CLAUSES))
            topic = self._topic(tokens, weights, best(top["clause_index"])[1])
            chosen += [d for d in trusted if any(w in best(d.metadata["clause_index"])[1] for w in topic)]

        citations, parts = [], []
        for n, d in enumerate(chosen, start=1):
            ci = d.metadata["clause_index"]
            ranked, sentence, span = best(ci)
            si = ranked[0][0]
            sentences = self.store.clauses[ci].sentences
            # Trailing punctuation is dropped so the quote reads inside “”; it stays an exact substring.
            focus = trim(sentence, asked, tokens, weights).rstrip("，：；。")
            quote = self._whole(sentence, focus)
            # A second sentence of the same clause joins when it scores nearly as well and is short:
            # answers often span two (“由省级制定；…由本级制定”).
            others = [(i, score) for i, score in ranked[1:] if i not in span]
            if len(chosen) == 1 and others and others[0][1] >= SECOND_SENTENCE * ranked[0][1] > 0:
                other, other_span = self._sentence(sentences, others[0][0])
                extra = self._whole(other, trim(other, asked, tokens, weights).rstrip("，：；。"))
                if len(quote) + len(extra) <= self.max_two_quotes:
                    first, second = sorted([(span[0], quote), (other_span[0], extra)])
                    # Two exact excerpts of one clause, joined the way quotations mark an omission.
                    quote = f"{first[1]}……{second[1]}"
            citation = self.citation(ci, quote, d.metadata["rrf_score"], si)
            # The part stating the kind asked (a date, a body…), else the words that answer in a long sentence.
            citation.highlight = highlight(query.question, quote) or (
                focus if focus != quote and focus in quote else ""
            )
            citations.append(citation)
            parts.append((ci, quote, n))

        multi_doc = len({self.store.clauses[d.metadata["clause_index"]].doc_id for d in chosen}) > 1
        answer = self._compose(parts, multi_doc=multi_doc)
        derived = derive(query.search, top_clause.text)
        related = [
            self.citation(d.metadata["clause_index"], "", d.metadata["rrf_score"])
            for d in docs[1:3]
            if all(c.clause_id != d.metadata["clause_id"] for c in citations)
        ]
        said = conclusion(query.question, citations[0].quote)
        if said:
            answer = f"{said}。{answer}"
        return Answer(
            query.question,
            answer + derived,
            citations,
            refused=False,
            notices=query.notices,
            derived=derived,
            search=query.search,
            related=related,
            retrieved=docs,
            conclusion=said,
        )

    def _topic(self, tokens: list[str], weights: np.ndarray, sentence: str) -> set[str]:
        """The question's less common nouns (two characters or more, not words for the text itself)
        that the first quoted sentence holds: what another clause of the same text must also speak
        of to be quoted beside it."""
        from .postag import word_classes

        classes = word_classes()
        return {
            t
            for t, w in zip(tokens, weights)
            if len(t) >= 2
            and w >= TOPIC_IDF
            and t not in _TEXT_WORDS
            and t in sentence
            and classes.flag(t) in ("n", "j", "vn")
        }

    def _sentence(self, sentences: list[str], index: int) -> tuple[str, range]:
        """Sentence `index`, completed to the whole sentence (up to its 。) when it is a part ending
        in ； and the whole is short enough to quote; and the indices it covers."""
        first, last = sentence_span(sentences, index) if self.full_sentences else (index, index)
        whole = "".join(sentences[first : last + 1])
        if last > first and len(whole) <= self.max_sentence:
            return whole, range(first, last + 1)
        return sentences[index], range(index, index + 1)

    def _whole(self, sentence: str, focus: str) -> str:
        """The whole sentence (without its closing mark) unless it is too long, then the focus."""
        return sentence.rstrip("，：；。") if len(sentence) <= self.max_sentence else focus

    def _compose(self, parts, multi_doc: bool) -> str:
        out = []
        for ci, quote, n in parts:
            clause = self.store.clauses[ci]
            where = clause.label
            if multi_doc:
                where = f"《{self.store.documents[clause.doc_id]['title']}》{where}"
            out.append(f"依据{where}「{clause.title}」：“{quote}”[{n}]。")
        return "\n".join(out)
