"""The term table a reworded question is expanded with (bot/data/synonyms.tsv), and quoting whole
sentences (bot/extract.py sentence_span)."""

from __future__ import annotations

from collections import Counter

from bot.clean import normalise_query
from bot.extract import sentence_span
from bot.query import expand, synonyms
from tests.conftest import SEED

# Right-hand terms that normalise a colloquial question word rather than name a term of the plan.
QUESTION_WORDS = {"什么", "怎么", "什么时候"}


def test_every_added_term_is_the_plans_own_wording():
    """The table only ever adds words the seed plan uses: a term it does not use could only add noise."""
    text = normalise_query(SEED.read_text(encoding="utf-8"))
    missing = [(left, t) for left, terms in synonyms() for t in terms if t not in text and t not in QUESTION_WORDS]
    assert not missing, missing


def test_each_colloquial_word_is_listed_once():
    counts = Counter(left for left, _ in synonyms())
    assert [left for left, n in counts.items() if n > 1] == []
    assert all(left and terms for left, terms in synonyms())


def test_reworded_questions_gain_the_plans_terms():
    assert "投诉举报" in expand("群众来告状，怎么处理？")
    assert "考核评议" in expand("执法单位互相打分还搞不搞？")
    assert "首位" in expand("什么事情要放在第一位？")
    assert "舆情" in expand("面对外界舆论怎么办？")


def test_a_question_in_the_plans_words_is_left_alone():
    question = "行政执法投诉举报处理机制要怎么完善？"
    assert expand(question) == question


def test_sentence_span_joins_the_parts_of_one_sentence():
    sentences = ["标题。", "甲由省级制定；", "乙由本级制定。", "丙可以细化；", "丁不再下放。"]
    assert sentence_span(sentences, 1) == (1, 2)
    assert sentence_span(sentences, 2) == (1, 2)
    assert sentence_span(sentences, 0) == (0, 0)
    assert sentence_span(sentences, 4) == (3, 4)


def test_who_sets_the_discretion_standards_is_answered_whole(seed_bot):
    """Both halves of the sentence (省级 for provincial rules; 本级 for a city's own) are quoted."""
    answer = seed_bot.ask("裁量基准谁来定啊？")
    assert not answer.refused and answer.citations[0].label == "二（二）5"
    quote = answer.citations[0].quote
    assert "省级行政执法部门" in quote and "本级行政执法部门" in quote
    assert quote.replace("……", "") in answer.citations[0].text or all(
        part in answer.citations[0].text for part in quote.split("……")
    )


def test_a_few_is_not_a_number_asked():
    """几 inside a yes/no or what-to-do question means "a few": no sentence is preferred for a
    number, and no clause is refused for lacking one."""
    from bot.asked import asked_kinds, what_is_asked

    assert "几" not in what_is_asked("会不会先找几个地方试点？")
    assert "几" not in what_is_asked("几个部门理解不一样咋办？")
    assert what_is_asked("一年要学几个学时？") == "一年要学几个学时？"
    assert asked_kinds("几家单位一起开会的那个机制，有没有财政部门？") == ("yesno",)
    assert "count" in asked_kinds("会商机制由几家单位组成？")
    assert asked_kinds("来了几个人要查我，没领证的能自个儿上手查不？") == ("yesno",)  # 不？ closes a yes/no
    assert asked_kinds("计划点名要整治哪些乱象？举几个例子。") == ("list",)
    assert asked_kinds("最晚是二零几几年底？") == ("date",)  # which year, not how many
    assert "count" in asked_kinds("要配几个人？")
    # A fine quota or the yardstick of fines is named, not an amount asked; an amount asked still is.
    from bot.extract import missing_figure

    clause = ["不得给执法人员下达或者变相下达罚没指标。"]
    assert not missing_figure("上头给我们定了罚多少钱的任务，这算不算问题？", clause)
    assert not missing_figure("罚款多少有没有统一标准？", clause)
    assert missing_figure("违反规定一次罚多少钱？", clause)
    assert not missing_figure("上头定死每个月要罚多少钱，这种做法文件有没有点名要查？", clause)
    assert not missing_figure("以前处罚多少全凭办案人一句话，现在的尺子什么时候立起来？", ["到2023年底"])
    assert missing_figure("行政处罚法规定罚多少钱？", clause)  # 规定 is not a quota set (定…罚多少)
    assert not missing_figure("领导给我们定每个月要罚到多少钱的任务，这种做法文件里点名了没有？", clause)
    assert missing_figure("简易程序当场处罚，最高能罚到多少钱？", clause)  # an amount asked


def test_a_figure_in_the_situation_told_is_not_what_is_asked():
    """局里压了一年要罚多少钱的任务，文件允许这么搞吗？ asks whether it is allowed, not an amount;
    哪几年 asks which years, not how many; 跑了几次 tells, it does not ask."""
    from bot.asked import asked_kinds, conclusion, what_is_asked
    from bot.extract import missing_figure

    assert what_is_asked("局里给每个中队压了一年要罚多少钱的任务，文件允许这么搞吗？") == "文件允许这么搞吗？"
    assert what_is_asked("跑了几次企业，听说检查要先扫码，这个叫啥制度？") == "这个叫啥制度？"
    # A last part that does not point back at what was told, or asks a figure itself, is not all.
    assert what_is_asked("培训要多少学时，有规定吗？") == "培训要多少学时，有规定吗？"
    assert what_is_asked("按行政复议法，申请期限是多久？") == "按行政复议法，申请期限是多久？"
    assert not missing_figure("咱省这个执法提升计划管的是哪几年？", ["2023—2025年"])
    # 好几年, 这几项 tell of "a few", "these"; 提前几天 still asks.
    told = "老同志也说好几年没集中学过了，要把全队的人都挨个过一遍课，这事最晚拖到什么时候必须弄完？"
    assert asked_kinds(told) == ("date",) and not missing_figure(told, ["原则上于2024年6月前完成全员轮训"])
    assert asked_kinds("公开执法信息、办案全程留痕，这几项合起来叫什么？") == ()
    assert missing_figure("听证要提前几天通知当事人？", ["依法保障当事人陈述申辩权"])
    assert missing_figure("执法证有效期是几年？", ["全面推行行政执法人员持证上岗"])
    # 前几年 tells when; 请列举…几种 asks the list; …吧？ asks to confirm; 打电话 is a call, not a number.
    ago = "我们镇前几年接了一堆执法事项，上面会不会回头评估？最晚什么时候？"
    assert asked_kinds(ago) == ("date", "yesno") and not missing_figure(ago, ["2024年底前至少进行一次评估"])
    assert asked_kinds("请列举计划点名要整治的几种不规范执法方式。") == ()
    assert asked_kinds("几家单位一起商量的那个机制，平时不是发改委在张罗吧？") == ("yesno",)
    assert not missing_figure("老板打电话说罚单太重，计划有没有考虑对企业经营的影响？", ["经济影响评估"])
    assert missing_figure("投诉电话是多少？", ["畅通投诉举报渠道"])
    # 主要 is not 要: 就是开开会吗 asks neither 需要 nor 能.
    assert conclusion("那个会商机制主要管啥，就是开开会吗？", "要参照建立工作会商机制") == ""
    assert conclusion("培训要登记吗？", "要建立业务培训登记卡制度") == "需要"
    # 行政许可 says nothing of what may be done, 主要 nothing of what must.
    assert conclusion("县局还能自己另搞一套吗？", "规定的行政处罚、行政许可等行政执法权原则上由省级部门制定") == ""
    assert conclusion("县局还能自己另搞一套吗？", "下级部门可以在法定范围内合理细化量化") == "能"
    assert conclusion("这个要报备吗？", "主要任务是统筹协调") == ""


def test_a_besides_question_is_answered_by_what_it_does_not_already_know(seed_bot):
    """除了持证上岗，还要…: the sentence on 持证上岗 is what the asker knows, not the answer."""
    from bot.extract import without_known

    assert without_known("执法人员资格管理方面，除了持证上岗，还得建立健全哪些制度？") == (
        "执法人员资格管理方面，还得建立健全哪些制度？"
    )
    assert without_known("除了司法厅还有哪些单位参加？") == "还有哪些单位参加？"
    assert without_known("想问问除了法律和业务以外，还要学哪方面？") == "想问问，还要学哪方面？"
    assert without_known("持证上岗有什么要求？") == "持证上岗有什么要求？"
    answer = seed_bot.ask("执法人员资格管理方面，除了持证上岗，还得建立健全哪些制度？")
    assert answer.citations[0].label == "二（一）3"
    assert "年度考核制度" in answer.answer and "持证上岗" not in answer.citations[0].quote
