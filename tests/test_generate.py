"""The generative mode with a scripted chat model (a real subclass of LangChain's BaseChatModel)."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import openai
import pytest
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from bot.chain import build_answer_chain
from bot.generate import build_prompt, verify
from bot.records import ClauseRecord

QUESTION = "行政执法人员每年要参加多少学时的培训？"


class ScriptedChatModel(BaseChatModel):
    """Replies from a script; an Exception in the script is raised; a threading.Event blocks the
    reply until the test sets it (a model that is too slow)."""

    script: list[Any]
    prompts: list[Any] = []

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        self.prompts.append(messages)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, threading.Event):
            step.wait(timeout=60)
            step = "太晚了[1]。"
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=step))])


class Answerer:
    """The answer chain with a scripted model, as StudyBot builds it with a real one."""

    def __init__(self, seed_bot, script, timeout):
        self.chat_model = ScriptedChatModel(script=script, prompts=[])
        self.chain = build_answer_chain(lambda: seed_bot.store, seed_bot.encoder, self.chat_model, timeout)

    def answer(self, question):
        return self.chain.invoke(question)


def answerer(seed_bot, script, timeout=5.0):
    return Answerer(seed_bot, script, timeout)


def test_good_answer_is_verified_and_renumbered(seed_bot):
    a = answerer(seed_bot, ["每人每年应接受不少于60学时的培训[2]。未明确学时的按45分钟为1个学时计算[2]。"])
    # Script cites [2]; make [2] the training clause by checking what the prompt numbered.
    result = a.answer(QUESTION)
    prompt = a.chat_model.prompts[0][1].content
    assert "[1] 二（一）2" in prompt and "问题：" + QUESTION in prompt
    # [2] in the script is not the training clause, so its numbers fail the check → fallback.
    assert result.mode == "extractive-fallback"

    good = answerer(seed_bot, ["每人每年应接受不少于60学时的培训[1]。未明确学时的按45分钟为1个学时计算[1]。"])
    result = good.answer(QUESTION)
    assert result.mode == "generative"
    assert result.answer.count("[1]") == 2
    assert result.citations[0].label == "二（一）2"
    assert any("核验" in n for n in result.notices)


def test_uncited_sentences_removed(seed_bot):
    a = answerer(seed_bot, ["每人每年不少于60学时[1]。另外建议多读书。"])
    result = a.answer(QUESTION)
    assert result.mode == "generative"
    assert "多读书" not in result.answer
    assert any("删除" in n for n in result.notices)


def test_wrong_citation_or_invented_number_falls_back(seed_bot):
    for reply in ["每人每年不少于60学时[9]。", "每人每年不少于80学时[1]。", "完全没有引用的回答。"]:
        result = answerer(seed_bot, [reply]).answer(QUESTION)
        assert result.mode == "extractive-fallback", reply
        assert "60学时" in result.answer
        assert any("核验" in n for n in result.notices)


def test_error_and_timeout_fall_back(seed_bot):
    result = answerer(seed_bot, [ConnectionError("refused")]).answer(QUESTION)
    assert result.mode == "extractive-fallback" and any("调用失败" in n for n in result.notices)
    released = threading.Event()
    result = answerer(seed_bot, [released], timeout=0.2).answer(QUESTION)
    assert not released.is_set()  # the answer came back while the model was still busy
    released.set()
    assert result.mode == "extractive-fallback" and any("未响应" in n for n in result.notices)
    # The HTTP client's own timeout (the same number of seconds) is a timeout too, not a failure.
    timed_out = openai.APITimeoutError(request=httpx.Request("POST", "http://127.0.0.1:9/v1/chat/completions"))
    result = answerer(seed_bot, [timed_out], timeout=0.5).answer(QUESTION)
    assert result.mode == "extractive-fallback" and any("0.5 秒未响应" in n for n in result.notices)


def test_refusal_never_reaches_the_model(seed_bot):
    a = answerer(seed_bot, [])
    result = a.answer("红烧肉怎么做才好吃？")
    assert result.refused and a.chat_model.prompts == []


def test_verify_checks_numbers_against_cited_clause():
    clauses = [
        clause("确保每人每年接受不少于60学时的培训。", "二（一）2", "x"),
        clause("2023年底前普遍建立。", "二（二）5", "y"),
    ]
    text, cited, problems = verify("不少于60学时[1]。2023年底前建立[1]。", clauses)
    assert text == "不少于60学时[1]。" and cited == [1] and len(problems) == 1
    messages = build_prompt("问题", clauses)
    assert "[2] 二（二）5" in messages[1].content


def clause(text, label, title):
    return ClauseRecord(f"d:{label}:0", "d", label, label, title, (), "", text, (text,), ("",), 0)


def test_settings_build_an_openai_compatible_client(make_settings):
    from bot.generate import chat_model_from_settings

    settings = make_settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="qwen2.5", llm_timeout=3.0)
    model = chat_model_from_settings(settings)
    assert model.model_name == "qwen2.5"
    assert model.extra_body == {"max_tokens": 300}  # the name local servers read (see chat_model_from_settings)
    assert str(model.openai_api_base).startswith("http://127.0.0.1:9")


@pytest.mark.parametrize("reply", ["文本未涉及。"])
def test_model_saying_not_covered_falls_back(seed_bot, reply):
    result = answerer(seed_bot, [reply]).answer(QUESTION)
    assert result.mode == "extractive-fallback"
