"""What a question asks for (a count, a date, a period, an amount, a body, a yes/no, a list…) and
whether a piece of text states a thing of that kind.

Answer selection prefers the sentence, and the part of it, that holds the asked kind; refusal
counts it against a quote that holds none (asked "how many days" of a sentence with no number
of days). Patterns are kept here, one table, so both use the same reading of a question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_NUM = "零〇一二三四五六七八九十百千万两"
NUMBER = rf"(?:\d+(?:\.\d+)?|[{CN_NUM}]+)"


# A question closed by 不 (查俺不？有说法不？) asks yes or no, as 吗 does (not 要不, 得不).
TAG_NO = r"(?<![要得还])不[？?]?$"
# 不是发改委在张罗吧？ asks to confirm: a yes/no.
TAG_BA = r"吧[？?]?$"


@dataclass(frozen=True)
class Kind:
    name: str
    label: str  # Chinese, for reports
    asks: re.Pattern  # the question asks for this kind
    states: re.Pattern  # a text states a thing of this kind


KINDS: tuple[Kind, ...] = (
    Kind(
        "money",
        "金额",
        re.compile(r"多少钱|多少元|多少万元|罚多少|罚款多少|金额|费用是多少|多少罚款|工资|待遇标准|补贴标准|奖金多少"),
        re.compile(rf"{NUMBER}\s*(?:万|千|百)?元"),
    ),
    Kind(
        "score",
        "分值",
        re.compile(r"(?:多少|几)分(?!钟|之)|分数|合格线|及格线|扣(?:几|多少)分|记(?:几|多少)分"),
        re.compile(rf"{NUMBER}\s*分(?!钟|之|工|别|类|级|批|解|享|析|管|期|局|所|队)"),
    ),
    Kind(
        "duration",
        "期限",
        re.compile(
            r"多久|多长时间|多长的?期限|期限是多长|几年|几个月|多少天|几天|几日|多少日|多少个?工作日|"
            r"有效期|时效|保存多久|提前几天|多少年|多少小时|几个小时|几个钟头|多少个?钟头|多少个?[学课]时|几个?[学课]时"
        ),
        re.compile(rf"{NUMBER}\s*个?(?:工作)?(?:日|天|年|月|小时|周|分钟|学时)(?:内|以内|以上|为限|一次)?"),
    ),
    Kind(
        "date",
        "时间节点",
        re.compile(
            r"什么时候|何时|哪年|哪一年|哪个月|几月|截止|最晚|最迟|之前完成|前完成|啥时候|时间节点|"
            r"什么时间|到什么时候|多会儿|哪天"
        ),
        re.compile(r"\d{4}\s*年(?:\d{1,2}\s*月)?(?:底|年底|上半年|下半年)?|年底|月底|年内|季度|上半年|下半年"),
    ),
    Kind(
        "count",
        "数量",
        re.compile(
            r"(?<!哪)(?:几个|几项|几类|几种|几次|几名|几家|几级)|多少个|多少项|多少家|多少人|多少名|多少级|"
            r"多少次|比例|百分之几|百分比|几成"
        ),
        re.compile(rf"{NUMBER}\s*(?:个|项|类|种|次|家|人|名|级|%|％|成|批|学时|分钟)|百分之{NUMBER}|全员|全部|每人"),
    ),
    Kind(
        "body",
        "责任主体",
        re.compile(
            r"谁|哪个部门|哪些部门|哪一级|哪级|由谁|牵头|负责单位|哪个单位|哪些单位|什么单位|哪家|"
            r"什么机构|哪个机构|哪些机构|哪个机关|什么机关|主体|交给谁|报给谁|向谁|归谁|找谁"
        ),
        re.compile(
            r"[\u4e00-\u9fff]{0,8}(?:厅|局|政府|部门|机构|机关|司法所|委员会|党委|办公室|法院|检察院|"
            r"单位|乡镇|街道|县级|市级|省级|本级|上级|专人)"
        ),
    ),
    Kind(
        "yesno",
        "是非",
        re.compile(
            r"吗[？?]?$|是否|要不要|能不能|可不可以|可以不|有没有|算不算|会不会|需不需要|需要不|"
            r"是不是|允不允许|让不让|行不行|能否|该不该|用不用|" + TAG_NO + "|" + TAG_BA
        ),
        re.compile(r"不得|禁止|严禁|应当|必须|要|可以|不再|鼓励|原则上|不能|均可|一律"),
    ),
    Kind(
        "list",
        "列举",
        re.compile(r"哪些|哪几|包括什么|包括哪|有什么(?:要求|制度|机制|内容|措施)|都有什么|什么内容"),
        re.compile(r"[^、，。；]{1,16}、[^、，。；]{1,16}(?:、|和|及|以及)"),
    ),
)
BY_NAME = {k.name: k for k in KINDS}


# A question already asked as yes/no or "what to do" uses 几 for "a few", not to ask a number:
# 会不会先找几个地方试点？ 几个部门理解不一样咋办？
_ASKED_OTHERWISE = re.compile(
    r"吗[？?]?$|会不会|能不能|可不可以|要不要|是不是|有没有|咋办|怎么办|咋整|怎么处理|如何处理|怎么弄|"
    + TAG_NO
    + "|"
    + TAG_BA
)
# 请列举…几种 asks for the list, not how many are in it.
_LISTING = re.compile(r"列举|列出|举出|举例")
_INDEFINITE_FEW = re.compile(r"几(?=个|家|项|名|位|种|类|条|件|方面)")
# 好几年, 近几年, 这几项, 十几个, 几十个, 前几年: "a few", "these", "a dozen or so", "a few years ago" —
# never a question (but 提前几天通知 is).
_SOME = re.compile(
    r"(?<=[好近这头十])几|几(?=十)|(?<=[举说列])几|(?<=[的了])几(?=个人|名|位)|(?<!提前)(?<=前)几(?=年|天|个月)"
)
# Figures that name a thing rather than ask for it: a fine quota (罚够多少钱, 定了罚多少钱, 罚到多少钱的任务, 要罚多少钱的
# 目标, 定死每个月要罚多少钱) or the yardstick of fines (罚多少的尺度标准, 罚款多少有没有统一标准, 处罚
# 多少全凭一句话) is 罚没指标 or the discretion benchmark, which the plan speaks of; an amount it never
# states.
_FINE = r"罚(?:款)?多少钱?"
_FIGURE_NAMES = re.compile(
    rf"罚够多少钱?|(?<![规确决])定(?:了|下)?(?:要)?{_FINE}|"
    r"罚(?:款|到)?多少钱?(?=[^，,。？?！!]{0,8}(?:任务|目标|指标|标准|尺度|基准|额度))|"
    rf"{_FINE}(?=是不是|有没有|有无|全凭|全靠|凭|靠|说了算|(?:直接)?决定)|"
    rf"(?:定死|硬性|摊派|压)[^，,。？?]{{0,8}}?{_FINE}"
)
# 二零几几年, 20几几年: asks which year.
_WHICH_YEAR = re.compile(r"(?:二[零〇]|20)?几几年")
# A phrase in quotation marks names something (“罚多少”的尺子, the discretion benchmarks) rather
# than asking it.
_QUOTED = re.compile(r"“[^”]{1,12}”|「[^」]{1,12}」|\"[^\"]{1,12}\"")


# A question that first tells a situation and then asks about it asks only its last part: 局里给
# 中队压了一年要罚多少钱的任务，文件允许这么搞吗？ asks whether it is allowed, not an amount.
_PARTS = re.compile(r"[，,；;：:。]")
_LAST_PART_ASKS = re.compile(
    r"吗[？?]?$|算不算|允不允许|行不行|能不能|可不可以|是不是|怎么看|怎么说|什么态度|管不管|认不认|"
    r"叫(?:啥|什么)|是(?:啥|什么)(?:制度|做法|意思|说法)|" + TAG_NO
)
_FIGURE_WORDS = re.compile(r"多少|几|多久|多长|多大|比例|百分")
_POINTS_BACK = re.compile(r"这|那|允许|算不算")  # the last part asks about what was told


def asked_part(question: str) -> str:
    """The last part of a question that tells a situation (with a figure in it) before asking a
    yes/no or what-is-it question about it; else the whole question."""
    parts = [p for p in _PARTS.split(question) if p.strip("？? ")]
    last = parts[-1] if len(parts) > 1 else ""
    if _LAST_PART_ASKS.search(last) and _POINTS_BACK.search(last) and not _FIGURE_WORDS.search(last):
        return last
    return question


def what_is_asked(question: str) -> str:
    """The question with a quantity word that does not ask for a number, quoted phrases, and a
    situation told before the question proper, taken out."""
    question = _WHICH_YEAR.sub("哪年", _FIGURE_NAMES.sub("", question))
    question = asked_part(_SOME.sub("", _QUOTED.sub("", question)))
    if _ASKED_OTHERWISE.search(question) or _LISTING.search(question):
        return _INDEFINITE_FEW.sub("", question)
    return question


def asked_kinds(question: str) -> tuple[str, ...]:
    """The kinds a question asks for, most specific first (a duration is not also a count)."""
    asked = what_is_asked(question)
    found = [k.name for k in KINDS if k.asks.search(asked)]
    if "duration" in found or "money" in found or "score" in found:
        found = [f for f in found if f != "count"]
    return tuple(found)


def states(kind: str, text: str) -> bool:
    return bool(BY_NAME[kind].states.search(text))


def states_any(kinds: tuple[str, ...], text: str) -> bool:
    """Whether the text states something of every specific kind asked (yes/no and lists are
    answered by many kinds of sentence, so they do not count here)."""
    specific = [k for k in kinds if k not in ("yesno", "list")]
    return all(states(k, text) for k in specific)


# A yes/no question gets a short conclusion first only when the quote says it in so many words.
_NO = re.compile(r"不得|禁止|严禁|不能|不准|不再|一律不")
# 要 and 可 as words of their own: not 主要, 重要, 要素; not 行政许可, 认可, 可能.
_MUST = re.compile(r"应当|必须|须|务必|要求|确保|(?<![主重紧纲概摘])要(?![求素点件])")
_MAY = re.compile(r"可以|(?<![许认])可(?!能|靠|行性|信|操作|见)|允许|鼓励")
_ASKS_MAY = re.compile(r"能不能|可不可以|可以不|允不允许|让不让|行不行|能否|能.{0,12}吗|可以.{0,12}吗")
_ASKS_MUST = re.compile(
    r"要不要|需不需要|需要不|该不该|用不用|是否(需要|要|应当|必须)|必须.{0,12}吗|(?<![主重只必紧])要.{0,12}吗"
)


def conclusion(question: str, quote: str) -> str:
    """能/不能, 需要/不需要 for a yes/no question, or "" when the quote does not say it plainly."""
    if "yesno" not in asked_kinds(question):
        return ""
    if _NO.search(quote):
        return (
            "不能"
            if _ASKS_MAY.search(question)
            else "不需要"
            if _ASKS_MUST.search(question) and re.search(r"不再|无需|不必", quote)
            else "不能"
            if not _ASKS_MUST.search(question)
            else ""
        )
    if _ASKS_MUST.search(question) and _MUST.search(quote):
        return "需要"
    if _ASKS_MAY.search(question) and _MAY.search(quote):
        return "能"
    return ""


def highlight(question: str, quote: str) -> str:
    """The shortest clause-part of the quote (between commas) that states what was asked."""
    kinds = [k for k in asked_kinds(question) if k not in ("yesno", "list")]
    if not kinds:
        return ""
    parts = [p for p in re.split(r"(?<=[，；：])", quote) if p.strip()]
    hits = [p for p in parts if all(states(k, p) for k in kinds)]
    if hits and len(parts) > 1:
        # Of the parts stating the kind (a whole sentence may hold a date beside the hours asked),
        # the one sharing most character pairs with the question, then the shortest.
        pairs = {question[i : i + 2] for i in range(len(question) - 1)}
        return min(hits, key=lambda p: (-sum(p[i : i + 2] in pairs for i in range(len(p) - 1)), len(p))).rstrip(
            "，；："
        )
    # One long part: the figure itself, with the words that bound it (不少于60学时).
    found = BY_NAME[kinds[0]].states.search(quote)
    if not found or kinds[0] == "body":
        return ""
    start = found.start()
    bound = re.search(r"(?:不少于|不低于|不超过|不高于|不多于|至少|最多|达到|为)$", quote[:start])
    return quote[bound.start() if bound else start : found.end()]
