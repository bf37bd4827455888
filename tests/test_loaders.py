"""bot.loaders: every format read into plain text, every bad file turned into a Chinese reason.

All fixtures are generated here into tmp_path; nothing binary is committed.
"""

from __future__ import annotations

import io
import os
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bot.errors import DocumentError
from bot.loaders import SUPPORTED_SUFFIXES, RawDocument, read_document

POLICY = "第一条 为了规范行政执法行为，制定本办法。\n第二条 本办法适用于本省行政执法。"


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def reason_of(path: Path) -> str:
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert caught.value.path == path
    return caught.value.reason


# ---------------------------------------------------------------- API


def test_api_shape(tmp_path):
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".docx", ".pdf", ".html", ".htm")
    doc = read_document(write(tmp_path, "a.txt", POLICY))
    assert isinstance(doc, RawDocument)
    assert doc == RawDocument(path=tmp_path / "a.txt", text=POLICY, fmt="txt", encoding="utf-8")
    with pytest.raises(AttributeError):
        doc.text = "x"  # frozen


def test_accepts_str_path_and_upper_case_suffix(tmp_path):
    write(tmp_path, "A.TXT", POLICY)
    doc = read_document(str(tmp_path / "A.TXT"))
    assert doc.path == tmp_path / "A.TXT" and doc.fmt == "txt" and doc.text == POLICY


# ---------------------------------------------------------------- text files


def test_utf8_txt(tmp_path):
    doc = read_document(write(tmp_path, "a.txt", POLICY + "\n"))
    assert (doc.text, doc.encoding, doc.fmt) == (POLICY, "utf-8", "txt")


def test_utf8_bom_txt_strips_bom(tmp_path):
    doc = read_document(write(tmp_path, "a.txt", "\ufeff" + POLICY))
    assert doc.text == POLICY
    assert doc.encoding == "utf-8-sig"


def test_gbk_txt_decodes_chinese_policy_text(tmp_path):
    doc = read_document(write(tmp_path, "gbk.txt", POLICY, encoding="gbk"))
    assert doc.text == POLICY
    assert doc.encoding == "gb18030"


def test_gbk_txt_with_traditional_characters(tmp_path):
    # GBK holds traditional characters too (the seed corpus is a traditional web capture).
    text = "廣東省提升行政執法質量三年行動實施計劃\n一、總體要求\n（一）指導思想。堅持以習近平新時代中國特色社會主義思想爲指導。"
    doc = read_document(write(tmp_path, "trad.txt", text, encoding="gbk"))
    assert doc.text == text and doc.encoding == "gb18030"


def test_gb18030_only_characters(tmp_path):
    # 䶮 (Ext A) and 𠮷 (Ext B) exist in GB18030 but not in GBK.
    text = "第三条 䶮𠮷等生僻字也应正确读取。"
    with pytest.raises(UnicodeEncodeError):
        text.encode("gbk")
    doc = read_document(write(tmp_path, "gb18030.txt", text, encoding="gb18030"))
    assert doc.text == text and doc.encoding == "gb18030"


def test_big5_txt_is_not_misread_as_gbk(tmp_path):
    text = "第一條 為了規範行政執法行為，制定本辦法。\n第二條 本辦法適用於本省行政執法。"
    doc = read_document(write(tmp_path, "big5.txt", text, encoding="big5"))
    assert doc.text == text
    assert doc.encoding == "big5hkscs"


@pytest.mark.parametrize("text", ["附件", "第一条", "一、总体要求", "总体要求", "二〇二三年十二月七日"])
def test_short_gbk_text_is_not_taken_for_big5(tmp_path, text):
    # Short GBK byte runs are often valid Big5 too; Guangdong files are GBK unless clearly not.
    doc = read_document(write(tmp_path, "short.txt", text, encoding="gbk"))
    assert (doc.text, doc.encoding) == (text, "gb18030")


def test_utf16_with_bom(tmp_path):
    doc = read_document(write(tmp_path, "u16.txt", POLICY, encoding="utf-16"))
    assert doc.text == POLICY and doc.encoding == "utf-16"


def test_line_endings_and_trailing_spaces(tmp_path):
    raw = "\r\n\u3000\u3000一、总体要求  \r\n（一）指导思想。\t\r\n\r\n1.坚持依法行政。 \r\n"
    doc = read_document(write(tmp_path, "crlf.txt", raw))
    # Leading full-width indentation is content the cleaner handles; only trailing space goes.
    assert doc.text == "\u3000\u3000一、总体要求\n（一）指导思想。\n\n1.坚持依法行政。"


def test_stray_nul_is_dropped_not_rejected(tmp_path):
    doc = read_document(write(tmp_path, "nul.txt", ("第一条 内容。" * 200 + "\x00" + "第二条 内容。").encode("utf-8")))
    assert "\x00" not in doc.text and doc.text.endswith("第二条 内容。")


def test_markdown_syntax_is_dropped_but_numbering_kept(tmp_path):
    md = """---
title: 示例
---
# 广东省行政执法办法

## 一、总体要求 ##

（一）**指导思想**。坚持*依法*行政，详见[司法部网站](https://www.moj.gov.cn)。

- 严格规范
* 公正文明
  + [ ] 子项

1. 第一项，保持编号。
2、第二项。

第三条 行政执法人员应当持证上岗。

> 引用的原文。

```
代码块内容 **原样**
```

| 序号 | 任务 |
|---|:---:|
| 1 | 推行`执法`公示 |

---
![图示](a.png) 与 \\*星号\\* 以及 snake_case_name。
"""
    doc = read_document(write(tmp_path, "a.md", md))
    assert doc.fmt == "md" and doc.encoding == "utf-8"
    lines = doc.text.split("\n")
    assert lines[0] == "广东省行政执法办法"
    assert "一、总体要求" in lines
    assert "（一）指导思想。坚持依法行政，详见司法部网站。" in lines
    assert "严格规范" in lines and "公正文明" in lines and "子项" in lines
    assert "1. 第一项，保持编号。" in lines and "2、第二项。" in lines
    assert "第三条 行政执法人员应当持证上岗。" in lines
    assert "引用的原文。" in lines
    assert "代码块内容 **原样**" in lines
    assert "序号\t任务" in lines and "1\t推行执法公示" in lines
    assert "图示 与 *星号* 以及 snake_case_name。" in lines
    for junk in ("#", "```", "](", "|---", "title:", "---"):
        assert junk not in doc.text
    assert "\n\n\n" not in doc.text


def test_markdown_gbk(tmp_path):
    doc = read_document(write(tmp_path, "gbk.md", "# 标题\n\n" + POLICY, encoding="gbk"))
    assert doc.text == "标题\n\n" + POLICY and doc.encoding == "gb18030"


# ---------------------------------------------------------------- docx


def make_docx(path: Path, build) -> Path:
    import docx

    document = docx.Document()
    build(document)
    document.save(path)
    return path


def test_docx_paragraphs_and_table_in_document_order(tmp_path):
    def build(document):
        document.add_heading("广东省行政执法公示办法", level=1)
        document.add_paragraph("第一条 为了规范行政执法行为，制定本办法。")
        document.add_paragraph("")  # empty paragraphs are layout, not content
        table = document.add_table(rows=3, cols=3)
        for row, values in zip(
            table.rows,
            (("序号", "任务", "责任单位"), ("1", "推行执法公示", "省司法厅"), ("2", "规范执法记录", "各地级以上市")),
        ):
            for cell, value in zip(row.cells, values):
                cell.text = value
        table.cell(2, 1).merge(table.cell(2, 2))  # a merged cell is one cell, not a repeat
        table.cell(2, 1).text = "规范执法记录（各地级以上市负责）"
        document.add_heading("第二章 附则", level=2)
        paragraph = document.add_paragraph("第二条 本办法")
        paragraph.add_run("自印发之日起施行。").bold = True

    doc = read_document(make_docx(tmp_path / "a.docx", build))
    assert (doc.fmt, doc.encoding) == ("docx", None)
    assert doc.text.split("\n") == [
        "广东省行政执法公示办法",
        "第一条 为了规范行政执法行为，制定本办法。",
        "序号\t任务\t责任单位",
        "1\t推行执法公示\t省司法厅",
        "2\t规范执法记录（各地级以上市负责）",
        "第二章 附则",
        "第二条 本办法自印发之日起施行。",
    ]


def test_docx_vertically_merged_cell_is_not_repeated(tmp_path):
    def build(document):
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).merge(table.cell(1, 0))
        table.cell(0, 0).text = "省司法厅"
        table.cell(0, 1).text = "任务一"
        table.cell(1, 1).text = "任务二"

    doc = read_document(make_docx(tmp_path / "v.docx", build))
    assert doc.text.split("\n") == ["省司法厅\t任务一", "\t任务二"]


def _add_chinese_article_numbering(document) -> str:
    """Add a list numbered 第一条, 第二条 … with (一) sub-items, as Word's 编号 does; return numId."""
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="90">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="第%1条"/><w:suff w:val="space"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="（%2）"/><w:suff w:val="nothing"/></w:lvl>'
            "</w:abstractNum>"
        ),
    )
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return "90"


def _number(paragraph, num_id: str, ilvl: int) -> None:
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {w}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )


def test_docx_automatic_numbering_is_rendered(tmp_path):
    def build(document):
        num_id = _add_chinese_article_numbering(document)
        for text, ilvl in (
            ("为了规范行政执法行为，制定本办法。", 0),
            ("本办法适用于：", 0),
            ("行政处罚；", 1),
            ("行政检查。", 1),
            ("本办法自印发之日起施行。", 0),
        ):
            _number(document.add_paragraph(text), num_id, ilvl)
        document.add_paragraph("工作要求", style="List Number")  # built-in style numbered 1.
        document.add_paragraph("工作措施", style="List Number")
        document.add_paragraph("一项要点", style="List Bullet")  # bullets are not numbering

    doc = read_document(make_docx(tmp_path / "n.docx", build))
    assert doc.text.split("\n") == [
        "第一条 为了规范行政执法行为，制定本办法。",
        "第二条 本办法适用于：",
        "（一）行政处罚；",
        "（二）行政检查。",
        "第三条 本办法自印发之日起施行。",
        "1. 工作要求",
        "2. 工作措施",
        "一项要点",
    ]


def test_docx_with_only_empty_paragraphs(tmp_path):
    path = make_docx(tmp_path / "blank.docx", lambda d: d.add_paragraph("  "))
    assert reason_of(path) == "docx 文件中没有文字"


# ---------------------------------------------------------------- pdf


def _register_song():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    # STSong-Light is one of reportlab's built-in CID fonts: no font file, pure PyPI.
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def make_pdf(path: Path, pages: list[list[str]], **canvas_options) -> Path:
    from reportlab.pdfgen import canvas

    font = _register_song()
    pdf = canvas.Canvas(str(path), **canvas_options)
    for lines in pages:
        pdf.setFont(font, 12)
        y = 800
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 20
        pdf.showPage()
    pdf.save()
    return path


def wrap(text: str, width: int = 30) -> list[str]:
    """Break text into full-width lines the way a PDF's layout does."""
    return [text[i : i + width] for i in range(0, len(text), width)]


def test_pdf_chinese_text_is_extracted(tmp_path):
    path = make_pdf(tmp_path / "a.pdf", [POLICY.split("\n")])
    doc = read_document(path)
    assert (doc.fmt, doc.encoding) == ("pdf", None)
    assert doc.text == POLICY


def test_pdf_page_furniture_removed_and_broken_lines_rejoined(tmp_path):
    header = "广东省行政执法工作文件汇编"
    paragraph = (
        "为深入贯彻实施国务院办公厅印发的《提升行政执法质量三年行动计划》，全面提升我省行政执法"
        "质量和效能，全面推进严格规范公正文明执法，结合我省实际，制定本计划。"
    )
    # A sentence whose first two full lines end page 1 and whose rest starts page 2.
    across = (
        "坚持以习近平新时代中国特色社会主义思想为指导，深入学习贯彻习近平法治思想，全面贯彻落实党的二十大精神，"
        "认真贯彻落实习近平总书记视察广东重要讲话、重要指示精神，深刻领悟“两个确立”的决定性意义。"
    )
    body1 = [
        "广东省提升行政执法质量三年行动实施计划",
        "（2023—2025年）",
        *wrap(paragraph),
        "一、总体要求",
        "总体目标如下：",
        "（一）指导思想。",
        *wrap(across)[:2],
    ]
    body2 = [
        *wrap(across)[2:],
        "（二）工作目标。到2025年底，行政执法质量",
        "1.执法队伍素质明显提升。",
        "第三条 本办法自印发之日起施行。",
    ]
    body3 = [
        "二、重点任务",
        *wrap("全面落实行政执法三项制度，推行行政执法公示、执法全过程记录和重大执法决定法制审核制度。"),
    ]
    pages = [
        [header, *body1, "- 1 -"],
        [header, *body2, "第 2 页"],
        [header, *body3, "3/3"],
    ]
    doc = read_document(make_pdf(tmp_path / "multi.pdf", pages))
    lines = doc.text.split("\n")
    assert header not in doc.text
    assert not any(line in ("- 1 -", "第 2 页", "3/3") for line in lines)
    # Short centred title lines end before the margin, so they are not glued together.
    assert lines[:2] == ["广东省提升行政执法质量三年行动实施计划", "（2023—2025年）"]
    assert paragraph in lines  # one line again, no spaces inserted
    assert "一、总体要求" in lines  # a short heading is not glued to the line after it
    assert "总体目标如下：" in lines
    assert "（一）指导思想。" in lines
    assert across in lines  # joined across the page break, header and page number
    assert "（二）工作目标。到2025年底，行政执法质量" in lines
    assert "1.执法队伍素质明显提升。" in lines  # numbering starts a new line
    assert "第三条 本办法自印发之日起施行。" in lines
    assert "二、重点任务" in lines


def test_pdf_numbered_lines_at_page_tops_are_not_taken_for_headers(tmp_path):
    pages = [[f"第{n}条 执法人员应当持证上岗。", f"本条第{n}款内容。", f"- {n} -"] for n in range(1, 5)]
    lines = read_document(make_pdf(tmp_path / "articles.pdf", pages)).text.split("\n")
    assert lines == [line for n in range(1, 5) for line in (f"第{n}条 执法人员应当持证上岗。", f"本条第{n}款内容。")]


def test_pdf_owner_password_only_is_readable(tmp_path):
    from reportlab.lib.pdfencrypt import StandardEncryption

    encrypt = StandardEncryption(userPassword="", ownerPassword="owner", canPrint=0, canCopy=0)
    doc = read_document(make_pdf(tmp_path / "owner.pdf", [POLICY.split("\n")], encrypt=encrypt))
    assert doc.text == POLICY


def test_pdf_aes_owner_password_only_is_readable(tmp_path):
    pytest.importorskip("cryptography")
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", [POLICY.split("\n")])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    path = tmp_path / "aes.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    assert read_document(path).text == POLICY


# ---------------------------------------------------------------- html


def test_html_blocks_become_lines_and_chrome_is_dropped(tmp_path):
    html = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>网站标题</title>
<style>p { color: red }</style><script>var menu = "菜单";</script></head>
<body>
<header>网站首页 | 政务公开</header>
<nav><a href="/">首页</a> <a href="/a">科技政策</a></nav>
<noscript>请启用脚本</noscript>
<!-- 注释不是正文 -->
<article>
  <header><h1>广东省行政执法公示办法</h1></header>
  <p>第一条　为了规范行政执法行为，
     制定本办法。</p>
  <div>第二条 本办法适用于<b>本省</b>行政执法。<br>第三条 执法人员应当持证上岗。</div>
  <p>&nbsp;</p>
  <ul><li>一、总体要求</li><li>（一）指导思想。</li></ul>
  <h2>附件</h2>
  <table><tr><th>序号</th><th>任务</th></tr><tr><td>1</td><td>推行执法公示</td></tr></table>
  <p style="display:none">隐藏内容</p>
  <pre>  保留
  格式</pre>
</article>
<footer>版权所有 广东省司法厅</footer>
<script>document.write("统计代码")</script>
</body></html>"""
    doc = read_document(write(tmp_path, "a.html", html))
    assert (doc.fmt, doc.encoding) == ("html", "utf-8")
    assert doc.text.split("\n") == [
        "广东省行政执法公示办法",
        "第一条　为了规范行政执法行为，制定本办法。",
        "第二条 本办法适用于本省行政执法。",
        "第三条 执法人员应当持证上岗。",
        "一、总体要求",
        "（一）指导思想。",
        "附件",
        "序号\t任务",
        "1\t推行执法公示",
        "保留",
        "格式",
    ]


def test_gbk_html_with_meta_charset(tmp_path):
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        "</head><body><p>第一条 为了规范行政执法行为，制定本办法。</p>"
        "<p>第二条 本办法适用于本省行政执法。</p></body></html>"
    )
    doc = read_document(write(tmp_path, "gbk.htm", html, encoding="gbk"))
    assert doc.fmt == "html"
    assert doc.text == POLICY
    assert doc.encoding == "gb18030"


def test_gbk_html_without_or_with_wrong_meta_charset(tmp_path):
    body = "<body><p>第一条 为了规范行政执法行为，制定本办法。</p><p>第二条 本办法适用于本省行政执法。</p></body>"
    plain = read_document(write(tmp_path, "none.html", "<html>" + body + "</html>", encoding="gbk"))
    wrong = read_document(
        write(tmp_path, "wrong.html", '<html><head><meta charset="utf-8"></head>' + body + "</html>", encoding="gbk")
    )
    assert plain.text == wrong.text == POLICY


def test_xhtml_with_xml_encoding_declaration(tmp_path):
    page = (
        '<?xml version="1.0" encoding="gb2312"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        "<div>第一条 为了规范行政执法行为，制定本办法。<p>第二条 本办法适用于本省行政执法。</p></div></body></html>"
    )
    doc = read_document(write(tmp_path, "x.htm", page, encoding="gbk"))
    assert (doc.text, doc.encoding) == (POLICY, "gb18030")


def test_html_with_only_scripts_has_no_text(tmp_path):
    path = write(tmp_path, "app.html", "<html><body><div id=app></div><script>render()</script></body></html>")
    assert reason_of(path) == "网页中没有可提取的正文文字"


# ---------------------------------------------------------------- bad files


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + bytes(12) for _ in range(4)))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.mark.parametrize("name", ["empty.txt", "empty.md", "empty.docx", "empty.pdf", "empty.html"])
def test_empty_file(tmp_path, name):
    assert reason_of(write(tmp_path, name, b"")) == "文件为空"


def test_whitespace_only_txt_is_empty(tmp_path):
    assert reason_of(write(tmp_path, "blank.txt", " \r\n\t\n")) == "文件为空"


@pytest.mark.parametrize("name", ["image.txt", "image.md", "image.html"])
def test_png_renamed_as_text_is_binary(tmp_path, name):
    assert reason_of(write(tmp_path, name, png_bytes())) == "不是文本文件（疑似二进制内容）"


def test_random_bytes_txt_is_binary(tmp_path):
    data = random.Random(1).randbytes(4096)
    assert reason_of(write(tmp_path, "noise.txt", data)) == "不是文本文件（疑似二进制内容）"


def test_random_bytes_docx(tmp_path):
    data = random.Random(2).randbytes(2048)
    assert reason_of(write(tmp_path, "bad.docx", data)) == "docx 文件已损坏或不是 Word 文档"


def test_zip_that_is_not_a_word_document(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not word")
    assert reason_of(write(tmp_path, "zip.docx", buffer.getvalue())) == "docx 文件已损坏或不是 Word 文档"


def test_truncated_docx(tmp_path):
    good = make_docx(tmp_path / "good.docx", lambda d: d.add_paragraph(POLICY)).read_bytes()
    assert reason_of(write(tmp_path, "cut.docx", good[: len(good) // 2])) == "docx 文件已损坏或不是 Word 文档"


def test_old_doc_or_encrypted_docx(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    reason = reason_of(write(tmp_path, "old.docx", ole))
    assert reason.startswith("docx 文件已损坏或不是 Word 文档") and ".doc" in reason


def test_truncated_pdf(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", [POLICY.split("\n")]).read_bytes()
    path = write(tmp_path, "cut.pdf", good[: len(good) * 2 // 3])
    assert reason_of(path) == "PDF 文件不完整（可能下载或复制未完成），请重新获取原文件"


def test_garbage_pdf(tmp_path):
    assert reason_of(write(tmp_path, "junk.pdf", random.Random(3).randbytes(3000))) == "PDF 文件已损坏或不是有效的 PDF"
    broken = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert reason_of(write(tmp_path, "broken.pdf", broken)) == "PDF 文件已损坏或不是有效的 PDF"


def test_password_protected_pdf(tmp_path):
    path = make_pdf(tmp_path / "locked.pdf", [POLICY.split("\n")], encrypt="secret")
    assert reason_of(path) == "PDF 文件已加密，请先去除密码保护再放入"


def test_aes_pdf_without_cryptography_names_the_missing_package(tmp_path, monkeypatch):
    from pypdf import PdfReader
    from pypdf.errors import DependencyError
    from reportlab.lib.pdfencrypt import StandardEncryption

    def no_crypto(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    path = make_pdf(
        tmp_path / "aes.pdf", [POLICY.split("\n")], encrypt=StandardEncryption(userPassword="", ownerPassword="owner")
    )
    monkeypatch.setattr(PdfReader, "decrypt", no_crypto)
    assert "cryptography" in reason_of(path)


def test_image_only_pdf_has_no_text(tmp_path):
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 400, 600, fill=1)
    try:
        pdf.drawImage(ImageReader(io.BytesIO(png_bytes())), 100, 100, 200, 200)
    except Exception:  # no Pillow: the filled rectangle alone is still a page without text
        pass
    pdf.showPage()
    pdf.showPage()  # a blank second page
    pdf.save()
    assert reason_of(path) == "PDF 中没有可提取的文字（可能是扫描件）"


def test_unreadable_file(tmp_path, monkeypatch):
    path = write(tmp_path, "secret.txt", POLICY)

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert reason_of(path) == "没有读取权限，请检查文件权限"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_by_mode(tmp_path):
    path = write(tmp_path, "secret.txt", POLICY)
    path.chmod(0)
    try:
        assert reason_of(path) == "没有读取权限，请检查文件权限"
    finally:
        path.chmod(0o600)


def test_missing_file_and_directory(tmp_path):
    assert reason_of(tmp_path / "missing.txt") == "文件不存在"
    (tmp_path / "folder.txt").mkdir()
    assert reason_of(tmp_path / "folder.txt") == "这是一个文件夹，不是文件"


def test_unsupported_formats(tmp_path):
    assert "另存为 .docx" in reason_of(write(tmp_path, "old.doc", b"x"))
    assert "不支持的文件格式（.xlsx）" in reason_of(write(tmp_path, "sheet.xlsx", b"x"))


def test_document_error_message_names_the_file(tmp_path):
    path = write(tmp_path, "empty.txt", b"")
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert str(caught.value) == f"无法读取文件 {path}：文件为空"
