"""Segmentation of clean lines into the document's own clause tree.

Two shapes of Chinese official text are read:
- plans and notices numbered `一、` › `（一）` › `1.` (or `1．`, `1、`, or a bare `2` as in the seed);
- laws and regulations numbered `第X编/章/节` › `第X条`, an article holding 款 (paragraphs)
  and 项 (`（一）` items).
A clause is a leaf of that tree (or a node's own text above its children); its headings stay with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .clean import CJK

CN_NUM = "零〇一二三四五六七八九十百千两"
_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def cn_to_int(text: str) -> int:
    """一百二十三 → 123; also accepts ASCII digits."""
    if text.isdigit():
        return int(text)
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
        elif ch == "十":
            section += (digit or 1) * 10
            digit = 0
        elif ch == "百":
            section += (digit or 1) * 100
            digit = 0
        elif ch == "千":
            section += (digit or 1) * 1000
            digit = 0
    return total + section + digit


PART = re.compile(rf"^([{CN_NUM}]{{1,3}})、\s*(.*)$")
SECTION = re.compile(rf"^（([{CN_NUM}]{{1,3}})）\s*(.*)$")
# An item number: 1–2 digits, then a dot, an enumeration comma, a space or straight into Chinese
# text. A line starting `2023年` or `60学时` is text, not an item.
ITEM = re.compile(rf"^(\d{{1,2}})([.．、]\s*|\s+|(?=[{CJK}“《（]))(.*)$")
NOT_ITEM_AFTER = re.compile(r"^(年|月|日|号|个|%|‰|时|分|学时|小时|天|万|亿|元|岁|周|次|倍|项|条|款)")
LAW_HEAD = re.compile(rf"^第([{CN_NUM}\d]+)(编|章|节)\s*(.*)$")
ARTICLE = re.compile(rf"^第([{CN_NUM}\d]+)条(?:\s+|(?=[{CJK}“《（]))(.*)$")
UNITS = re.compile(r"（([^（）]*(?:（[^（）]*）[^（）]*)*)）$")
UNIT_WORDS = re.compile(r"负责|牵头|落实|配合|参与|按职责")
TITLE_MAX = 32

LEVEL_NAMES = {"part": 1, "section": 2, "item": 3}


@dataclass
class Sentence:
    text: str
    ref: str = ""  # 款/项 within an article, e.g. 第二款第（三）项


@dataclass
class Clause:
    key: str  # positional path, ASCII: p2.s1.i2, a12, notice
    label: str  # the document's own numbering: 二（一）2, 第十二条, 通知
    title: str
    headings: list[str]
    units: str
    text: str
    sentences: list[Sentence]
    order: int = 0


@dataclass
class _Node:
    kind: str
    number: int
    marker: str  # 二、 / （一） / 2 / 第五条
    first: str  # text on the numbered line after the marker
    body: list[str] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)


# A sentence longer than this (no policy sentence is; a text without punctuation is) is cut at
# commas, then hard, so no single sentence can take the embedder's memory.
MAX_SENTENCE_CHARS = 400


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """Split on 。；！？ outside brackets and quotes, keeping the mark with its sentence."""
    out = []
    for sentence in _split_marks(text):
        out += _cut_long(sentence, max_chars) if len(sentence) > max_chars else [sentence]
    return out


def _cut_long(sentence: str, max_chars: int) -> list[str]:
    """Pieces of at most max_chars, cut after a comma or colon where one is near the limit."""
    pieces = []
    while len(sentence) > max_chars:
        window = sentence[:max_chars]
        cut = max(window.rfind(mark) for mark in "，、：,")
        cut = cut + 1 if cut >= max_chars // 2 else max_chars
        pieces.append(sentence[:cut])
        sentence = sentence[cut:]
    if sentence.strip():
        pieces.append(sentence)
    return pieces


def _split_marks(text: str) -> list[str]:
    out, buf, depth = [], [], 0
    for ch in text:
        buf.append(ch)
        if ch in "（(《“‘【":
            depth += 1
        elif ch in "）)》”’】" and depth:
            depth -= 1
        elif ch in "。；！？" and depth == 0:
            sentence = "".join(buf).strip()
            if sentence:
                out.append(sentence)
            buf = []
    tail = "".join(buf).strip()
    if tail:
        out.append(tail)
    return out


def extract_units(text: str) -> tuple[str, str]:
    """Split a trailing responsible-units bracket off a task's text."""
    match = UNITS.search(text)
    if not match or not UNIT_WORDS.search(match.group(1)):
        return text, ""
    inner = match.group(1)
    main = re.split(r"按职责分工负责|按职责负责|负责", inner)[0].strip("，、；")
    units = re.sub(r"[，,]", "、", main) or inner
    return text[: match.start()].rstrip(), units


def split_title(first: str) -> tuple[str, str]:
    """`加强业务学习培训。建立…` → (`加强业务学习培训`, whole text). A short heading is its title."""
    sentences = split_sentences(first)
    if sentences and len(sentences[0]) <= TITLE_MAX and sentences[0][-1] in "。；":
        return sentences[0][:-1], first
    if len(first) <= TITLE_MAX and not re.search(r"[。；，]", first):
        return first, first
    return "", first


def _short_title(text: str) -> str:
    first = re.split(r"[，。；：]", text, maxsplit=1)[0]
    return first if len(first) <= 24 else first[:24] + "…"


# ---------------------------------------------------------------- plans: 一、 › （一） › 1.


def _match_plan(line: str, last_item: int) -> tuple[str, int, str, str] | None:
    if m := PART.match(line):
        return "part", cn_to_int(m.group(1)), f"{m.group(1)}、", m.group(2)
    if m := SECTION.match(line):
        return "section", cn_to_int(m.group(1)), f"（{m.group(1)}）", m.group(2)
    if m := ITEM.match(line):
        number, delimiter, rest = int(m.group(1)), m.group(2).strip(), m.group(3)
        # `2023年…` or `60学时…` is text; `31. 日常监督…` with its dot is an item all the same.
        if not delimiter and NOT_ITEM_AFTER.match(rest):
            return None
        # Items count on through the sections of the seed; one that jumps is a line of text.
        if number in (1, last_item + 1) and rest:
            return "item", number, m.group(1), rest
    return None


def _plan_tree(lines: list[str]) -> tuple[list[str], list[_Node]]:
    front: list[str] = []
    roots: list[_Node] = []
    stack: list[_Node] = []
    last_item = 0
    for line in lines:
        found = _match_plan(line, last_item)
        if not found:
            (stack[-1].body if stack else front).append(line)
            continue
        kind, number, marker, first = found
        if kind == "item":
            last_item = number
        node = _Node(kind, number, marker, first)
        level = LEVEL_NAMES[kind]
        while stack and LEVEL_NAMES[stack[-1].kind] >= level:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return front, roots


def _plan_label(path: list[_Node]) -> str:
    label = ""
    for node in path:
        if node.kind == "part":
            label += node.marker.rstrip("、")
        else:
            label += node.marker
    return label


def _plan_key(path: list[_Node]) -> str:
    letters = {"part": "p", "section": "s", "item": "i"}
    return ".".join(f"{letters[n.kind]}{n.number}" for n in path)


def _heading_text(node: _Node) -> str:
    title, _ = split_title(node.first)
    return f"{node.marker}{title or node.first}"


def _plan_clauses(roots: list[_Node]) -> list[Clause]:
    clauses: list[Clause] = []

    def visit(node: _Node, path: list[_Node]) -> None:
        path = path + [node]
        own = " ".join([node.first] + node.body).strip()
        title, _ = split_title(node.first)
        heading_only = not node.body and (title == node.first.rstrip("。") or not node.first)
        if not node.children or not heading_only:
            text = own if node.children else own
            if node.children and not node.body and title and own.rstrip("。") == title:
                text = ""
            if text:
                text, units = extract_units(text)
                clauses.append(
                    Clause(
                        key=_plan_key(path),
                        label=_plan_label(path),
                        title=title or _short_title(text),
                        headings=[_heading_text(n) for n in path[:-1]],
                        units=units,
                        text=text,
                        sentences=[Sentence(s) for s in split_sentences(text)],
                    )
                )
        for child in node.children:
            visit(child, path)

    for root in roots:
        visit(root, [])
    return clauses


def _front_clauses(front: list[str], title: str) -> list[Clause]:
    """The notice (通知) and the preamble (前言) before the first numbered part."""
    if not front:
        return []
    notice, preamble = [], []
    notice_end = -1
    for i, line in enumerate(front):
        if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line):
            notice_end = i
            break
    is_notice = notice_end >= 0 and any("通知" in ln for ln in front[: notice_end + 1])
    if is_notice:
        notice = front[: notice_end + 1]
        preamble = front[notice_end + 1 :]
    else:
        preamble = front

    def body(lines: list[str]) -> list[str]:
        # Title lines, 文号, signature and date are metadata, not clause text.
        return [
            ln
            for ln in lines
            if not re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", ln)
            and not re.search(r"〔\d{4}〕\d+号$", ln)
            and not (len(ln) <= 60 and not re.search(r"[。；：，]", ln))
        ]

    clauses = []
    notice_body = body(notice)
    if notice_body:
        text = "".join(notice_body)
        clauses.append(Clause("notice", "通知", "印发通知", [], "", text, [Sentence(s) for s in split_sentences(text)]))
    pre_body = body(preamble)
    if pre_body:
        text = "".join(pre_body)
        clauses.append(
            Clause(
                "preamble",
                "前言",
                "制定目的",
                [title] if title else [],
                "",
                text,
                [Sentence(s) for s in split_sentences(text)],
            )
        )
    return clauses


# ---------------------------------------------------------------- laws: 第X章 › 第X条 › 款 › 项


def _law_clauses(lines: list[str]) -> list[Clause]:
    clauses: list[Clause] = []
    heads: dict[str, str] = {}
    current: list | None = None  # [number_text, lines, headings]

    def flush() -> None:
        if current is None:
            return
        number_text, body_lines, headings = current
        sentences: list[Sentence] = []
        paragraphs = 0
        item_count = 0
        texts = []
        for line in body_lines:
            item = SECTION.match(line)
            if item and paragraphs:
                ref_item = f"第（{item.group(1)}）项"
                item_count += 1
            else:
                paragraphs += 1
                ref_item = ""
            texts.append(line)
            for s in split_sentences(line):
                sentences.append(Sentence(s, (f"第{_cn(paragraphs)}款", ref_item)))  # type: ignore[arg-type]
        multi = paragraphs > 1
        for s in sentences:
            para, ref_item = s.ref  # type: ignore[misc]
            s.ref = (para if multi else "") + ref_item
        text = "\n".join(texts)
        number = cn_to_int(number_text)
        clauses.append(
            Clause(f"a{number}", f"第{number_text}条", _short_title(texts[0]), headings, "", text, sentences)
        )

    for line in lines:
        if m := LAW_HEAD.match(line):
            flush()
            current = None
            kind = m.group(2)
            heads[kind] = f"第{m.group(1)}{kind} {m.group(3)}".strip()
            # A new 章 starts its own 节 numbering; a new 编 its own 章.
            for lower in {"编": ("章", "节"), "章": ("节",), "节": ()}[kind]:
                heads.pop(lower, None)
            continue
        if m := ARTICLE.match(line):
            flush()
            headings = [heads[k] for k in ("编", "章", "节") if k in heads]
            current = [m.group(1), [m.group(2)] if m.group(2) else [], headings]
            continue
        if current is not None:
            current[1].append(line)
    flush()
    return clauses


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n >= 100:
        return str(n)
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


def _paragraph_clauses(lines: list[str], title: str) -> list[Clause]:
    """A text with no numbering of its own: each paragraph is a clause, 第N段."""
    clauses = []
    for line in lines:
        if line == title or (len(line) <= 40 and not re.search(r"[。；，]", line)):
            continue
        n = len(clauses) + 1
        clauses.append(
            Clause(
                f"para{n}",
                f"第{_cn(n)}段",
                _short_title(line),
                [title] if title else [],
                "",
                line,
                [Sentence(s) for s in split_sentences(line)],
            )
        )
    return clauses


def is_law(lines: list[str]) -> bool:
    return sum(1 for ln in lines if ARTICLE.match(ln)) >= 2


def segment(lines: list[str], title: str = "") -> list[Clause]:
    """Clean lines → clauses in document order."""
    if is_law(lines):
        first_article = next(i for i, ln in enumerate(lines) if ARTICLE.match(ln) or LAW_HEAD.match(ln))
        front = _front_clauses(lines[:first_article], title)
        clauses = front + _law_clauses(lines[first_article:])
    else:
        front_lines, roots = _plan_tree(lines)
        if roots:
            clauses = _front_clauses(front_lines, title) + _plan_clauses(roots)
        else:
            clauses = _paragraph_clauses(front_lines, title)
    seen: dict[str, int] = {}
    for i, clause in enumerate(clauses):
        clause.order = i
        # Numbering that restarts or repeats (a second 二、, a typo) must not merge two clauses.
        seen[clause.key] = seen.get(clause.key, 0) + 1
        if seen[clause.key] > 1:
            clause.key = f"{clause.key}~{seen[clause.key]}"
    return clauses
