"""Candidate distractors of the answer's kind: the fact with its number changed, and the same kind
of fact from other clauses. Which of them may be used is for rules.distractor_problems to say."""

from __future__ import annotations

from .facts import date_parts, number_value

CN = "零一二三四五六七八九十"


def _cn(n: int) -> str:
    if n <= 10:
        return CN[n] if n != 2 else "两"
    if n < 20:
        return "十" + (CN[n - 10] if n > 10 else "")
    tens, ones = divmod(n, 10)
    return CN[tens] + "十" + (CN[ones] if ones else "")


def changed_numbers(answer: str) -> list[str]:
    """60学时 → 30学时, 40学时, 50学时, 70学时, 80学时, 90学时, 120学时; 四级 → 三级, 五级, 两级."""
    parsed = number_value(answer)
    if parsed:
        value, unit, style = parsed
        n = int(value)
        if n != value:
            return []
        step = 10 if n >= 20 else 5 if n >= 10 else 1
        values = {n * 2, n - step, n + step, n + 2 * step, n - 2 * step, round(n * 1.5 / step) * step}
        if n % 2 == 0:
            values.add(n // 2)
        values = sorted(v for v in values if v > 0 and v != n and (style == "digits" or v <= 99))
        prefix = "个" if answer[len(answer) - len(unit) - 1 : -len(unit)] == "个" else ""
        return [f"{v if style == 'digits' else _cn(v)}{prefix}{unit}" for v in values]
    parts = date_parts(answer)
    if parts:
        year, month, tail = parts
        out = [f"{y}年{month}月{tail}" if month else f"{y}年{tail}" for y in (year - 1, year + 1)]
        if month:
            out += [f"{year}年{m}月{tail}" for m in (3, 6, 9, 12) if m != month]
        elif "底" in tail:
            out += [f"{year}年6月{tail}", f"{year}年3月{tail}"]
        return out
    return []
