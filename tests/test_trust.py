"""The refusal decision's parts (bot/trust.py): years, laws and documents no loaded text mentions."""

import pytest

from bot.trust import named_laws, unknown_names

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
