"""Keyword retrieval: BM25 (bm25s) over jieba words with the domain dictionary, and over character
bigrams beside them (a reworded question often shares parts of words, 轮训 in 全员轮训, that
whole-word matching misses)."""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

_TOKEN = re.compile(r"[\u3400-\u9fffA-Za-z0-9]")
# Number words stay searchable ("60学时" → 60, 学时), single Chinese characters mostly do not help.
_KEEP_SINGLE = set("县市省乡镇村证卡年月日")


def _data_text(name: str) -> str:
    return resources.files("bot.data").joinpath(name).read_text(encoding="utf-8")


def _data_words(name: str) -> list[str]:
    return [ln.split()[0] for ln in _data_text(name).splitlines() if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(_data_words("stopwords.txt"))


# Spellings with punctuation that jieba would split before its dictionary is consulted.
_FOLDS = (("“双随机、一公开”", "双随机一公开"), ("双随机、一公开", "双随机一公开"))


def user_words() -> list[tuple[str, int, str | None]]:
    """The domain dictionary (bot/data/userdict.txt): word, frequency and jieba tag."""
    out = []
    for line in _data_text("userdict.txt").splitlines():
        if line.strip() and not line.startswith("#"):
            word, freq, *tag = line.split()
            out.append((word, int(freq), tag[0] if tag else None))
    return out


@lru_cache(maxsize=1)
def _tokenizer():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word, freq, tag in user_words():
        tokenizer.add_word(word, freq, tag)
    return tokenizer


def tokenize(text: str, memo: dict[str, list[str]] | None = None) -> list[str]:
    """Search-mode jieba tokens without stop words and punctuation, lower-cased.

    jieba cuts each run of its word characters on its own, so a text's tokens are its runs'
    tokens in order: with a `memo` (one index build's), a run seen before (a clause's text is
    its sentences again, a heading recurs under every clause) is not cut again.
    """
    if memo is None:
        return list(_cached_tokens(text))
    import jieba

    tokenizer = _tokenizer()
    out = []
    for block in jieba.re_han_default.split(_folded(text)):
        if block:
            if block not in memo:
                memo[block] = _kept(tokenizer.cut_for_search(block))
            out += memo[block]
    return out


@lru_cache(maxsize=2048)
def _cached_tokens(text: str) -> tuple[str, ...]:
    """One answer tokenizes its question for several lists and features (eight times, found with
    cProfile): jieba runs once per text."""
    return tuple(_kept(_tokenizer().cut_for_search(_folded(text))))


def _folded(text: str) -> str:
    for spelled, folded in _FOLDS:
        text = text.replace(spelled, folded)
    return text


def _kept(tokens) -> list[str]:
    stops = stopwords()
    out = []
    for token in tokens:
        token = token.strip().lower()
        if not token or not _TOKEN.search(token) or token in stops:
            continue
        if len(token) == 1 and not token.isdigit() and token not in _KEEP_SINGLE and not token.isascii():
            continue
        out.append(token)
    return out


_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
# Bigrams of question words that say nothing about the topic.
_QUESTION_BIGRAMS = frozenset(
    [
        "什么",
        "怎么",
        "怎样",
        "如何",
        "多少",
        "哪些",
        "哪个",
        "是否",
        "要不",
        "不要",
        "能不",
        "不能",
        "可以",
        "需要",
        "有没",
        "没有",
        "时候",
        "多久",
        "多长",
        "会不",
        "不会",
        "算不",
        "不算",
        "这个",
        "那个",
        "请问",
        "一下",
        "文件",
        "规定",
        "要求",
        "里面",
        "有关",
        "关于",
    ]
)


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs of each run of Chinese text (a single character alone)."""
    out = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            continue
        out += [run[i : i + 2] for i in range(len(run) - 1) if run[i : i + 2] not in _QUESTION_BIGRAMS]
    return out


TOKENIZERS = {"words": tokenize, "bigrams": bigrams}
EMPTY = "∅"  # the token of a text that has none


class KeywordIndex:
    """BM25 over a list of texts; scores come back as an array aligned with those texts."""

    def __init__(self, retriever, size: int, kind: str = "words"):
        self._retriever = retriever
        self.size = size
        self.kind = kind
        self.tokenize = TOKENIZERS[kind]

    @classmethod
    def build(cls, texts: list[str], kind: str = "words", memo: dict[str, list[str]] | None = None) -> KeywordIndex:
        """`memo`: tokens of text runs already cut, shared by one build's word indexes."""
        import bm25s

        retriever = bm25s.BM25(k1=1.2, b=0.75)
        cut = (lambda t: tokenize(t, memo)) if kind == "words" and memo is not None else TOKENIZERS[kind]
        # An empty token list would break bm25s' vocabulary; a placeholder never matches a query.
        corpus = [cut(t) or [EMPTY] for t in texts]
        retriever.index(corpus, show_progress=False)
        return cls(retriever, len(texts), kind)

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, size: int, kind: str = "words") -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(retriever, size, kind)

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(self._retriever.vocab_dict)

    def idf(self, tokens: list[str]) -> np.ndarray:
        """Smoothed inverse document frequency; a token the texts never use gets the highest."""
        if not hasattr(self, "_df"):
            self._df = np.diff(self._retriever.scores["indptr"])
        vocab = self._retriever.vocab_dict
        n = self.size
        df = np.array([self._df[vocab[t]] if t in vocab and vocab[t] < len(self._df) else 0 for t in tokens])
        return np.log(1 + (n - df + 0.5) / (df + 0.5))

    def scores(self, query: str | list[str]) -> np.ndarray:
        tokens = self.tokenize(query) if isinstance(query, str) else query
        vocab = self._retriever.vocab_dict
        tokens = [t for t in tokens if t in vocab]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)
