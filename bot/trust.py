"""Whether the texts answer a question: features of the question and of the clause it found, and a
logistic model over them fitted on the development set (eval/calibrate.py → bot/data/trust.json).

The features, all cheap once retrieval has run:
- `dense_top`, `margin`: how close in meaning (e5) the question is to the found clause's best
  sentence, and how far ahead of every other clause's;
- `cover_words`, `cover_bigrams`: how much of the question's information the clause's words hold;
- `lex_mean`, `lex_min`: for each content word of the question, 1 if the clause uses it, else its
  nearest word of the clause by word vectors (bot/lexicon.py): a reworded question's words have
  near neighbours there, an unrelated question's do not;
- `foreign`: the question's content words that occur nowhere in the loaded texts and have no
  near neighbour in them either (nor a listed synonym) — a strong sign of another subject;
- `asked`, `kind_ok`: the question asks for a specific kind of thing (a period, an amount, a body,
  a date, a count) and whether any sentence of the clause states one; `kind_cover`: how much of
  the question's information the best sentence stating that kind holds (the answer has to be in
  one place);
- `target_ok`, `target_in`: the thing a what/which question asks for (什么条件 → 条件, 哪些退出情形
  → 情形) is named by the clause, or its nearest word there by word vectors: a clause that names
  a system but none of its 条件, 标准, 情形 cannot say which they are.

Before the model, `unknown_names` finds what no loaded text could answer whatever the clause: a
year the texts never mention (2026年) and a law or document they never name (《行政复议法》);
`names_off_clause` a law the texts name (in a list, say) but the clause found does not, and
`figure_missing` a figure asked for alone (多少天, 几份, 比例, 达到多少) that the clause does not
state with its unit.
"""

from __future__ import annotations

import json
import re
import weakref
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .asked import CN_NUM, asked_kinds, states_any, what_is_asked
from .keywords import EMPTY, bigrams, tokenize
from .postag import word_classes
from .query import synonyms

FEATURES = (
    "dense_top",
    "margin",
    "cover_words",
    "cover_bigrams",
    "lex_mean",
    "lex_min",
    "foreign",
    "asked",
    "kind_ok",
    "kind_cover",
    "target_ok",
    "target_in",
)
# Words a question is made of that say nothing about its subject.
QUESTION_WORDS = frozenset(
    [
        "什么",
        "怎么",
        "怎样",
        "如何",
        "多少",
        "几",
        "哪",
        "哪些",
        "哪个",
        "谁",
        "吗",
        "呢",
        "是否",
        "要不要",
        "能不能",
        "可以",
        "需要",
        "有没有",
        "时候",
        "多久",
        "多长",
        "会不会",
        "算不算",
        "这个",
        "那个",
        "规定",
        "要求",
        "文件",
        "方案",
        "计划",
        "请问",
        "一下",
        "怎么办",
        "干什么",
        "为什么",
        "什么样",
        "哪里",
        "哪儿",
        "现在",
        "以后",
        "之后",
        "还要",
        "应该",
        "应当",
        "能否",
        "是不是",
        "有没",
        "到底",
        "具体",
    ]
)
# A year and a law or document by name: 2026年, 《广东省行政检查办法》, 治安管理处罚法.
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
BRACKETED = re.compile(r"《([^》]{2,40})》")
LAW = re.compile(r"[\u4e00-\u9fff]{2,10}法(?=[^\u4e00-\u9fff]|规定|第|中|里|的|对|上|要求|明确|有|是|怎么|如何)")
# Words ending in 法 that are not the name of a law (省里法规定的: 省里 + 法规, a place and its rules;
# 地方性法规定的: 地方性法规; 那种整法, 除了修法, 这种罚法: a way of doing, amending the laws; 处罚法
# stays a law).
NOT_A_LAW = re.compile(
    r"(?:执|司|违|依|合|守|方|办|做|说|立|懂|用|看|想|手|普|算|写|玩|打|提|讲|叫|问|里|整|修|改|干|搞|弄|查|管|性|"
    r"(?<!处)罚)法$"
    # A phrase pointing at a way of doing (这种查法, 那种管法) or asking (用哪条法) names no law.
    r"|这种|那种|这样|那样|哪|什么|啥|谁|怎"
)
NEAR = 0.6  # word-vector cosine above which a word of the texts counts as a near neighbour
# A question that shares no word and no character pair with the clause it found, and is not close
# to it in meaning either, is about something else whatever the model says (红烧肉怎么做: 0.83).
UNRELATED_DENSE = 0.87


def named_laws(question: str) -> list[str]:
    """Laws and documents a question names: in 《》, or a word ending in 法 that is not 执法, 依法…"""
    names = [m.group(1) for m in BRACKETED.finditer(question)]
    bare = BRACKETED.sub("", question)
    names += [m.group(0) for m in LAW.finditer(bare) if not NOT_A_LAW.search(m.group(0))]
    return names


# Words a bare name picks up before it: 按行政复议法, 新修订的行政复议法, 裁量权基准和上位法.
_LEAD = re.compile(r"^.*(?:的|和|与|及|跟|同|依据|根据|按照?|依照?|对照|参照|适用)|^(?:新|旧|现行|修订后)")


def shown_name(name: str, question: str) -> str:
    """A law's name as a refusal shows it: as the question wrote it in 《》, else without the words
    a bare match picked up before it."""
    if f"《{name}》" in question:
        return name
    trimmed = _LEAD.sub("", name.replace("中华人民共和国", ""))
    return trimmed if len(trimmed) >= 3 and trimmed.endswith("法") else name


def known_name(name: str, corpus_text: str) -> bool:
    """Whether the texts name it: the whole name, or (for a bare name that may have picked up a
    word before it, 根据行政处罚法) a tail of five characters or more."""
    name = name.replace("中华人民共和国", "")
    return any(name[i:] in corpus_text for i in range(0, max(1, len(name) - 4)))


def unknown_names(question: str, corpus_text: str, years: frozenset[str]) -> list[str]:
    """Years and laws or documents the question names that no loaded text mentions."""
    out = [f"{y}年" for y in YEAR.findall(question) if y not in years]
    out += [f"《{shown_name(n, question)}》" for n in named_laws(question) if not known_name(n, corpus_text)]
    return out


# What a "which/what" question asks for is the word after 什么/哪些/哪个…: 什么标准, 哪些信息,
# 哪家第三方机构. A clause that never names that thing cannot say which one it is.
WH = re.compile(r"(?:什么样的?|(?<!为)什么|甚么|哪[一二两三四五六七八九十几些个种类家位项条份支级块年月天]*|何种|啥)")
_SKIP_TARGET = re.compile(r"^[的地得个种样些“”「」\"'\s]+")
_MEASURE = frozenset("部条个种项家位支块类份级些样")
_NO_TARGET = frozenset(["时候", "时间", "意思", "地方", "情况", "方面", "东西", "事情", "一个"])


# A figure the question asks for, by its unit: 多少天, 几个工作日, 几份, 多久, 比例, 达到多少. The
# quoted clause has to state a number with that unit (for a period, a unit of the same scale: 学时
# answers 几个小时, not 几年; a calendar year, 2024年, is not a period), else the answer would not
# hold what was asked.
_DAYS = "工作日|天|日|周|个月|月|年"
_HOURS = "小时|学时|课时|钟头|分钟"
_TIME_UNITS = f"{_HOURS}|{_DAYS}"
# Counted things: 几份, 多少家, and (eighth session) the things a unit is equipped or staffed with
# or handles, which the plan never counts: 几台车, 几名队员, 多少宗案件, 多少个工作站.
_COUNTED = "次|份|项|家|级|类|种|批|倍|件|元|分|等次|届|台|辆|名|人|宗|起|所|座|套|张|户|位|笔|例|场|轮|个(?=[\u4e00-\u9fff]{0,12}(?:站|点|中心|基地|平台|窗口|岗|人))"
_FIGURE_ASK = re.compile(
    rf"(?<!哪)(?:多少|几)(?!月)\s*个?\s*(?:({_TIME_UNITS})|({_COUNTED}))"
    r"|(多久|多长)|(比例|百分之几|百分之多少|百分比|几成|率.{0,6}多少)"
    r"|((?:是|为|达到|超过|低于|少于|不超过|不少于|有|到|罚|拨|给|配|花|投入|安排)多少)"
)
_NUMBER = rf"(?:\d+(?:\.\d+)?|[{CN_NUM}]+)"
_CALENDAR = re.compile(r"\d{4}\s*年(?:\d{1,2}\s*月)?(?:\d{1,2}\s*日)?")
# Another part of the question (依据什么, 由谁) that a clause without the figure may still answer.
_OTHER_ASK = re.compile(r"什么|哪|谁|怎么|如何|怎样|是否|能否|吗|([\u4e00-\u9fff])[不没]\1")


def asked_figures(question: str) -> list[re.Pattern]:
    """For each figure the question asks for, a pattern of text that states one."""
    out = []
    for m in _FIGURE_ASK.finditer(question):
        if m.group(1) or m.group(3):
            units = _TIME_UNITS if m.group(3) else _HOURS if re.fullmatch(_HOURS, m.group(1)) else _DAYS
            out.append(re.compile(rf"{_NUMBER}\s*个?(?:{units})"))
        elif m.group(2):
            out.append(re.compile(rf"{_NUMBER}\s*个?{m.group(2)}"))
        elif m.group(4):
            out.append(re.compile(rf"\d+\s*[%％]|百分之{_NUMBER}|{_NUMBER}成"))
        else:
            out.append(re.compile(rf"\d+\s*(?:[%％]|[\u4e00-\u9fff]|[”」』》）])|百分之{_NUMBER}"))  # “1310”
    return out


def figure_missing(question: str, clause_text: str) -> bool:
    """The question asks only for a figure (多少天, 几份, 比例…) and the clause states none of it
    (几 of a yes/no question, 几家一起商量…有没有, asks none)."""
    question = what_is_asked(question)
    figures = asked_figures(question)
    if not figures or _OTHER_ASK.search(_FIGURE_ASK.sub("", question)):
        return False
    text = _CALENDAR.sub("", clause_text)
    return not all(f.search(text) for f in figures)


def _nounish(flag: str) -> bool:
    return flag.startswith("n") or flag in ("vn", "j")


@lru_cache(maxsize=1024)  # asked once per candidate clause of the same question
def asked_targets(question: str) -> tuple[str, ...]:
    """The thing a what/which question asks for: the head noun after 什么/哪些/哪个… (什么条件 →
    条件, 哪些退出情形 → 情形, 哪家第三方机构 → 机构); () when the question names none."""
    out = []
    for m in WH.finditer(question):
        rest = _SKIP_TARGET.sub("", question[m.end() :])
        run = re.match(r"[\u4e00-\u9fff]+", rest)
        if not run:
            continue
        pairs = word_classes().tagged(run.group(0))
        while pairs and (pairs[0][1] == "m" or pairs[0][0] in _MEASURE):
            pairs = pairs[1:]
        head = ""
        for i, (word, flag) in enumerate(pairs):
            if flag.startswith("n") or flag == "j" or (flag == "vn" and not head):
                head = word
            elif flag == "v" and i + 1 < len(pairs) and _nounish(pairs[i + 1][1]) and not head:
                continue  # a verb modifying the noun: 退出情形
            else:
                break
        if len(head) >= 2 and head not in QUESTION_WORDS and head not in _NO_TARGET:
            out.append(head)
    return tuple(out)


def content_words(question: str) -> list[str]:
    return sorted({t for t in tokenize(question) if len(t) >= 2 and t not in QUESTION_WORDS and not t.isascii()})


@lru_cache(maxsize=1)
def _synonym_words() -> frozenset[str]:
    return frozenset(left for left, _ in synonyms())


# Where the memory model gives at least this chance that the texts answer, the model with the
# question's vector is not asked: on the development folds it refused no in-scope question, and 1
# of its 99 out-of-scope refusals had the memory model this sure (0.94); the plain
# 广东省的计划要求每年培训多少学时 (memory 0.96) had come within 0.004 of its line.
SURE_BY_MEMORY = 0.9
# Nor where the clause found holds this share of the question's content words: there the word
# features already speak, and the vector, which knows the subjects development questions asked
# about, has least to add. On the development folds and the sixteenth and seventeenth blind
# batches, 3 of the 220 out-of-scope questions it was asked about lay there; it refused none.
WORDS_IN_CLAUSE = 0.8


@dataclass(frozen=True)
class TrustModel:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float
    # The same model with bot/known.py's features, used where the clause found has known questions.
    known: TrustModel | None = None
    # The model with the memory's features and the question's own e5 vector (`dims` trailing entries
    # of mean, scale and coef), used where `known` would be and the embedding model is `model_id`.
    scoped: TrustModel | None = None
    model_id: str = ""
    dims: int = 0
    words_in_clause: float = WORDS_IN_CLAUSE  # eval/quality.py sets it above 1 to undo that guard

    @classmethod
    def from_dict(cls, data: dict) -> TrustModel:
        return cls(
            tuple(data["features"]),
            np.array(data["mean"]),
            np.array(data["scale"]),
            np.array(data["coef"]),
            float(data["intercept"]),
            float(data["threshold"]),
            cls.from_dict(data["with_known"]) if data.get("with_known") else None,
            cls.from_dict(data["with_vector"]) if data.get("with_vector") else None,
            str(data.get("model_id", "")),
            int(data.get("dims", 0)),
        )

    @classmethod
    def load(cls) -> TrustModel:
        return cls.from_dict(json.loads(resources.files("bot.data").joinpath("trust.json").read_text(encoding="utf-8")))

    def _for(self, values: dict[str, float], vector: np.ndarray | None = None, model_id: str = "") -> TrustModel:
        if self.known is None or not all(name in values for name in self.known.features):
            return self
        scoped = self.scoped
        if scoped is not None and vector is not None and model_id == scoped.model_id and len(vector) == scoped.dims:
            return scoped
        return self.known

    def probability(self, values: dict[str, float], vector: np.ndarray | None = None, model_id: str = "") -> float:
        """The chance, by the fitted model, that the texts answer the question (`vector`: the
        question's embedding by `model_id`, for the model fitted with it)."""
        return self._for(values, vector, model_id)._probability(values, vector)

    def _probability(self, values: dict[str, float], vector: np.ndarray | None) -> float:
        x = np.array([values[name] for name in self.features])
        if self.dims:
            x = np.concatenate([x, vector])
        x = (x - self.mean) / self.scale
        return float(1 / (1 + np.exp(-(x @ self.coef + self.intercept))))

    def answers(self, values: dict[str, float], vector: np.ndarray | None = None, model_id: str = "") -> bool:
        model = self._for(values, vector, model_id)
        known = None if model is self else self.known._probability(values, None)  # the memory model's chance
        unrelated = (
            values["cover_words"] == 0 and values["cover_bigrams"] == 0 and values["dense_top"] < UNRELATED_DENSE
        )
        # Not one word, not one pair of characters in common with the clause: refused, unless the
        # memory is sure the question is one of the clause's own, put in other words
        # (县里能不能把尺度再拆细 shares nothing with 细化量化 and is the clause's question).
        if unrelated and (known is None or known < SURE_BY_MEMORY):
            return False
        if model is self.known:
            return known >= model.threshold
        if model is self.scoped:
            if known < self.known.threshold:
                return False  # the vector only ever adds refusals to the memory model's own
            if known >= SURE_BY_MEMORY or values["cover_words"] >= self.words_in_clause:
                return True  # … and none where the memory model is sure, or the clause holds the words
        return model._probability(values, vector) >= model.threshold


@lru_cache(maxsize=1)
def trust_model() -> TrustModel:
    return TrustModel.load()


KNOWN_WORDS_KEPT = 20_000


class TrustFeatures:
    """Computes FEATURES for one store; caches what it learns about the store's words."""

    def __init__(self, store, encoder, lexicon):
        # Kept in `store.derived`: a weak reference, so the store's lease ends with its last user
        # rather than whenever the garbage collector next looks for cycles.
        self.store = weakref.proxy(store)
        self.encoder = encoder
        self.lexicon = lexicon
        self._corpus_text = "\n".join(c.keyword_text() for c in store.clauses)
        self._years = frozenset(re.findall(r"(?:19|20)\d{2}", self._corpus_text))
        self._clause_vectors: dict[int, np.ndarray] = {}
        self._corpus_vectors: np.ndarray | None = None
        self._clause_bigrams: dict[int, frozenset[str]] = {}
        self._known: dict[str, bool] = {}
        self._sentence_sets: dict[int, list[frozenset[str]]] = {}

    def _words_vectors(self, clause_index: int) -> np.ndarray:
        if clause_index not in self._clause_vectors:
            words = sorted(self.store.clause_tokens(self.store.clauses[clause_index].clause_id))
            self._clause_vectors[clause_index] = self.lexicon.vectors_of(words)
        return self._clause_vectors[clause_index]

    def _sentence_tokens(self, clause_index: int) -> list[frozenset[str]]:
        if clause_index not in self._sentence_sets:
            sentences = self.store.clauses[clause_index].sentences
            self._sentence_sets[clause_index] = [frozenset(tokenize(s)) for s in sentences]
        return self._sentence_sets[clause_index]

    def prepare(self) -> None:
        """Work out the texts' word vectors now (seconds at 5,000 clauses), not at a first question
        with a word the texts lack; and the word-class table (bot/postag.py, under a second)."""
        self._corpus_words()
        asked_targets("需要什么条件")

    def _corpus_words(self) -> np.ndarray:
        if self._corpus_vectors is None:
            # The clause BM25's vocabulary is every clause's tokens: no need to tokenise them all
            # again (and keep 5,000 token sets); '' and the empty-text placeholder are bm25s' own.
            words = sorted(self.store.bm25_clauses.vocabulary - {"", EMPTY})
            self._corpus_vectors = self.lexicon.vectors_of(words)
        return self._corpus_vectors

    def _known_word(self, word: str) -> bool:
        """Whether a loaded text or a synonym holds the word; remembered, as the scan of every
        text costs milliseconds at 5,000 clauses and each question asks it for several clauses."""
        known = self._known.get(word)
        if known is None:
            known = word in self._corpus_text or any(word in s or s in word for s in _synonym_words())
            if len(self._known) >= KNOWN_WORDS_KEPT:
                self._known.clear()
            self._known[word] = known
        return known

    def unknown_names(self, question: str) -> list[str]:
        """Years, laws and documents the question names that no loaded text mentions."""
        return unknown_names(question, self._corpus_text, self._years)

    def names_off_clause(self, question: str, clause_index: int) -> list[str]:
        """Laws and documents the question names that the texts name, but not this clause: a
        clause says nothing about a law it does not name (it may name it in a list elsewhere)."""
        clause = self.store.clauses[clause_index]
        text = clause.keyword_text() + "\n" + str(self.store.documents[clause.doc_id].get("title", ""))
        return [
            f"《{shown_name(n, question)}》"
            for n in named_laws(question)
            if known_name(n, self._corpus_text) and not known_name(n, text)
        ]

    def figure_missing(self, question: str, clause_index: int) -> bool:
        """The question asks only for a figure the clause found does not state (bot/trust.py)."""
        return figure_missing(question, self.store.clauses[clause_index].keyword_text())

    def compute(self, question: str, search: str, clause_index: int) -> dict[str, float]:
        store = self.store
        clause = store.clauses[clause_index]
        vector = self.encoder(search)
        sims = store.similarities(search, vector)  # kept for the question's other clauses
        start, stop = store.first_row[clause_index], store.first_row[clause_index] + len(clause.sentences)
        dense_top = float(sims[start:stop].max())
        before, after = sims[:start], sims[stop:]
        best_other = max(float(before.max()) if len(before) else -1.0, float(after.max()) if len(after) else -1.0)
        margin = dense_top - best_other if best_other > -1 else dense_top

        tokens = tokenize(search)
        weights = store.bm25_sentences.idf(tokens) if tokens else np.zeros(0)
        words = store.clause_tokens(clause.clause_id)
        cover_words = float(sum(w for t, w in zip(tokens, weights) if t in words) / weights.sum()) if tokens else 0.0
        asked_bigrams = set(bigrams(question))
        if clause_index not in self._clause_bigrams:
            self._clause_bigrams[clause_index] = frozenset(bigrams(clause.keyword_text()))
        cover_bigrams = len(asked_bigrams & self._clause_bigrams[clause_index]) / max(1, len(asked_bigrams))

        # A word of the document's title (广东, 江苏…) names the clause's document: it is covered.
        clause_text = clause.keyword_text() + "\n" + str(store.documents[clause.doc_id].get("title", ""))
        near, foreign = [], 0
        clause_vectors = self._words_vectors(clause_index)
        for word in content_words(question):
            if word in clause_text:
                near.append(1.0)
                continue
            to_clause = self.lexicon.nearest(word, clause_vectors)
            if to_clause is not None:
                near.append(to_clause)
            if self._known_word(word):
                continue
            to_corpus = self.lexicon.nearest(word, self._corpus_words())
            if to_corpus is None or to_corpus < NEAR:
                foreign += 1
        kinds = asked_kinds(question)
        specific = [k for k in kinds if k not in ("yesno", "list")]
        # Coverage by the clause's best single sentence, and by its best sentence that states the
        # kind asked: the answer has to be in one place, not pieced together from the clause.
        sentence_tokens = self._sentence_tokens(clause_index)
        total = float(weights.sum()) if tokens else 0.0
        covers = [
            (sum(w for t, w in zip(tokens, weights) if t in st) / total if total > 0 else 0.0) for st in sentence_tokens
        ]
        stating = [c for c, s in zip(covers, clause.sentences) if not specific or states_any(kinds, s)]
        kind_cover = max(stating, default=0.0)
        targets = asked_targets(question)
        target_scores = []
        for word in targets:
            pieces = [t for t in tokenize(word) if len(t) >= 2 and t != word]
            if word in clause_text or (pieces and all(t in clause_text for t in pieces)):
                target_scores.append(1.0)
            else:
                near_word = self.lexicon.nearest(word, clause_vectors)
                target_scores.append(near_word if near_word is not None else 0.0)
        return {
            "kind_cover": kind_cover,
            "target_ok": min(target_scores, default=1.0),
            "target_in": float(all(s >= 1.0 for s in target_scores)),
            "dense_top": dense_top,
            "margin": margin,
            "cover_words": cover_words,
            "cover_bigrams": cover_bigrams,
            "lex_mean": float(np.mean(near)) if near else 1.0,
            "lex_min": float(min(near)) if near else 1.0,
            "foreign": float(foreign),
            "asked": float(bool(specific)),
            "kind_ok": float(not specific or any(states_any(kinds, s) for s in clause.sentences)),
        }
