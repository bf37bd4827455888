"""Teaching: a question saved as an alias of the right clause finds that clause next time."""

from __future__ import annotations

import pytest

from bot.errors import BadQuestion, Forbidden, UnknownAlias
from tests.conftest import NOT_COVERED

# Asked in words the plan does not use; the seed's own clause for it is 二（四）11 (司法所, 指定专人).
QUESTION = "基层执法有没有人专门看着？"  # answered from 二（一）1 until taught: 二（四）11


@pytest.fixture
def bot(seed_bot, tmp_path):
    from bot.service import StudyBot

    bot = StudyBot(seed_bot.settings.with_(data_dir=tmp_path / "db"), embedder=seed_bot.embedder)
    bot.accounts.add_user("T1", "李教员", "广东省司法厅", "trainer", "password-t1")
    bot.accounts.add_user("O1", "王执法", "广州市司法局", "officer", "password-o1")
    return bot


def test_a_taught_question_finds_its_clause_and_can_be_removed(bot):
    trainer, officer = bot.accounts.get_user("T1"), bot.accounts.get_user("O1")
    right = bot.clause("二（四）11")
    with pytest.raises(Forbidden):
        bot.teaching.teach(officer, QUESTION, right)
    alias = bot.teaching.teach(trainer, QUESTION, right)
    assert alias.created_by == "T1" and alias.clause_label == "二（四）11"
    again = bot.ask(QUESTION)
    assert not again.refused and again.citations[0].label == "二（四）11"
    assert [a.id for a in bot.teaching.list()] == [alias.id]

    bot.teaching.remove(trainer, alias.id)
    assert bot.teaching.list() == [] and bot.teaching.list(include_removed=True)[0].removed_by == "T1"
    with pytest.raises(UnknownAlias):
        bot.teaching.remove(trainer, alias.id)


def test_an_alias_follows_its_clause_by_label_and_unrelated_questions_are_unmoved(bot):
    trainer = bot.accounts.get_user("T1")
    before = bot.ask("行政执法人员每年要参加多少学时的培训？")
    bot.teaching.teach(trainer, QUESTION, bot.clause("二（四）11"))
    after = bot.ask("行政执法人员每年要参加多少学时的培训？")
    assert after.citations[0].label == before.citations[0].label == "二（一）2"
    assert bot.ask("红烧肉怎么做才好吃？").refused


def test_a_question_taught_as_not_covered_is_refused_when_asked_again_and_can_be_removed(bot):
    from bot.answer import TAUGHT_REFUSAL
    from bot.errors import UnknownRefusal

    trainer, officer = bot.accounts.get_user("T1"), bot.accounts.get_user("O1")
    docs = list(bot.store.documents)
    before = bot.ask(NOT_COVERED)
    assert not before.refused  # the weakness teaching repairs: an unrelated clause quoted
    with pytest.raises(Forbidden):
        bot.teaching.teach_refusal(officer, NOT_COVERED, docs)
    refusal = bot.teaching.teach_refusal(trainer, NOT_COVERED, docs)
    assert refusal.created_by == "T1" and refusal.docs == tuple(docs)
    assert bot.teaching.teach_refusal(trainer, NOT_COVERED, docs).id == refusal.id  # taught once
    again = bot.ask("请问，" + NOT_COVERED)
    assert again.refused and again.answer == TAUGHT_REFUSAL
    inside = bot.ask("行政执法人员每年要参加多少学时的培训？")
    assert not inside.refused and "60学时" in inside.answer

    bot.teaching.remove_refusal(trainer, refusal.id)
    assert not bot.ask(NOT_COVERED).refused
    assert bot.teaching.refusals() == [] and bot.teaching.refusals(include_removed=True)[0].removed_by == "T1"
    with pytest.raises(UnknownRefusal):
        bot.teaching.remove_refusal(trainer, refusal.id)


def test_a_taught_refusal_holds_only_for_the_documents_it_was_judged_on(bot):
    trainer = bot.accounts.get_user("T1")
    bot.teaching.teach_refusal(trainer, NOT_COVERED, ["a-law-loaded-elsewhere"])
    assert not bot.ask(NOT_COVERED).refused  # the clause found is from a document it was not judged on
    with pytest.raises(BadQuestion):
        bot.teaching.teach_refusal(trainer, NOT_COVERED, [])
