"""Word .docx: body paragraphs and tables in order, with Word's automatic numbering rendered."""

from __future__ import annotations

import io
from pathlib import Path

from ..errors import DocumentError
from .cleanup import drop_blank_lines
from .docx_numbering import DocxNumbering
from .reasons import REASON_BAD_DOCX, REASON_OLE_DOCX

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_docx(path: Path, data: bytes) -> tuple[str, None]:
    if data.startswith(_OLE_SIGNATURE):  # .doc, or a password-protected .docx (also an OLE container)
        raise DocumentError(path, REASON_OLE_DOCX)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_lines(document))
    except Exception as exc:  # python-docx raises zip, XML, KeyError, ValueError… for broken files
        raise DocumentError(path, REASON_BAD_DOCX) from exc
    return drop_blank_lines("\n".join(lines)), None


def _docx_lines(document):
    """Body paragraphs and tables in document order; each table row is one line of tab-joined cells."""
    from docx.table import Table

    numbering = DocxNumbering(document)
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield from _docx_table_lines(block)
        else:
            yield numbering.label(block) + block.text


def _docx_table_lines(table):
    from docx.table import _Cell

    for row in table.rows:
        cells = []
        for tc in row._tr.tc_lst:  # one <w:tc> per merged cell, unlike row.cells which repeats it
            if tc.vMerge == "continue":  # covered by the cell above: its text is already there
                cells.append("")
                continue
            cell = _Cell(tc, table)
            cells.append(" ".join(p.text.strip() for p in cell.paragraphs if p.text.strip()))
        yield "\t".join(cells)
