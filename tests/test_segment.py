from bot.clean import clean_text
from bot.corpus import extract_metadata
from bot.segment import cn_to_int, extract_units, segment, split_sentences
from tests.conftest import SEED

TITLES = [
    "着力提高政治能力",
    "加强业务学习培训",
    "严格落实行政执法人员资格管理制度",
    "落实行政执法领域突出问题清单制度",
    "全面落实行政裁量权基准制度",
    "完善行政执法工作机制",
    "实行行政执法事项清单制度",
    "依法科学精准做好乡镇、街道赋权工作",
    "完善行政执法协作机制",
    "完善行政执法监督制度",
    "健全行政执法监督机制",
    "创新行政执法监督方式",
    "深化省一体化行政执法平台普及应用",
    "推进行政执法数据共享互认",
    "加强工作保障",
    "强化权益保障",
]
SECTION_OF_ITEM = "一一一二二二三三三四四四五五六六"


def seed_clauses():
    lines = clean_text(SEED.read_text(encoding="utf-8"))
    meta = extract_metadata(lines)
    return meta, segment(lines, meta["title"])


def test_seed_metadata():
    meta, _ = seed_clauses()
    assert meta["title"] == "广东省提升行政执法质量三年行动实施计划（2023—2025年）"
    assert meta["doc_number"] == "粤府办〔2023〕21号"
    assert meta["issuer"] == "广东省人民政府办公厅"
    assert meta["date"] == "2023-12-07"


def test_seed_clause_tree():
    _, clauses = seed_clauses()
    labels = [c.label for c in clauses]
    expected_items = [f"二（{SECTION_OF_ITEM[i]}）{i + 1}" for i in range(16)]
    assert labels == ["通知", "前言", "一（一）", "一（二）", *expected_items, "三（一）", "三（二）", "三（三）"]
    items = clauses[4:20]
    assert [c.title for c in items] == TITLES
    assert all(c.headings[0] == "二、重点任务" for c in items)
    assert items[1].headings == ["二、重点任务", "（一）全面提升行政执法人员能力素质"]
    assert [c.title for c in clauses[2:4]] == ["指导思想", "工作目标"]
    assert [c.title for c in clauses[-3:]] == ["加强组织领导", "强化督促落实", "做好宣传交流"]


def test_seed_units_and_sentences():
    _, clauses = seed_clauses()
    by_label = {c.label: c for c in clauses}
    training = by_label["二（一）2"]
    assert training.units == "省司法厅、省各行政执法部门"
    assert "按职责分工负责" not in training.text
    assert training.text.startswith("加强业务学习培训。")
    assert any("不少于60学时" in s.text for s in training.sentences)
    assert all(s.text.endswith(("。", "；")) for s in training.sentences)
    assert by_label["二（二）6"].units == "省司法厅、发展改革委、市场监管局、政务服务数据管理局、省各行政执法部门"
    assert by_label["二（六）16"].units == "省各行政执法部门"
    # A bracket that is part of a sentence is not a units bracket.
    assert "（未明确具体学时的教育培训按45分钟为1个学时计算）" in training.text
    assert "2023年" not in [c.label for c in clauses]


def test_numbering_variants_and_year_lines():
    lines = [
        "一、总体要求",
        "（一）工作目标。到2025年底全面完成。",
        "二、主要任务",
        "（一）加强培训。",
        "1．开展轮训。每年轮训一次。",
        "2、落实登记。建立登记卡。",
        "2023年底前完成制度建设。",
        "3 强化考核。按年考核。",
        "60学时以上的培训要登记。",
    ]
    clauses = segment(lines)
    assert [c.label for c in clauses] == ["一（一）", "二（一）1", "二（一）2", "二（一）3"]
    assert "2023年底前完成制度建设" in clauses[2].text
    assert "60学时以上的培训要登记" in clauses[3].text


LAW = """广东省行政执法监督条例（示例）
第一章 总则
第一条 为了加强行政执法监督，制定本条例。
第二条 本省行政区域内的行政执法监督，适用本条例。
法律、法规另有规定的，从其规定。
第二章 监督内容
第一节 一般规定
第三条 行政执法监督包括下列内容：
（一）行政执法主体是否合法；
（二）行政执法程序是否合法；
（三）行政裁量权基准是否执行。
行政执法监督机构应当建立案卷评查制度。
第二节 特别规定
第十二条 本条例自2024年1月1日起施行。"""


def test_law_articles_paragraphs_and_items():
    lines = clean_text(LAW)
    clauses = segment(lines, "广东省行政执法监督条例（示例）")
    assert [c.label for c in clauses] == ["第一条", "第二条", "第三条", "第十二条"]
    art2 = clauses[1]
    assert art2.headings == ["第一章 总则"]
    assert [s.ref for s in art2.sentences] == ["第一款", "第二款"]
    art3 = clauses[2]
    assert art3.headings == ["第二章 监督内容", "第一节 一般规定"]
    refs = [s.ref for s in art3.sentences]
    assert refs == ["第一款", "第一款第（一）项", "第一款第（二）项", "第一款第（三）项", "第二款"]
    assert clauses[3].headings == ["第二章 监督内容", "第二节 特别规定"]
    assert clauses[0].sentences[0].ref == ""  # a one-paragraph article needs no 款


def test_helpers():
    assert cn_to_int("十六") == 16 and cn_to_int("一百二十三") == 123 and cn_to_int("二十") == 20
    assert split_sentences("甲（乙。丙）丁。戊；己") == ["甲（乙。丙）丁。", "戊；", "己"]
    assert extract_units("文本。（省司法厅牵头负责）") == ("文本。", "省司法厅牵头")
    assert extract_units("文本（以下简称计划）") == ("文本（以下简称计划）", "")
