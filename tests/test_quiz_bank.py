"""Trainers' banks: the four file formats, round trips, row-and-column errors, tags and retiring."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.errors import BankImportError, NotAllowed
from bot.quiz.formats.rows import COLUMNS
from bot.quiz.scope import Scope

HEADER = ",".join(COLUMNS)


def write_csv(path, rows):
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(COLUMNS)
    for row in rows:
        w.writerow([row.get(c, "") for c in COLUMNS])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


GOOD = [
    {
        "题型": "单选题",
        "题干": "执法人员每年培训不少于（　　）。",
        "选项A": "40学时",
        "选项B": "60学时",
        "选项C": "80学时",
        "答案": "B",
        "解析": "二（一）2 规定不少于60学时。",
        "依据条款": "二（一）2",
        "标签": "培训、学时",
    },
    {
        "题型": "填空题",
        "题干": "推行“______”制度，进一步强化涉企行政执法监督。",
        "答案": "扫码入企",
        "依据条款": "二（四）12",
        "标签": "监督",
    },
    {
        "题型": "判断题",
        "题干": "未取得行政执法证件的人员不得独立从事行政执法工作。",
        "答案": "对",
        "依据条款": "二（一）3",
    },
    {
        "题型": "出处题",
        "题干": "“一案一码”制度出自哪一条款？",
        "选项A": "二（五）13「深化省一体化行政执法平台普及应用」",
        "选项B": "二（四）12「创新行政执法监督方式」",
        "选项C": "二（一）2「加强业务学习培训」",
        "答案": "A",
        "解析": "见二（五）13。",
        "依据条款": "二（五）13",
    },
]


def identity(questions):
    return [(q.type, q.stem, q.options, q.answer, q.explanation, q.clause_id, q.label, q.tags) for q in questions]


def test_import_csv_then_round_trip_through_every_format(quiz_bot, people, tmp_path):
    banks = quiz_bot.quiz.banks
    trainer = people["trainer"]
    bank_id, count = banks.import_file(trainer, write_csv(tmp_path / "题库.csv", GOOD))
    assert count == 4
    original = banks.questions(trainer, bank_id=bank_id)
    assert original[0].answer == "60学时" and original[0].tags == ("培训", "学时")
    assert original[1].stem == "推行“____”制度，进一步强化涉企行政执法监督。"
    assert original[2].answer == "正确" and original[2].options == ("正确", "错误")
    assert original[3].type == "which_clause" and original[3].label == "二（五）13"
    for fmt in ("gift", "xlsx", "csv", "json"):
        data = banks.export(trainer, fmt, bank_id=bank_id)
        path = tmp_path / f"导出.{fmt}"
        path.write_bytes(data)
        again_id, n = banks.import_file(trainer, path)
        assert n == 4, fmt
        assert identity(banks.questions(trainer, bank_id=again_id)) == identity(original), fmt


def test_gift_export_reads_as_moodle_gift(quiz_bot, people, tmp_path):
    banks = quiz_bot.quiz.banks
    bank_id, _ = banks.import_file(people["trainer"], write_csv(tmp_path / "b.csv", GOOD))
    text = banks.export(people["trainer"], "gift", bank_id=bank_id).decode("utf-8")
    assert (
        "::二（一）2::执法人员每年培训不少于（　　）。{\n~40学时\n=60学时\n~80学时\n####二（一）2 规定不少于60学时。\n}"
        in text
    )
    assert "::二（四）12::推行“{=扫码入企}”制度" in text
    assert "{TRUE}" in text and "// 题型：出处题" in text and "// 标签：培训、学时" in text


def test_a_moodle_bank_without_our_comments_imports(quiz_bot, people, tmp_path):
    gift = tmp_path / "moodle.txt"
    gift.write_text(
        "$CATEGORY: $course$/执法\n\n"
        "::二（一）2::每人每年培训不少于多少学时？{=60学时 ~40学时 ~80学时}\n\n"
        "::二（一）3::未取得执法证件不得独立执法。{T}\n\n"
        "::二（五）13::探索推行行政执法案件{=一案一码}制度。\n",
        encoding="utf-8",
    )
    bank_id, n = quiz_bot.quiz.banks.import_file(people["trainer"], gift)
    types = [q.type for q in quiz_bot.quiz.banks.questions(people["trainer"], bank_id=bank_id)]
    assert n == 3 and types == ["single_choice", "true_false", "fill_blank"]


def test_template_has_the_columns_and_a_guide(quiz_bot, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "模板.xlsx"
    path.write_bytes(quiz_bot.quiz.banks.template())
    book = load_workbook(path)
    assert [c.value for c in book["题库"][1]] == list(COLUMNS)
    assert book.sheetnames == ["题库", "填写说明"]
    with pytest.raises(BankImportError, match="没有题目"):
        quiz_bot.quiz.banks.import_file(None, path)


@pytest.mark.parametrize(
    "row, message",
    [
        ({"题型": "多选题"}, "第 2 行「题型」列：不认识的题型“多选题”"),
        ({"答案": "D"}, "第 2 行「答案」列：答案是 D，但选项D是空的"),
        ({"答案": "100学时"}, "第 2 行「答案」列：答案“100学时”不在选项中"),
        ({"依据条款": "九（九）9"}, "第 2 行「依据条款」列：“九（九）9”找不到对应的已索引条款"),
        ({"题干": ""}, "第 2 行「题干」列：不能为空"),
        ({"选项B": ""}, "第 2 行「选项B」列：选项之间不能有空列"),
    ],
)
def test_bad_rows_are_named_by_row_and_column_and_nothing_is_stored(quiz_bot, people, tmp_path, row, message):
    rows = [GOOD[1], {**GOOD[0], **row}, GOOD[2]]
    rows[0], rows[1] = rows[1], rows[0]  # the bad one on spreadsheet row 2
    with pytest.raises(BankImportError) as err:
        quiz_bot.quiz.banks.import_file(people["trainer"], write_csv(tmp_path / "bad.csv", rows))
    assert message in str(err.value) and "未保存任何题目" in str(err.value)
    assert quiz_bot.quiz.banks.banks(people["trainer"]) == []


def test_whole_file_problems(quiz_bot, people, tmp_path):
    banks, trainer = quiz_bot.quiz.banks, people["trainer"]
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(BankImportError, match="文件是空的"):
        banks.import_file(trainer, empty)
    header = tmp_path / "header.csv"
    header.write_text("题目,答案\n某题,某答案\n", encoding="utf-8")
    with pytest.raises(BankImportError, match="表头缺少「题型」「题干」「依据条款」列"):
        banks.import_file(trainer, header)
    big = tmp_path / "big.csv"
    big.write_bytes(HEADER.encode() + b"\n" + b"x" * (5 * 1024 * 1024 + 1))
    with pytest.raises(BankImportError, match="文件太大"):
        banks.import_file(trainer, big)
    not_xlsx = tmp_path / "fake.xlsx"
    not_xlsx.write_bytes(b"not a zip file")
    with pytest.raises(BankImportError, match="不是有效的 XLSX 文件"):
        banks.import_file(trainer, not_xlsx)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes(
        (HEADER + "\n判断题,未取得行政执法证件的人员不得独立从事行政执法工作。,,,,,,,正确,,二（一）3,\n").encode("gbk")
    )
    assert banks.import_file(trainer, gbk)[1] == 1
    bad_json = tmp_path / "b.json"
    bad_json.write_text(
        json.dumps([{"type": "fill_blank", "stem": "没有空", "answer": "x", "clause": "二（一）2"}]), encoding="utf-8"
    )
    with pytest.raises(BankImportError, match="第 1 题「题干」列：填空题的题干要用 ____"):
        banks.import_file(trainer, bad_json)


def test_tags_retiring_and_bank_questions_in_quizzes(quiz_bot, people, tmp_path):
    quiz, trainer, officer = quiz_bot.quiz, people["trainer"], people["officer"]
    bank_id, _ = quiz.banks.import_file(trainer, write_csv(tmp_path / "b.csv", GOOD))
    first = quiz.banks.questions(trainer, bank_id=bank_id)[0]
    assert quiz.banks.set_tags(trainer, first.question_id, "学时，重点") == ("学时", "重点")
    tagged = quiz.generate(10, seed=1, scope=Scope("tag", ("重点",)), user=officer)
    assert [q.question_id for q in tagged] == [first.question_id]
    bank_round = quiz.generate(10, seed=1, scope=Scope("bank", (str(bank_id),)), user=officer)
    assert sorted(q.question_id for q in bank_round) == sorted(q.question_id for q in quiz.banks.questions(trainer))
    # Beside generated questions: the bank's question on 二（一）2 can come up for that clause.
    mixed = quiz.generate(40, seed=3, scope=Scope("clauses", (first.clause_id,)), user=officer)
    assert any(q.source == "bank" for q in mixed) and any(q.source == "rules" for q in mixed)
    quiz.banks.retire(trainer, first.question_id)
    assert first.question_id not in {q.question_id for q in quiz.banks.questions(officer)}
    assert quiz.generate(10, seed=1, scope=Scope("tag", ("重点",)), user=officer) == []
    # Another unit's officer does not get this unit's bank; another unit's trainer cannot change it.
    assert quiz.banks.questions(people["other_officer"]) == []
    with pytest.raises(NotAllowed):
        quiz.banks.retire(people["other_trainer"], first.question_id)
    with pytest.raises(NotAllowed):
        quiz.banks.import_file(officer, tmp_path / "b.csv")
