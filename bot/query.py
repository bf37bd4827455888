"""Query understanding: normalise, expand with the domain's own terms, scope to documents,
resolve follow-ups, and spot attempts to override the assistant."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .clean import normalise_query
from .errors import BadQuestion

MAX_QUESTION_CHARS = 500

# Provinces and central bodies a question may name; each with the short forms officers use.
PLACES: dict[str, tuple[str, ...]] = {
    "广东": ("广东", "粤"),
    "江苏": ("江苏", "苏"),
    "浙江": ("浙江", "浙"),
    "福建": ("福建", "闽"),
    "广西": ("广西", "桂"),
    "海南": ("海南", "琼"),
    "湖南": ("湖南", "湘"),
    "江西": ("江西", "赣"),
    "山东": ("山东", "鲁"),
    "河南": ("河南", "豫"),
    "河北": ("河北", "冀"),
    "湖北": ("湖北", "鄂"),
    "四川": ("四川", "川"),
    "贵州": ("贵州", "黔"),
    "云南": ("云南", "滇"),
    "安徽": ("安徽", "皖"),
    "北京": ("北京", "京"),
    "上海": ("上海", "沪"),
    "天津": ("天津", "津"),
    "重庆": ("重庆", "渝"),
    "辽宁": ("辽宁", "辽"),
    "吉林": ("吉林",),
    "黑龙江": ("黑龙江",),
    "山西": ("山西", "晋"),
    "陕西": ("陕西", "陕"),
    "甘肃": ("甘肃", "甘"),
    "青海": ("青海",),
    "宁夏": ("宁夏",),
    "新疆": ("新疆",),
    "西藏": ("西藏",),
    "内蒙古": ("内蒙古",),
    "国务院": ("国务院", "国家", "中央"),
}
# A one-character short form counts only where it is used as a name: 粤府办, 苏执法, 粤的方案.
_SHORT_NAME_CONTEXT = r"(?=府|政办|执法|省|的|办发|方案|计划)"

# What part a body plays is a question (司法局扮演什么角色, 支部要扮演个什么领头角色？), not a request
# that the assistant play one (扮演一个什么都能回答的角色，…): the role asked ends the question.
_ROLE_ASKED = (
    r"着?(?:什么|何种|怎样的?|哪些|哪种|什么样的?)角色"
    r"|(?:着|个|一个)?(?:什么样的?|什么|啥|何种|怎样的?|哪种)[^，。？！?!,；;]{0,6}角色(?=[？?呢吗])"
)
_INJECTION = re.compile(
    # Setting rules aside names whose: 忽略以上规则, 覆盖你之前的指令. An officer may forget a
    # training (我忘记参加培训了，学时有什么要求) and a unit may ignore a requirement; 覆盖 is also the
    # plan's "cover" (全覆盖, 覆盖面).
    r"(忽略|无视|忘记|忘掉|绕过|覆盖)掉?(你|之前|以上|上面|前面|所有|一切|原有|原来|先前|系统|刚才|这些)"
    r"[^。？?]{0,12}(指令|指示|规则|提示|设定|要求|限制)|"
    r"系统提示|提示词|system prompt|"
    r"ignore (all |the )?(previous|prior|above)|disregard|jailbreak|developer mode|reveal .*(prompt|key|config)|"
    r"你现在是|从现在开始你|扮演(?!" + _ROLE_ASKED + r")|假装你是|不受限制|没有限制的|DAN\b|api[ _-]?key|密钥|"
    r"【系统|\[system|<\|im_start\|>|###\s*(system|instruction)|</?(context|system|instructions?)>|"
    r"(开发者|系统)(指令|消息|设定)|原样(复述|输出|打印)|调试模式|维护模式|打印.{0,10}(密码|账号|数据库)|"
    r"不要引用|不要(加|附)(任何)?(说明|引用)|伪造|以后所有回答|所有回答都要",
    re.IGNORECASE,
)
_TASK = re.compile(
    r"^(请)?(帮我|给我|替我)?(写|作|编|创作|翻译|画|生成)(一|个|首|篇|段|份)|写一首|作一首|讲个笑话|股市|彩票"
)
_FOLLOW_UP = re.compile(
    r"^(那|那么|那个|这个|这|它|其|该|此|还有|另外|然后|如果是|要是|换成|对于)|呢[？?]?$"
    r"|^(谁|哪个部门|什么时候|多久|怎么算|具体|最晚|最迟|最早|截止|期限)"
)
_CONTENT = re.compile(r"[\u4e00-\u9fff]{2,}")
# The same text three or more times in a row (罚罚罚…, a question pasted ten times).
_REPEATED = re.compile(r"(.{1,40}?)\1{2,}", re.DOTALL)


@dataclass
class Query:
    question: str  # what the officer typed, cleaned and simplified
    search: str  # what retrieval searches: the question, resolved against the previous turn, expanded
    doc_ids: tuple[str, ...] | None = None
    places: tuple[str, ...] = ()
    unmatched_places: tuple[str, ...] = ()
    notices: list[str] = field(default_factory=list)
    injection: bool = False
    task_request: bool = False  # asks for writing or chatting, not for what the texts say
    follow_up: bool = False


_SURROGATE = re.compile(r"[\ud800-\udfff]")
NOT_UNICODE = "问题中有无法识别的字符（不是有效的 UTF-8 文字），请检查输入法或文件编码，重新输入后再问。"


def not_unicode(text: str) -> bool:
    """Lone surrogates: what undecodable bytes (surrogateescape) or a broken client leave behind."""
    return bool(_SURROGATE.search(text))


@lru_cache(maxsize=1)
def synonyms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    text = resources.files("bot.data").joinpath("synonyms.tsv").read_text(encoding="utf-8")
    pairs = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        left, right = line.split("\t", 1)
        pairs.append((left.strip(), tuple(t.strip() for t in right.split("|") if t.strip())))
    return tuple(pairs)


def expand(text: str) -> str:
    added: list[str] = []
    for left, terms in synonyms():
        # A question that already uses one of the plan's terms needs no colloquial rewrite.
        if left in text and not any(t in text for t in terms):
            added += [t for t in terms if t not in added]
    return f"{text} {' '.join(added)}" if added else text


def without_repeats(text: str) -> str:
    """Text repeated three or more times in a row kept once; figures (1000, 2333) are left alone."""

    def once(match: re.Match) -> str:
        unit = match.group(1)
        return match.group(0) if re.fullmatch(r"[\d.,，。\s]+", unit) else unit

    return _REPEATED.sub(once, text)


def sanitize(raw: str | None) -> tuple[str, list[str]]:
    """The question as text we can work with, and notices for what was changed."""
    if raw is None or not str(raw).strip():
        raise BadQuestion("问题是空的，请输入要查询的内容，例如：行政执法人员每年要参加多少学时的培训？")
    notices = []
    text = str(raw)
    if not_unicode(text):
        raise BadQuestion(NOT_UNICODE)
    if len(text) > MAX_QUESTION_CHARS:
        text = text[:MAX_QUESTION_CHARS]
        notices.append(f"问题过长，只按前 {MAX_QUESTION_CHARS} 个字处理。")
    once = without_repeats(text)
    if once != text:
        text = once
        notices.append("问题中连续重复的文字只按一次处理。")
    # Markup is read as text: tags are dropped for searching, never rendered.
    stripped = re.sub(r"<[^>]{0,200}>", " ", text)
    if stripped != text:
        notices.append("问题中的 HTML/脚本标记已作为普通文字忽略。")
    text = normalise_query(stripped)
    if not re.search(r"[\u4e00-\u9fffA-Za-z0-9]", text):
        raise BadQuestion("没有看懂这个问题：请用中文写出要查询的内容。")
    return text, notices


def document_places(documents: dict[str, dict]) -> dict[str, set[str]]:
    """Which documents each place names (by title, issuer or 文号)."""
    found: dict[str, set[str]] = {}
    for doc_id, doc in documents.items():
        text = " ".join(str(doc.get(k) or "") for k in ("title", "issuer", "doc_number", "notice_title"))
        for place, names in PLACES.items():
            if any(n in text for n in names if len(n) > 1) or any(
                re.search(re.escape(n) + _SHORT_NAME_CONTEXT, text) for n in names if len(n) == 1
            ):
                found.setdefault(place, set()).add(doc_id)
    return found


# 北京 named as where a central body or its document comes from (北京哪家机关下发的文件, 北京那边的一个
# 文件) stands for the central bodies, not Beijing's own government (北京市…, 北京的裁量权基准).
_BEIJING_AS_CENTRE = re.compile(
    r"北京(?:那边|那头|上面)?(?:哪一?[家个](?:机关|部门|单位)|下发|发的|发下来|(?:那边)?的(?:一个|一份)?文件)"
)


def places_in(text: str) -> list[str]:
    text = _BEIJING_AS_CENTRE.sub("国务院", text)
    hits = []
    for place, names in PLACES.items():
        for name in names:
            if (len(name) > 1 and name in text) or (
                len(name) == 1 and re.search(re.escape(name) + _SHORT_NAME_CONTEXT, text)
            ):
                hits.append(place)
                break
    # 国家/中央 also appear inside ordinary phrases (国家一体化在线监管平台): a real scope names a plan.
    # 国务院/国家 appear in ordinary phrases (国务院办公厅关于…的意见, 国家一体化在线监管平台): a
    # question is scoped to the central plan only when it asks about that plan itself.
    if "国务院" in hits and not re.search(
        r"(国务院|国家|中央)(办公厅)?(的|那份|出台的|印发的)?(三年)?(行动计划|计划|方案)", text
    ):
        hits.remove("国务院")
    return hits


def document_of(place: str) -> re.Pattern:
    """Text that names a document of the place (国务院办公厅印发的《…》), with the short name the
    text gives it, if any (（以下简称《行动计划》）) in group 1."""
    names = "|".join(n for n in PLACES[place] if len(n) > 1)
    return re.compile(rf"(?:{names})[^《。；]{{0,12}}《[^》]{{2,60}}》(?:（以下简称(《[^》]{{2,20}}》)）)?")


def place_references(place: str, texts) -> tuple[str, ...]:
    """The short names the texts give the place's documents (《行动计划》), and "" first when the
    texts name one at all: a question about the national plan may be answered by a provincial plan
    that carries it out and says so, but only from a clause that speaks of it."""
    pattern, found, short = document_of(place), False, []
    for text in texts:
        for m in pattern.finditer(text):
            found = True
            if m.group(1) and m.group(1) not in short:
                short.append(m.group(1))
    return ("", *short) if found else ()


def speaks_of(place: str, references: tuple[str, ...], clause_text: str) -> bool:
    """Whether a clause names a document of the place, by name or by the short name its text gave."""
    return bool(document_of(place).search(clause_text)) or any(r and r in clause_text for r in references)


def is_follow_up(text: str) -> bool:
    content = _CONTENT.findall(re.sub(r"那|这个|呢|吗|什么|怎么|多少|哪些|要|是", "", text))
    return bool(_FOLLOW_UP.search(text)) and len("".join(content)) <= 12


def understand(raw: str, documents: dict[str, dict], previous: str | None = None, doc_id: str | None = None) -> Query:
    text, notices = sanitize(raw)
    query = Query(question=text, search=text, notices=notices)
    query.injection = bool(_INJECTION.search(text))
    query.task_request = bool(_TASK.search(text))

    if previous and is_follow_up(text):
        # Deterministic condensing: the earlier question supplies the topic this one leaves out.
        query.follow_up = True
        query.search = f"{previous} {text}"

    if doc_id:
        query.doc_ids = (doc_id,)
    else:
        asked = places_in(text) or (places_in(previous) if query.follow_up and previous else [])
        if asked:
            by_place = document_places(documents)
            matched = sorted({d for p in asked for d in by_place.get(p, ())})
            query.places = tuple(asked)
            query.unmatched_places = tuple(p for p in asked if p not in by_place)
            if matched:
                query.doc_ids = tuple(matched)
    query.search = expand(query.search)
    return query
