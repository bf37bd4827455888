"""Read one source file (txt, md, docx, pdf, html) into plain text.

The segmenter that runs next finds clauses by the numbering at the start of lines (一、 （一） 1.
第三条), so every reader here keeps one paragraph per line and keeps that numbering. A bad file
never raises a library exception: it becomes a DocumentError with a Chinese reason, so indexing
can skip it and go on. Traditional→simplified conversion and similar clean-up happen later.

Layout: reasons.py (the Chinese reasons), cleanup.py (line clean-up shared by the readers),
text.py (encoding detection, txt and md), docx.py and docx_numbering.py, pdf.py, html.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import DocumentError
from .cleanup import tidy
from .docx import read_docx
from .html import read_html
from .pdf import read_pdf

# Every reason is re-exported here: callers and tests compare DocumentError reasons with them.
from .reasons import (
    REASON_BAD_DOCX,
    REASON_BAD_PDF,
    REASON_BINARY,
    REASON_DOCX_NO_TEXT,
    REASON_EMPTY,
    REASON_ENCRYPTED_PDF,
    REASON_HTML_NO_TEXT,
    REASON_IS_DIRECTORY,
    REASON_NO_PERMISSION,
    REASON_NOT_FOUND,
    REASON_OLE_DOCX,
    REASON_PDF_NEEDS_CRYPTO,
    REASON_PDF_NO_TEXT,
    REASON_TRUNCATED_PDF,
    REASON_UNDECODABLE,
)
from .text import read_md, read_txt

SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")

__all__ = [
    "SUPPORTED_SUFFIXES",
    "RawDocument",
    "read_document",
    "REASON_BAD_DOCX",
    "REASON_BAD_PDF",
    "REASON_BINARY",
    "REASON_DOCX_NO_TEXT",
    "REASON_EMPTY",
    "REASON_ENCRYPTED_PDF",
    "REASON_HTML_NO_TEXT",
    "REASON_IS_DIRECTORY",
    "REASON_NO_PERMISSION",
    "REASON_NOT_FOUND",
    "REASON_OLE_DOCX",
    "REASON_PDF_NEEDS_CRYPTO",
    "REASON_PDF_NO_TEXT",
    "REASON_TRUNCATED_PDF",
    "REASON_UNDECODABLE",
]

_FORMATS = {".txt": "txt", ".md": "md", ".docx": "docx", ".pdf": "pdf", ".html": "html", ".htm": "html"}

_NO_TEXT_REASONS = {
    "txt": REASON_EMPTY,
    "md": REASON_EMPTY,
    "docx": REASON_DOCX_NO_TEXT,
    "pdf": REASON_PDF_NO_TEXT,
    "html": REASON_HTML_NO_TEXT,
}


@dataclass(frozen=True)
class RawDocument:
    path: Path
    text: str
    fmt: str  # "txt", "md", "docx", "pdf" or "html" (for .htm too)
    encoding: str | None  # codec the text was decoded with; None for docx and pdf


def read_document(path: Path) -> RawDocument:
    """Read one file into text, or raise DocumentError saying in Chinese why it cannot be read."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise DocumentError(path, _unsupported_reason(suffix))
    fmt = _FORMATS[suffix]
    data = _read_bytes(path)
    if not data:
        raise DocumentError(path, REASON_EMPTY)
    try:
        text, encoding = _READERS[fmt](path, data)
    except DocumentError:
        raise
    except Exception as exc:  # a parser choked in a way we did not foresee: still only this file fails
        raise DocumentError(path, f"文件无法解析（{type(exc).__name__}: {exc}）") from exc
    text = tidy(text)
    if not text.strip():
        raise DocumentError(path, _NO_TEXT_REASONS[fmt])
    return RawDocument(path=path, text=text, fmt=fmt, encoding=encoding)


def _unsupported_reason(suffix: str) -> str:
    if suffix == ".doc":
        return "旧版 Word（.doc）文件无法读取，请用 Word 另存为 .docx"
    shown = suffix or "无扩展名"
    return f"不支持的文件格式（{shown}），支持：txt、md、docx、pdf、html、htm"


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise DocumentError(path, REASON_NOT_FOUND) from exc
    except IsADirectoryError as exc:
        raise DocumentError(path, REASON_IS_DIRECTORY) from exc
    except PermissionError as exc:
        raise DocumentError(path, REASON_NO_PERMISSION) from exc
    except OSError as exc:
        raise DocumentError(path, f"读取文件失败（{exc.strerror or exc}）") from exc


_READERS = {"txt": read_txt, "md": read_md, "docx": read_docx, "pdf": read_pdf, "html": read_html}
