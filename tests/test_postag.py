"""bot/postag.py against jieba.posseg, whose tables it replaces (about 100 MB less in a running app)."""

import random

import jieba.posseg
import pytest

from bot.keywords import _tokenizer
from bot.postag import word_classes


def _class(flag: str) -> str:
    if flag.startswith("n"):
        return "n"
    return flag if flag in ("j", "vn", "v", "m") else "x"


@pytest.fixture(scope="module")
def posseg():
    return jieba.posseg.POSTokenizer(_tokenizer())


def test_every_sampled_dictionary_word_has_jiebas_class(posseg):
    posseg.makesure_userdict_loaded()
    table = posseg.word_tag_tab
    words = random.Random(7).sample(sorted(table), 3000) + ["条件", "情形", "退出", "审核", "粤执法", "两"]
    classes = word_classes()
    assert [classes.flag(w) for w in words] == [_class(table[w]) for w in words]


def test_unknown_words_are_nouns_and_untagged_words_are_other():
    classes = word_classes()
    assert classes.code("不是一个词语吧") is None and classes.flag("APP") == "n"
    assert classes.flag("") == "n"


@pytest.mark.parametrize(
    "text",
    ["公职律师需要什么条件才能申请", "退出情形", "由哪个部门牵头编制", "粤执法平台的现场检查模块如何操作"],
)
def test_tagged_text_agrees_with_posseg_on_dictionary_words(posseg, text):
    ours = word_classes().tagged(text)
    assert "".join(w for w, _ in ours) == text
    theirs = {p.word: _class(p.flag) for p in posseg.lcut(text, HMM=False)}
    assert all(theirs[w] == f for w, f in ours if w in theirs)
