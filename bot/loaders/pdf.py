"""PDF: text per page, page numbers and running headers/footers removed, wrapped lines re-joined."""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from pathlib import Path

from ..errors import DocumentError
from .reasons import (
    REASON_BAD_PDF,
    REASON_ENCRYPTED_PDF,
    REASON_PDF_NEEDS_CRYPTO,
    REASON_PDF_NO_TEXT,
    REASON_TRUNCATED_PDF,
)

# Page furniture is looked for only among the first and last lines of each page.
_EDGE_LINES = 3
_PAGE_NUMBER = re.compile(
    r"""^(?:
        [-－—–─~～\s]*\d+[-－—–─~～\s]*                                 # 3   - 3 -   — 3 —
      | 第\s*[\d一二三四五六七八九十百零〇]+\s*页(?:\s*[,，/／]?\s*共\s*\d+\s*页)?  # 第 3 页  第3页 共10页
      | 共\s*\d+\s*页\s*[,，]?\s*第\s*\d+\s*页                            # 共10页 第3页
      | \d+\s*[/／]\s*\d+                                                # 3/10
      | (?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?                         # Page 3 of 10
    )$""",
    re.VERBOSE | re.IGNORECASE,
)
# Clause numbering that starts a new paragraph, so the line before it is never joined to it.
_NUMBERING = re.compile(
    r"""^\s*(?:
        [一二三四五六七八九十百]+[、．.]
      | [（(][一二三四五六七八九十百\d]+[）)]
      | \d+(?:\.\d+)*[.．、](?!\d)
      | \d+\.\d+(?:\.\d+)*\s
      | \d{1,2}\s+(?=\S)
      | 第[一二三四五六七八九十百千零〇两\d]+[编章节条款项部分]
      | [①-⑳⑴-⒇]
      | [•·▪●○■□◆◇]
      | 附件|附表|附录
    )""",
    re.VERBOSE,
)
_SENTENCE_END = "。；：！？;:!?.…"
_CLOSING_BRACKETS = "）)】〕］]》〉」』"
_CLOSING_QUOTES = "”’\"'"
# A line can never start a paragraph with these, so it always continues the line before.
_CONTINUATION_START = "，。、；：！？）》」』”,.;:!?)"
# A line shorter than this share of a full line ended before the margin: a heading, not a wrap.
_FULL_LINE_SHARE = 0.75


def read_pdf(path: Path, data: bytes) -> tuple[str, None]:
    reader = _open_pdf(path, data)
    pages = [_pdf_page_lines(path, number, page) for number, page in enumerate(reader.pages, start=1)]
    if not any(line.strip() for lines in pages for line in lines):
        raise DocumentError(path, REASON_PDF_NO_TEXT)
    pages = _drop_page_furniture(pages)
    return "\n".join(_rejoin_broken_lines([line for lines in pages for line in lines])), None


def _open_pdf(path: Path, data: bytes):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError

    if b"%PDF-" not in data[:1024]:
        raise DocumentError(path, REASON_BAD_PDF)
    # pypdf quietly rebuilds a cut-off file and returns part of it; half a policy is worse than none.
    if b"%%EOF" not in data.rstrip(b"\x00 \t\r\n")[-1024:]:
        raise DocumentError(path, REASON_TRUNCATED_PDF)
    try:
        reader = PdfReader(io.BytesIO(data))
        # Many official PDFs only carry an owner password (no printing/copying) and open with "".
        if reader.is_encrypted and not reader.decrypt(""):
            raise DocumentError(path, REASON_ENCRYPTED_PDF)
        len(reader.pages)
    except DocumentError:
        raise
    except DependencyError as exc:
        raise DocumentError(path, REASON_PDF_NEEDS_CRYPTO) from exc
    except Exception as exc:  # pypdf raises PdfReadError, ValueError, KeyError… on broken files
        raise DocumentError(path, REASON_BAD_PDF) from exc
    return reader


def _pdf_page_lines(path: Path, number: int, page) -> list[str]:
    try:
        text = page.extract_text() or ""
    except Exception as exc:
        raise DocumentError(path, f"PDF 第 {number} 页无法解析（文件可能已损坏）") from exc
    # Blank lines in extracted text are layout (often just the page end), and would stop the re-join.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line.rstrip() for line in lines if line.strip()]


def _drop_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and running headers/footers, which would cut sentences at page breaks."""
    running = _running_lines(pages)
    return [_strip_page_edges(lines, running) for lines in pages]


def _edge_indexes(lines: list[str]) -> set[int]:
    filled = [index for index, line in enumerate(lines) if line.strip()]
    return set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])


def _furniture_key(line: str) -> str:
    """Compare headers without spaces and digits, so '报告 第3页' and '报告 第4页' match."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", line))


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Lines found at a page edge on most pages. Under three pages a repeat proves nothing."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_furniture_key(lines[i]) for i in _edge_indexes(lines) if _may_be_furniture(lines[i])})
    return {key for key, count in counts.items() if key and count * 2 > len(pages)}


def _may_be_furniture(line: str) -> bool:
    """A numbered line (第3条, 一、…) or a finished sentence is content even if alike on every page."""
    return not _NUMBERING.match(line) and line.rstrip()[-1] not in "。！？；"


def _strip_page_edges(lines: list[str], running: set[str]) -> list[str]:
    edges = _edge_indexes(lines)
    return [
        line
        for index, line in enumerate(lines)
        if index not in edges or not (_PAGE_NUMBER.match(line.strip()) or _furniture_key(line) in running)
    ]


def _rejoin_broken_lines(lines: list[str]) -> list[str]:
    """Join lines the PDF wrapped mid-sentence; Chinese needs no space at the join."""
    full_width = _full_line_width(lines)
    out: list[str] = []
    previous = ""  # the last physical line, not the joined paragraph: its width shows a wrap
    for line in lines:
        if out and _continues(previous, line, full_width):
            out[-1] = _join(out[-1], line.lstrip())
        else:
            out.append(line)
        previous = line
    return out


def _continues(previous: str, line: str, full_width: float) -> bool:
    if not previous.strip() or not line.strip():
        return False
    if line.lstrip()[0] in _CONTINUATION_START:
        return True
    if _ends_sentence(previous) or _NUMBERING.match(line):
        return False
    return _display_width(previous) >= full_width * _FULL_LINE_SHARE


def _ends_sentence(line: str) -> bool:
    line = line.rstrip()
    if line[-1] in _CLOSING_BRACKETS:
        return True
    inner = line.rstrip(_CLOSING_QUOTES)  # “……。” ends the sentence; “两个确立” may not
    return bool(inner) and inner[-1] in _SENTENCE_END


def _join(left: str, right: str) -> str:
    """English words and numbers keep a space between them; Chinese characters do not."""
    if left[-1].isascii() and left[-1].isalnum() and right[0].isascii() and right[0].isalnum():
        return f"{left} {right}"
    return left + right


def _display_width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line.strip())


def _full_line_width(lines: list[str]) -> float:
    """The width of a full line: most body lines run to the margin, so take a high percentile."""
    widths = sorted(_display_width(line) for line in lines if line.strip())
    if not widths:
        return 0.0
    return widths[int(0.9 * (len(widths) - 1))]
