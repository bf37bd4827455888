"""HTML pages: declared charset, site chrome and hidden parts dropped, blocks as lines."""

from __future__ import annotations

import re
from pathlib import Path

from .cleanup import drop_blank_lines
from .text import decode_text, normalise_charset

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)
_HTML_DROP = ("script", "style", "noscript", "nav", "template", "svg", "select", "iframe", "aside", "head")
# A page-level <header>/<footer> is site chrome; inside <article>/<main> it holds the article title.
_HTML_CHROME = ("header", "footer")
_HTML_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_HTML_BLOCKS = frozenset(
    [
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "thead",
        "tbody",
        "tfoot",
        "caption",
        "section",
        "article",
        "main",
        "blockquote",
        "pre",
        "hr",
        "form",
        "fieldset",
        "address",
        "figure",
        "figcaption",
        "center",
        "details",
        "summary",
        "body",
    ]
)
_HTML_CELLS = frozenset(("td", "th"))
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_LINE_BREAK = object()
_CELL_BREAK = object()


def read_html(path: Path, data: bytes) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    text, encoding = decode_text(path, data, declared=_declared_charset(data))
    soup = BeautifulSoup(text, "lxml")
    _drop_non_content(soup)
    return _html_text(soup.body or soup), encoding


def _declared_charset(data: bytes) -> str | None:
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return normalise_charset(match.group(1).decode("ascii", "ignore")) if match else None


def _drop_non_content(soup) -> None:
    doomed = list(soup.find_all(_HTML_DROP))
    doomed += [tag for tag in soup.find_all(_HTML_CHROME) if tag.find_parent(("article", "main")) is None]
    doomed += soup.find_all(style=_HTML_HIDDEN_STYLE) + soup.find_all(hidden=True)
    for tag in doomed:
        if not tag.decomposed:
            tag.decompose()


def _html_text(root) -> str:
    """Text with block elements as line breaks and table cells joined by tabs, like the docx reader."""
    from bs4 import CData, NavigableString

    parts: list[str] = []
    stack: list[object] = [root]  # iterative: deeply nested pages must not hit the recursion limit
    while stack:
        node = stack.pop()
        if node is _LINE_BREAK:
            parts.append("\n")
        elif node is _CELL_BREAK:
            parts.append("\t")
        elif isinstance(node, NavigableString):
            if type(node) in (NavigableString, CData):  # skip comments, doctype, processing instructions
                parts.append(_collapse_html_space(str(node)))
        elif node.name == "br":
            parts.append("\n")
        elif node.name == "pre":
            parts.append("\n" + node.get_text() + "\n")
        else:
            block = node.name in _HTML_BLOCKS
            if node.name in _HTML_CELLS:
                parts.append("\t")
            if block:
                parts.append("\n")
                stack.append(_LINE_BREAK)
            stack.extend(reversed(list(node.children)))
    return drop_blank_lines("\n".join(_clean_html_line(line) for line in "".join(parts).split("\n")))


def _collapse_html_space(text: str) -> str:
    """Source line breaks render as a space, but between two Chinese characters they are nothing."""

    def replace(match: re.Match) -> str:
        before = match.string[match.start() - 1] if match.start() else ""
        after = match.string[match.end()] if match.end() < len(match.string) else ""
        if "\n" in match.group() and _is_cjk(before) and _is_cjk(after):
            return ""
        return " "

    return _HTML_SPACE.sub(replace, text)


def _is_cjk(ch: str) -> bool:
    return bool(ch) and ("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef")


def _clean_html_line(line: str) -> str:
    cells = [cell.strip(" ") for cell in line.split("\t")]
    return "\t".join(cells).strip("\t ")
