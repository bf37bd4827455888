"""The corpus: source files → documents with metadata and citable clauses."""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .clean import clean_text
from .errors import DocumentError, EmptyCorpus
from .loaders import SUPPORTED_SUFFIXES, read_document
from .segment import Clause, segment

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}〔\d{4}〕\d+号")
DATE_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$")
DATE_ANY = re.compile(r"(\d{4})[年/\-.](\d{1,2})[月/\-.](\d{1,2})")
NOTICE_TITLE = re.compile(r"^(.{2,40}?)关于(?:印发|转发|发布)(.+?)的通知$")
ISSUER_SUFFIX = re.compile(r"(人民政府|办公厅|办公室|委员会|司法厅|司法局|厅|局|部|委|院|会)$")


@dataclass
class Document:
    doc_id: str
    path: str
    fmt: str
    sha256: str
    title: str
    doc_number: str = ""
    issuer: str = ""
    date: str = ""
    notice_title: str = ""
    clauses: list[Clause] = field(default_factory=list)

    def metadata(self) -> dict:
        data = asdict(self)
        data.pop("clauses")
        data["clause_count"] = len(self.clauses)
        return data


def doc_id_for(path: Path) -> str:
    """A stable, typeable id from the file name: `gd-plan-2023-2025.web-capture.txt` → `gd-plan-2023-2025`."""
    stem = path.name
    for suffix in SUPPORTED_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    stem = re.sub(r"\.(web-capture|capture|copy)$", "", stem)
    slug = re.sub(r"[^\w\u4e00-\u9fff]+", "-", stem).strip("-").lower()
    return slug or "doc"


def clause_id(doc_id: str, clause: Clause) -> str:
    """`doc:path:hash8`: the same while the clause's place and text are unchanged."""
    digest = hashlib.sha1(f"{clause.label}\n{clause.text}".encode()).hexdigest()[:8]
    return f"{doc_id}:{clause.key}:{digest}"


def _iso(y: str, m: str, d: str) -> str:
    return f"{int(y):04d}-{int(m):02d}-{int(d):02d}"


def extract_metadata(lines: list[str]) -> dict:
    head = lines[:40]
    meta = {"title": "", "doc_number": "", "issuer": "", "date": "", "notice_title": ""}
    for line in head:
        if m := DOC_NUMBER.search(line):
            meta["doc_number"] = m.group(0)
            break
    for line in head:
        if m := NOTICE_TITLE.match(line):
            meta["notice_title"] = line
            meta["issuer"] = m.group(1)
            meta["title"] = m.group(2).strip("《》")
            break
    if not meta["title"]:
        meta["title"] = next(
            (
                ln
                for ln in head
                if 4 <= len(ln) <= 60
                and not re.search(r"[。；，：]", ln)
                and not DOC_NUMBER.search(ln)
                and not DATE_CN.match(ln)
            ),
            lines[0][:40] if lines else "",
        )
    for i, line in enumerate(head):
        if m := DATE_CN.match(line):
            meta["date"] = _iso(*m.groups())
            # The signature line sits right above the date of a notice.
            prev = head[i - 1] if i else ""
            if not meta["issuer"] and ISSUER_SUFFIX.search(prev) and len(prev) <= 30:
                meta["issuer"] = prev
            break
    if not meta["date"]:
        for line in head:
            if m := DATE_ANY.search(line):
                meta["date"] = _iso(*m.groups())
                break
    return meta


def parse_document(
    path: Path, corpus_dir: Path | None = None, doc_id: str | None = None, max_chars: int | None = None
) -> Document:
    raw = read_document(path)
    if max_chars is not None and len(raw.text) > max_chars:
        raise DocumentError(
            path,
            f"正文有 {len(raw.text):,} 个字，超过上限 {max_chars:,} 字（STUDYBOT_MAX_DOC_CHARS），已跳过；"
            "请确认这是一份政策文本，必要时拆分成几个文件",
        )
    lines = clean_text(raw.text)
    if not lines:
        raise DocumentError(path, "清洗后没有可用的文字内容")
    meta = extract_metadata(lines)
    clauses = segment(lines, meta["title"])
    if not clauses:
        raise DocumentError(path, "没有切分出任何条款（内容过短或全是标题）")
    rel = str(path.relative_to(corpus_dir)) if corpus_dir else str(path)
    return Document(
        doc_id=doc_id or doc_id_for(path),
        path=rel,
        fmt=raw.fmt,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        clauses=clauses,
        **meta,
    )


def corpus_files(corpus_dir: Path) -> list[Path]:
    if not corpus_dir.is_dir():
        raise EmptyCorpus(f"语料文件夹 {corpus_dir} 不存在，请放入政策文本，或用 --corpus 指定文件夹")
    files = sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith((".", "~$"))
    )
    if not files:
        raise EmptyCorpus(
            f"语料文件夹 {corpus_dir} 中没有可索引的文件（支持 {'、'.join(SUPPORTED_SUFFIXES)}），请先放入政策文本"
        )
    return files


def file_sha256(path: Path, max_mb: float | None = None) -> str:
    """The file's content hash; a file over `max_mb` megabytes is refused before it is read."""
    try:
        size = path.stat().st_size
        if max_mb is not None and size > max_mb * 1024 * 1024:
            raise DocumentError(
                path,
                f"文件大小 {size / 1024 / 1024:.1f} MB 超过上限 {max_mb:g} MB（STUDYBOT_MAX_FILE_MB），已跳过；"
                "请确认这是一份政策文本，必要时拆分成几个文件",
            )
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError as exc:
        raise DocumentError(path, f"无法读取（{exc.strerror or exc}）") from exc


def unique_doc_ids(files: list[Path]) -> dict[Path, str]:
    """Two files with the same stem (a.txt, a.pdf) get -2, -3 suffixes, in sorted order."""
    seen: dict[str, int] = {}
    ids = {}
    for path in files:
        base = doc_id_for(path)
        seen[base] = seen.get(base, 0) + 1
        ids[path] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return ids
