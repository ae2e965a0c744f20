"""Chinese numerals to Arabic digits, for ordinals in street names (一 ... 九十九)."""

from __future__ import annotations

DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
NUMERAL_CHARS = frozenset("一二三四五六七八九十")


def chinese_to_arabic(text: str) -> int | None:
    """The value of a Chinese numeral from 一 (1) to 九十九 (99), else ``None``.

    Only well-formed numerals count: 十一 is 11 and 二十 is 20, but 三八 (as in 三八路,
    written Sānbā Lù) and 五四 are not numbers and give ``None``.

    >>> chinese_to_arabic("二十三")
    23
    """
    n = len(text)
    if n == 1:
        return 10 if text == "十" else DIGITS.get(text)
    if n == 2:
        if text[0] == "十":
            unit = DIGITS.get(text[1])
            return None if unit is None else 10 + unit
        if text[1] == "十":
            tens = DIGITS.get(text[0])
            return None if tens is None or tens == 1 else tens * 10
        return None
    if n == 3 and text[1] == "十":
        tens, unit = DIGITS.get(text[0]), DIGITS.get(text[2])
        if tens is None or unit is None or tens == 1:
            return None
        return tens * 10 + unit
    return None
