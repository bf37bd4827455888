"""The refusal decision's parts (bot/trust.py): years, laws and documents no loaded text mentions,
figures a clause does not state, the thing a what/which question asks for."""

import pytest

from bot.trust import asked_targets, figure_missing, named_laws, unknown_names

CORPUS = "依据《中华人民共和国行政处罚法》……贯彻《广东省行政检查办法》……到2023年底……2025年底"
YEARS = frozenset({"2023", "2025"})


@pytest.mark.parametrize(
    "question, names",
    [
        ("治安管理处罚法规定的行政拘留最长多少天？", ["治安管理处罚法"]),
        ("根据行政处罚法，听证要提前几天通知？", ["根据行政处罚法"]),
        ("《广东省行政检查办法》规定一年检查几次？", ["广东省行政检查办法"]),
        ("行政复议法规定的申请期限是多久？", ["行政复议法"]),
        ("依法行政和严格执法有什么要求？", []),
        ("本计划提出要推动修订哪部条例？", []),
        ("计划里有没有这方面的提法？", []),  # 提法 is a way of putting it, not a law
        ("省里法规定的处罚，打分细则一般归哪一级部门来出？", []),  # 省里 + 法规, not a law named 省里法
        # A way of doing (整法, 罚法) or amending the laws (修法) is not a law's name; 处罚法 is.
        ("把一条街的店全封了那种整法，计划认不认是问题？", []),
        ("计划里除了修法，还要做哪些监督工作？", []),
        ("这种罚法对不对？", []),
        ("按治安管理处罚法怎么罚？", ["按治安管理处罚法"]),
        # A way of doing pointed at (这种查法, 那种管法) or asked (用哪条法), and 地方性法规, name no law.
        ("随机抽查、查完把结果晒出来这种查法，算什么地位？", []),
        ("结果再晒出来那种管法，是主角还是配角？", []),
        ("部门为了“该谁管”“用哪条法”争执不下时怎么办？", []),
        ("市里自己的地方性法规定的罚则，尺度谁来出？", []),
        ("行政处罚法规定的听证期限是多久？", ["行政处罚法"]),
    ],
)
def test_named_laws(question, names):
    assert named_laws(question) == names


@pytest.mark.parametrize(
    "question, unknown",
    [
        ("2026年培训学时会调整吗？", ["2026年"]),
        ("2025年底要实现什么目标？", []),
        ("行政复议法规定的申请期限是多久？", ["《行政复议法》"]),
        ("治安管理处罚法的拘留期限？", ["《治安管理处罚法》"]),
        # A refusal names the law without the words the bare match picked up before it.
        ("按新修订的行政复议法，复议期限是多少天？", ["《行政复议法》"]),
        ("依据行政强制法，查封期限最长多久？", ["《行政强制法》"]),
        # Named by the texts (the bare name may pick up the word before it): not unknown.
        ("根据行政处罚法，听证要提前几天？", []),
        ("《广东省行政检查办法》规定一年检查几次？", []),
    ],
)
def test_unknown_names(question, unknown):
    assert unknown_names(question, CORPUS, YEARS) == unknown


def test_a_question_naming_what_the_texts_never_mention_is_refused_with_nearest_clauses(seed_bot):
    answer = seed_bot.ask("2026年全省行政执法人员每年要参加多少学时的培训？")
    assert answer.refused
    assert "2026年" in answer.answer
    assert answer.citations and all(c.quote == "" for c in answer.citations)  # nearest, not support
    answer = seed_bot.ask("行政复议法对行政复议机关是怎么规定的？")
    assert answer.refused and "《行政复议法》" in answer.answer
    # A law the texts name, asked about as the texts state it, is answered.
    answer = seed_bot.ask("乡镇街道综合行政执法事项指导目录依据哪部法律编制？")
    assert not answer.refused and "行政处罚法" in answer.answer


CLAUSE = "确保每人每年接受不少于60学时的培训，2024年6月底前完成全员轮训，推行“三项制度”，落实“1310”部署"


@pytest.mark.parametrize(
    "question, missing",
    [
        ("行政执法人员每年要参加多少学时的培训？", False),  # 60学时
        ("一年要培训多少个小时？", False),  # any unit of time answers a period
        ("要落实几项制度？", False),  # 三项
        ("案卷评查每年抽查多少份案卷？", True),
        ("执法证件的有效期是几年？", True),  # 2024年 is a date, not a period
        ("出庭应诉率要达到多少？", True),
        ("抽查比例不低于多少？", True),
        # Another part of the question may be answered without the figure.
        ("一个执法机构配多少人，依据什么来定？", False),
        ("要提高哪几种能力？", False),  # 哪几种 asks which, not how many
        ("培训由谁组织？", False),
        ("几家单位一起开的那个会，有没有财政部门？", False),  # 几家 here means "several"
        ("会商机制由几家单位组成？", True),
        # Things a unit is equipped or staffed with, or handles, which the plan never counts.
        ("全省要建多少个行政执法协调监督工作站？", True),
        ("按标准执法大队应该配几台执法车辆？", True),
        ("一名执法队员一年最多能承办多少宗案件？", True),
        ("社会满意度要达到百分之多少才算完成？", True),
        # 几 as "a few", beside a yes/no or a which question, asks no figure.
        ("登记卡上的培训记录能不能随便填几笔应付？", False),
        ("给新来的几个人排培训课，内容要包括哪几类？", False),
        # A quoted phrase names something (the discretion benchmarks), it does not ask a figure.
        ("县里在省里给的“罚多少”尺子上还能细化什么？", False),
        # A fine quota or the yardstick of fines is named, not an amount asked.
        ("上头给中队定了罚多少钱的任务，计划管不管？", False),
        ("罚多少的尺度标准，省里定还是市里定？", False),
        ("罚款多少有没有统一标准？", False),
        ("一年要罚够多少钱这种做法算不算问题", False),
        # A situation's "a few people" asks no count; 年几月 asks a month, not a period of months.
        ("新招进来的几个人，一年最少要培训多少学时？", False),
        ("来了几个人检查，没领证的能单独查吗？", False),
        ("全员轮训最晚二零二四年几月之前完成？", False),
        ("轮训要在几个月内完成？", True),
        # A bare number in quotation marks is a figure stated (“1310”).
        ("省委那个用数字命名的部署，数字是多少？", False),
    ],
)
def test_figure_missing(question, missing):
    assert figure_missing(question, CLAUSE) is missing


@pytest.mark.parametrize(
    "question, targets",
    [
        ("公职律师需要什么条件才能申请？", ["条件"]),
        ("行政执法人员退出机制具体规定了哪些退出情形？", ["情形"]),
        ("乡镇街道综合行政执法事项指导目录由哪个部门牵头编制？", ["部门"]),
        ("广东为什么要出这个三年方案？", []),
        ("专项整治台账要在什么时候报送？", []),
    ],
)
def test_asked_targets(question, targets):
    assert list(asked_targets(question)) == targets


def test_a_question_for_a_figure_the_clause_does_not_state_is_refused(seed_bot):
    answer = seed_bot.ask("行政执法案卷评查每年抽查多少份案卷？")
    assert answer.refused and "数字" in answer.answer
    answer = seed_bot.ask("行政执法人员每年要参加多少学时的培训？")
    assert not answer.refused and "60学时" in answer.answer


def test_a_quoted_figure_word_is_a_name_not_a_figure_asked(seed_bot):
    answer = seed_bot.ask("国家法律、行政法规里规定的执法权，“罚多少”的细化标准原则上谁来定？")
    assert not answer.refused, answer.answer
    assert answer.citations[0].label == "二（二）5"


@pytest.mark.parametrize(
    "question",
    [
        "上面给我们定了一年要罚多少钱的目标，这算不算计划要整治的问题？",
        "罚多少的尺度标准一般是省里定还是市里定？",
        "执法平台要跟哪条政务服务便民电话联动？",  # 粤省心12345 is a hotline with its number
        "二零二四年几月之前要完成全员轮训？",
    ],
)
def test_figures_that_name_a_thing_are_answered(seed_bot, question):
    answer = seed_bot.ask(question)
    assert not answer.refused, answer.answer


@pytest.mark.parametrize(
    "question, asks",
    [
        ("要是有的执法部门没在2024年6月底前把权责清单认领公布，会受到什么处理？", True),
        ("权责清单事项没在规定时间内认领完，有什么后果？", True),
        ("员工拒绝配合检查，企业会被怎么处罚？", True),
        ("学时不够60有啥处罚", True),
        ("没持证就上岗执法会怎样？", True),
        ("权责清单没有在期限前认领完，单位会被通报批评吗？", True),
        # How a matter is handled, not what a failure brings.
        ("以前已经放给镇里、但不在目录里的事项，现在怎么处理？", False),
        ("两个部门抢着管或者都不管，这种扯皮怎么处理？", False),
        ("放下去之后基层扛不住、管不过来的，会怎么处理？", False),
    ],
)
def test_a_question_asking_what_a_failure_brings(question, asks):
    from bot.extract import ASKED_CONSEQUENCE

    assert bool(ASKED_CONSEQUENCE.search(question)) is asks


SLOGANS = "深刻领悟“两个确立”的决定性意义，增强“四个意识”、坚定“四个自信”、做到“两个维护”。"


@pytest.mark.parametrize(
    "question, text, slogan",
    [
        ("“四个意识”包括哪四个意识？", SLOGANS, "四个意识"),
        ("“两个确立”具体是指哪两个确立？", SLOGANS, "两个确立"),
        ("两个维护是什么意思？", SLOGANS, "两个维护"),
        # Spelled out where it is named: a unit's text may do so.
        ("“两个维护”是什么意思？", "做到“两个维护”，即坚决维护……、坚决维护……。", ""),
        ("“四个意识”包括哪四个意识？", "增强“四个意识”（政治意识、大局意识、核心意识、看齐意识）。", ""),
        # A slogan the clause does not name, or a question that does not ask what it comprises.
        ("“十一个坚持”分别怎么表述？", SLOGANS, ""),
        ("增强“四个意识”是哪一条的要求？", SLOGANS, ""),
        ("“三项制度”指的是哪三项？", "全面落实行政执法公示、执法全过程记录和重大行政执法决定法制审核“三项制度”。", ""),
    ],
)
def test_a_numbered_slogan_the_clause_only_names_is_not_spelled_out(question, text, slogan):
    from bot.extract import slogan_not_spelled_out

    assert slogan_not_spelled_out(question, text) == slogan


def test_asked_what_a_slogan_comprises_the_assistant_says_the_clause_only_names_it(seed_bot):
    answer = seed_bot.ask("“四个意识”包括哪四个意识？")
    assert answer.refused and "只提到了“四个意识”" in answer.answer, answer.answer
    assert answer.retrieved, "a refusal still lists the nearest clauses"


def test_a_consequence_asked_of_a_clause_that_states_none_is_refused(seed_bot):
    answer = seed_bot.ask("要是有的执法部门没在2024年6月底前把权责清单认领公布，会受到什么处理？")
    assert answer.refused and "后果" in answer.answer, answer.answer
    assert answer.retrieved, "a refusal still lists the nearest clauses"
    # The clause on powers handed down states one (及时予以调整): asked of it, the question is answered.
    answer = seed_bot.ask("下放给乡镇的执法事项，基层接不住、监管跟不上的，会被怎么处理？")
    assert not answer.refused, answer.answer
    assert answer.citations[0].label == "二（三）8" and "予以调整" in answer.answer
