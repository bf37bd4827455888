"""学时 arithmetic and the checks every entry path shares (dates, durations, text fields).

All arithmetic is on integers, so totals are exact on SQLite and PostgreSQL alike:
stated 学时 are kept in hundredths (1.50 学时 -> 150), measured time in whole seconds. One
学时 of measured time is 45 minutes (2,700 s), so in units of 1/2700 学时 a stated amount is
27 × hundredths and a measured one is its seconds. Display floors to two decimals, never rounds
up: 59.999 shows 59.99 and is not 60.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

from ..errors import InvalidRecord

SECONDS_PER_HOUR = 45 * 60  # the plan: training of no stated length counts 45 minutes = 1 学时
UNITS_PER_HUNDREDTH = SECONDS_PER_HOUR // 100  # 27

# Dates are the officers' calendar dates: China Standard Time has no daylight saving.
LOCAL_TZ = timezone(timedelta(hours=8), "CST")
EARLIEST = date(2000, 1, 1)

# Plausibility: one day holds at most 24 hours of training. A stated 学时 is a class period of
# 45 to 60 minutes depending on the provider, so for this check it counts as a full hour:
# more than 24 stated 学时, or more than 1,440 measured minutes, in one day is refused.
DAY_SECONDS = 24 * 3600
STATED_LOAD_PER_HUNDREDTH = 36  # seconds of the day one hundredth of a stated 学时 takes up

MAX_CONTENT, MAX_FORM, MAX_ORIGIN, MAX_REASON = 500, 32, 200, 500
SOURCES = {
    "chat": "问答学习",
    "practice": "练习",
    "test": "测验",
    "trainer": "培训管理员录入",
    "import": "外部平台导入",
}
FORMS = ("线上", "线下", "自学", "测验", "面授", "网络", "讲座", "研讨")


def units(hundredths: int | None, seconds: int | None) -> int:
    """An amount in 1/2700 学时: exact for stated and measured amounts alike."""
    return UNITS_PER_HUNDREDTH * (hundredths or 0) + (seconds or 0)


def floor_hundredths(total_units: int) -> int:
    """Hundredths of a 学时, rounded towards zero (a reversal shows minus what the original showed)."""
    whole = abs(total_units) // UNITS_PER_HUNDREDTH
    return whole if total_units >= 0 else -whole


def day_load(hundredths: int | None, seconds: int | None) -> int:
    """Seconds of a day an amount takes up, for the 24-hours-a-day check."""
    return STATED_LOAD_PER_HUNDREDTH * (hundredths or 0) + (seconds or 0)


def hours_text(hundredths: int) -> str:
    """'2.00', '-0.50'."""
    return f"{Decimal(hundredths) / 100:.2f}"


def hours_number(hundredths: int) -> float:
    """For JSON and spreadsheets: 59.99. Division is correctly rounded, so this is the same
    float as float("59.99"), and prints as exactly its two decimals."""
    return hundredths / 100


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def parse_hours(value) -> int:
    """Stated 学时 ('1.5', 2, Decimal) -> hundredths; positive, at most two decimals."""
    amount = _decimal(value, "学时")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidRecord(f"学时 {value} 最多保留两位小数，例如 1.5 或 0.75")
    if amount <= 0:
        raise InvalidRecord(f"学时 {value} 无效：必须大于 0")
    hundredths = int(amount * 100)
    if day_load(hundredths, None) > DAY_SECONDS:
        raise InvalidRecord(f"学时 {value} 不可能：一天最多 24 学时，请核对是否填错")
    return hundredths


def parse_minutes(value) -> int:
    """Measured minutes ('90', 90.5) -> whole seconds; positive, at most 1,440 (one day)."""
    amount = _decimal(value, "分钟")
    seconds = amount * 60
    if seconds != seconds.to_integral_value():
        raise InvalidRecord(f"分钟 {value} 无效：最多精确到秒，例如 90 或 90.5")
    if amount <= 0:
        raise InvalidRecord(f"分钟 {value} 无效：必须大于 0")
    if seconds > DAY_SECONDS:
        raise InvalidRecord(f"分钟 {value} 不可能：一天只有 1440 分钟，请核对是否填错")
    return int(seconds)


def check_seconds(seconds) -> int:
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise InvalidRecord(f"时长 {seconds!r} 无效：应为整数秒")
    if seconds <= 0:
        raise InvalidRecord(f"时长 {seconds} 秒无效：必须大于 0")
    if seconds > DAY_SECONDS:
        raise InvalidRecord(f"时长 {seconds} 秒不可能：一天只有 86400 秒")
    return seconds


def _decimal(value, label: str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidRecord(f"{label} {value!r} 不是数字")
    if isinstance(value, float):
        # Spreadsheet cells arrive as binary floats (1.1 -> 1.1000000000000001): take the
        # shortest decimal that reads back as the same float, which is what the cell showed.
        value = repr(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidRecord(f"{label} {value!r} 不是数字，请填写如 2 或 1.5 的数字") from None
    if not amount.is_finite():
        raise InvalidRecord(f"{label} {value!r} 不是数字，请填写如 2 或 1.5 的数字")
    return amount


_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_TIME_OF_DAY = re.compile(r"[\sT]+\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def parse_day(value, today: date) -> date:
    """A training date: a date, or text such as 2025-03-01, 2025/3/1, 2025年3月1日, 20250301.

    Refused: unreadable, impossible (2月30日), before 2000, or after today.
    """
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        text = unicodedata.normalize("NFKC", str(value or "")).strip()
        if not text:
            raise InvalidRecord("日期不能为空，请写成 YYYY-MM-DD，例如 2025-03-01")
        # A spreadsheet may keep the time of day: "2025-03-01 00:00:00".
        text = _TIME_OF_DAY.sub("", text)
        match = _DATE.fullmatch(text) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
        if match is None:
            raise InvalidRecord(f"日期 {value!r} 格式不对：请写成 YYYY-MM-DD，例如 2025-03-01")
        try:
            day = date(*(int(g) for g in match.groups()))
        except ValueError:
            raise InvalidRecord(f"日期 {value!r} 不存在，请核对年月日") from None
    if day > today:
        raise InvalidRecord(f"日期 {day.isoformat()} 晚于今天（{today.isoformat()}）：不能登记尚未发生的培训")
    if day < EARLIEST:
        raise InvalidRecord(f"日期 {day.isoformat()} 太早：只能登记 {EARLIEST.year} 年以后的培训")
    return day


def clean_text(value, label: str, limit: int, *, required: bool = True) -> str:
    """Trimmed text with runs of whitespace (full-width too) collapsed; empty or too long is
    refused. Full-width punctuation is kept: it is how the content is written."""
    text = " ".join(str(value or "").split())
    if required and not text:
        raise InvalidRecord(f"{label}不能为空，请填写{label}")
    if len(text) > limit:
        raise InvalidRecord(f"{label}太长：最多 {limit} 个字符")
    return text


def day_full_message(officer_id: str, day: date) -> str:
    return (
        f"{officer_id} 在 {day.isoformat()} 当天登记的学时累计超过 24 小时，不可能：请核对日期和学时"
        "（每 1 学时按 1 小时计入当天上限）"
    )
