"""The refusal decision's parts (bot/trust.py): names no loaded text mentions, and what a question
asks "what X" or "how to X" about."""

import pytest

from bot.trust import asked_details, named_laws, unknown_names

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
        # Named by the texts (the bare name may pick up the word before it): not unknown.
        ("根据行政处罚法，听证要提前几天？", []),
        ("《广东省行政检查办法》规定一年检查几次？", []),
    ],
)
def test_unknown_names(question, unknown):
    assert unknown_names(question, CORPUS, YEARS) == unknown


@pytest.mark.parametrize(
    "question, details",
    [
        ("执法车辆按什么标准配备？", ["标准"]),
        ("行政执法证件丢了怎么补办？", ["补办"]),
        ("行政执法人员退出机制规定了哪些情形？", ["情形"]),
        ("心理咨询服务收什么费用？", ["费用"]),
        # Vague asks any clause answers, and times (asked kinds of their own), are not details.
        ("哪些执法权可以交给镇街，以什么为准？", []),
        ("搞宣传交流，是想营造个什么环境？", []),
        ("广东为什么要出这个三年方案？", []),
        ("全员轮训要在什么时候前完成？", []),
        ("文件对执法监督有什么要求？", []),
    ],
)
def test_asked_details(question, details):
    assert asked_details(question) == details


def test_a_question_naming_what_the_texts_never_mention_is_refused_with_nearest_clauses(seed_bot):
    answer = seed_bot.ask("2026年全省行政执法人员每年要参加多少学时的培训？")
    assert answer.refused
    assert "2026年" in answer.answer
    assert answer.citations and all(c.quote == "" for c in answer.citations)  # nearest, not support
    answer = seed_bot.ask("行政复议法规定申请行政复议的期限是多少天？")
    assert answer.refused and "《行政复议法》" in answer.answer
    # A law the texts name, asked about as the texts state it, is answered.
    answer = seed_bot.ask("乡镇街道综合行政执法事项指导目录依据哪部法律编制？")
    assert not answer.refused and "行政处罚法" in answer.answer
