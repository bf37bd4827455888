"""Extractive answers: the sentence (or the part of it) that answers the question, quoted exactly."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .asked import asked_kinds, states_any, what_is_asked
from .keywords import tokenize

MAX_QUOTE = 100  # characters; a longer sentence is cut to the clauses of it that answer

# What a question asks for, and what an answering fragment contains.
ASKS = (
    (re.compile(r"多少|几个|几|百分|比例|数量|多长|多久"), re.compile(r"\d|[一二三四五六七八九十百]+(个|项|级|次)")),
    (
        re.compile(r"什么时候|何时|哪年|哪一年|几月|截止|期限|时间|之前|前完成|啥时候|到什么时候|节点"),
        re.compile(r"\d{4}年|年底|月底|月前|年前|前完成|之前"),
    ),
    (
        re.compile(r"谁|哪个部门|哪些部门|哪一级|哪级|由谁|牵头|负责|哪个单位|哪些单位|什么单位|哪些机构|主体"),
        re.compile(r"由|厅|局|部门|政府|机构|机关|司法所|委员会|牵头|负责"),
    ),
    # A question asking for a list is answered by an enumeration.
    (re.compile(r"哪些|哪几|什么内容|包括什么|有什么(要求|制度|机制)"), re.compile(r"[^、]{1,12}、[^、]{1,12}、")),
)


@dataclass
class Quote:
    clause_index: int
    sentence_index: int
    text: str  # an exact substring of the clause text
    score: float


def _fragments(sentence: str) -> list[str]:
    """Split a long sentence at commas and colons outside brackets, keeping the marks."""
    parts, buf, depth = [], "", 0
    for ch in sentence:
        buf += ch
        if ch in "（《“":
            depth += 1
        elif ch in "）》”" and depth:
            depth -= 1
        elif ch in "，：" and depth == 0:
            parts.append(buf)
            buf = ""
    if buf:
        parts.append(buf)
    return parts


def _overlap(tokens: list[str], weights: np.ndarray, text: str) -> float:
    if not tokens:
        return 0.0
    have = set(tokenize(text))
    hit = sum(w for t, w in zip(tokens, weights) if t in have or t in text)
    return float(hit / (weights.sum() or 1.0))


def _asked_answers(question: str) -> list[re.Pattern]:
    """The answer patterns (a date, a number, a body…) of what the question asks for."""
    asked = what_is_asked(question)
    return [answers for asks, answers in ASKS if asks.search(asked)]


def _cue_bonus(asked: list[re.Pattern], text: str) -> float:
    return 0.25 * sum(1 for answers in asked if answers.search(text))


def trim(sentence: str, question: str, tokens: list[str], weights: np.ndarray) -> str:
    """The best window of one to three fragments of a long sentence (its own words, in order)."""
    if len(sentence) <= MAX_QUOTE:
        return sentence
    parts = _fragments(sentence)
    best, best_score = sentence[:MAX_QUOTE], -1.0
    asked = _asked_answers(question)
    windows = quote_windows(parts)
    # Where the question asks for a date, a number, a body or a list, the quote must hold one.
    answering = [w for w in windows if any(a.search(w) for a in asked)]
    for window in answering or windows:
        score = _overlap(tokens, weights, window) + _cue_bonus(asked, window) - 0.002 * len(window)
        if score > best_score:
            best, best_score = window, score
    return best.rstrip("，：")


def quote_windows(parts: list[str]) -> list[str]:
    """The runs of 1–3 consecutive fragments of a sentence that may be quoted alone."""
    windows = ["".join(parts[start : start + size]) for size in (1, 2, 3) for start in range(0, len(parts) - size + 1)]
    return [w for w in windows if len(w) <= MAX_QUOTE or w in parts]


# Texts cut ahead of the first question: within tokenize's cache (2,048), room left for questions;
# a larger corpus is not warmed (its few first clauses would only crowd the questions out).
WARM_TEXTS = 1500
WARM_CLAUSES = 300


def warm_tokens(store) -> int:
    """Cut the clauses and their sentences' quotable parts before anyone asks, as answering will
    (the first officers after a start otherwise pay for it: ~5% of the page's GIL time in the
    first load-test round, py-spy). Only for up to WARM_CLAUSES clauses and WARM_TEXTS texts;
    returns how many texts were cut."""
    done = 0
    if len(store.clauses) > WARM_CLAUSES:
        return done
    for clause in store.clauses:
        if done >= WARM_TEXTS:
            break
        store.clause_tokens(clause.clause_id)
        for sentence in clause.sentences:
            if len(sentence) <= MAX_QUOTE:
                continue  # quoted whole, never cut into parts
            for window in quote_windows(_fragments(sentence)):
                tokenize(window)
                done += 1
    return done


def sentence_span(sentences: list[str], index: int) -> tuple[int, int]:
    """The first and last index of the whole sentence that sentence `index` is part of: the texts
    are split at ； as well as 。, and a part alone is often half an answer (“原则上由省级…制定；
    …由本级…制定。”)."""
    first = index
    while first > 0 and sentences[first - 1].endswith("；"):
        first -= 1
    last = index
    while last < len(sentences) - 1 and sentences[last].endswith("；"):
        last += 1
    return first, last


def _normalised(values: np.ndarray) -> np.ndarray:
    return values / values.max() if values.max() > 0 else values


# "Besides X, what else…" (除了持证上岗，还要建立哪些制度): the asker knows X already, so the words
# of X should not draw the answer to the sentence that says X. X runs from 除了 to the first
# 以外/之外/外 or comma, or to 还/也.
BESIDES = re.compile(r"(?:除了|除去)([^，,。？?]{2,24}?)(以外|之外|外)?(?:[，,]|还|也|另外)")


def without_known(question: str) -> str:
    """The question without the part a 除了…还 question already knows (unchanged without one);
    the answering sentence is chosen by what is left."""
    m = BESIDES.search(question)
    if not m:
        return question
    rest = question[: m.start()] + question[max(m.end(1), m.end(2)) :]
    return re.sub(r"[，,]{2,}", "，", rest).lstrip("，,")


# Weight of the query adapter's softmax over the clause's sentences (bot/adapter.py), chosen on the
# development set's folds (eval/trials/sentence_ranker.py: 0.75–1.5 are level there).
SENTENCE_WEIGHT = 1.0
# Weight of the memory's sentence vote (bot/known.py `sentence_shares`: the sentences that answered
# the nearest known questions of this clause), chosen on the development set with each question's
# batch left out (eval/trials/sentence_vote.py).
VOTE_WEIGHT = 2.0
_TITLES = re.compile(r"《[^》]*》")


def best_sentences(
    store,
    clause_index: int,
    question: str,
    query_vector: np.ndarray,
    sentence_scores: np.ndarray,
    bigram_scores: np.ndarray | None = None,
    adapter=None,
    votes: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """Sentences of one clause ranked by meaning (e5), words and character pairs (BM25), whether
    they state the kind of thing the question asks for, the query adapter's choice among them
    (when there is one for this clause's document) and the memory's `votes` (each sentence's share)."""
    clause = store.clauses[clause_index]
    n = len(clause.sentences)
    dense = store.clause_sentence_vectors(clause_index) @ query_vector
    first_row = store.first_row[clause_index]
    kw = _normalised(sentence_scores[first_row : first_row + n])
    bg = _normalised(bigram_scores[first_row : first_row + n]) if bigram_scores is not None else kw
    spread = dense.max() - dense.min()
    dense_n = (dense - dense.min()) / spread if spread > 1e-6 else np.zeros(n)
    kinds = asked_kinds(question)
    specific = [k for k in kinds if k not in ("yesno", "list")]
    asked = _asked_answers(question)
    shares = adapter.sentence_shares(store, clause_index, query_vector) if adapter is not None else None
    prior = SENTENCE_WEIGHT * shares if shares is not None else np.zeros(n)
    if votes is not None:
        # Only for sentences stating what is asked: the vote of questions asking a date must not
        # carry "who sets it" to the date sentence. A body named in a document's title (《国务院
        # 办公厅关于…》) is the document's issuer, not a body stated.
        stating = np.array([not specific or states_any(kinds, _TITLES.sub("", s)) for s in clause.sentences])
        prior = prior + VOTE_WEIGHT * votes * stating
    scores = []
    for i, sentence in enumerate(clause.sentences):
        score = 0.5 * dense_n[i] + 0.3 * kw[i] + 0.3 * bg[i] + 1.5 * _cue_bonus(asked, sentence) + prior[i]
        if specific and states_any(kinds, sentence):
            score += 0.5
        if i == 0 and n > 1 and sentence.rstrip("。") == clause.title:
            continue  # the heading names the topic; the body holds the answer
        scores.append((i, score))
    return sorted(scores, key=lambda x: -x[1])


# Questions that ask for a figure of a kind the plan would have to state with its unit.
ASKED_FIGURES = (
    (re.compile(r"(多少|几)个?(工作)?(天|日)|提前几天|保存多久|保存多长"), re.compile(r"(?<!月)\d+个?(工作)?(天|日)")),
    (
        re.compile(r"多少钱|多少元|罚多少|罚款多少|罚款金额|多少罚款|工资|待遇标准|补贴标准"),
        re.compile(r"\d+(万|千)?元"),
    ),
    (
        re.compile(r"(多少|(?<!哪)几)(年|个月)|时效|多久一次|几年一次|有效期"),
        re.compile(r"\d+(个)?(年|月)(内|以内|一次)|有效期|时效"),
    ),
    (re.compile(r"扣(几|多少)分|记(几|多少)分"), re.compile(r"\d+分(?!钟)")),
    (
        # A hotline named with its number (粤省心12345) gives a phone.
        # 打电话问, 接到电话: a call made, not a number asked.
        re.compile(r"几点|地址|(?<![打接来挂回])电话|网址|在哪(里)?下载|怎么登录|如何登录"),
        re.compile(r"\d+[:：]\d+|地址|电话|热线|\d{5,}|网址|下载|登录"),
    ),
    (re.compile(r"(多少|(?<!了)几)次"), re.compile(r"\d+次|[一二三四五六七八九十]次")),
)


def missing_figure(question: str, clause_texts: list[str]) -> bool:
    """The question asks for a kind of figure (days, money, a period) none of these clauses gives."""
    question = what_is_asked(question)
    for asks, gives in ASKED_FIGURES:
        if asks.search(question) and not any(gives.search(t) for t in clause_texts):
            return True
    return False


# What befalls whoever fails a duty (没在期限前认领会受到什么处理？学时不够有啥处罚？拒不配合会怎样？):
# a consequence, which a text states only as one (问责, 追究, 退出机制, 公告收回, 予以调整…). Asked of
# a clause that names none, the clause gives the duty, not what its breach costs. How a matter is
# handled (放下去的事项怎么处理) is not asked here: only a failure followed by what it brings.
_FAILURE = r"(?:没|未|不够|逾期|超期|拒绝|违反|不合格|达不到|完不成|不配合|做不到|没能|不按)"
_FAILING = _FAILURE + r"[^，,。？?]{0,25}?"  # the failure, in the same part of the sentence
ASKED_CONSEQUENCE = re.compile(
    _FAILING + r"(?:(?:会|要|将)(?:受到?|被|有|面临|承担)?|有)(?:什么|啥|哪些|怎样的?|何种)"
    r"(?:后果|处理|处罚|处分|问责|追责|责任|惩罚)|"
    r"(?:会被|会受到|要受到?|将被|将受到)(?:怎么|怎样|如何|什么|啥|哪些|何种)(?:样的)?"
    r"(?:处理|处罚|处分|问责|追责|惩罚)|"
    r"(?:有|会有)(?:什么|啥|哪些)(?:不良)?后果|"
    + _FAILING
    + r"(?:会|将)(?:怎样|怎么样|咋样)[？?]?$|"
    # The failure told first, then asked whether it brings a sanction: 没按期完成，单位会被通报批评吗？
    + _FAILURE
    + r"[^。？?]{0,30}?(?:会|要|将)(?:不会)?(?:被|受到?)[^，,。？?]{0,6}?(?:通报|问责|处分|追责|处罚|约谈|批评|降级|撤职|开除)"
)
STATED_CONSEQUENCE = re.compile(r"问责|追究|追责|处分|收回|予以调整|退出机制|通报|约谈|纳入[^。；]{0,20}考核")


def missing_consequence(question: str, clause_text: str) -> bool:
    """The question asks what a failure brings, and the clause found states no consequence."""
    return bool(ASKED_CONSEQUENCE.search(question)) and not STATED_CONSEQUENCE.search(clause_text)


# What a numbered slogan comprises, asked (“四个意识”包括哪四个, “两个确立”具体是指哪两个, 十一个坚持
# 分别怎么表述; fifteenth session): a text that names the slogan without spelling it out where it
# names it (no ：, （, 即 or 是指 right after it) cannot say what its items are.
_SLOGAN = r"[两二三四五六七八九十][一二三四五六七八九十]?个[\u4e00-\u9fff]{2,4}"
SLOGAN_ASKED = re.compile(
    rf"[“「\"]?({_SLOGAN})[”」\"]?(?:具体|分别|到底|究竟)?"
    r"(?:是指|指的是|包括|是什么(?=意思|内容|[？?]|$)|是哪(?=[两二三四五六七八九十几])|指哪|有哪(?=些|几)"
    r"|怎么表述|的完整表述|具体内容|确立的是|都有)"
)
_SPELLED_OUT = re.compile(r"[”」\"]?(?:[：:（(]|，?即|是指|包括)")


def slogan_not_spelled_out(question: str, clause_text: str) -> str:
    """The numbered slogan the question asks to spell out, when the clause names it and nowhere
    spells it out; "" otherwise (also when the clause does not name it: other rules decide)."""
    m = SLOGAN_ASKED.search(question)
    if not m or m.group(1) not in clause_text:
        return ""
    slogan = m.group(1)
    for spot in re.finditer(re.escape(slogan), clause_text):
        if _SPELLED_OUT.match(clause_text, spot.end()):
            return ""
    return slogan
