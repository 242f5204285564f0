"""Find numeric mentions in text and normalise them, so values can be compared across wordings.

"26%", "0.26", "3x", "3×", "4-15x", "8.6 points", "14.72pp", "4.1 trillion", "1.3B", "+3.15%" and
"−2.1" are values; the digits inside names ("NDCG@10", "Llama-3.1-70B", "GPT-4o", "Qwen2.5") and
bare years ("2025") are not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "t": 1e12,
}
_UNITS = {
    "%": "%",
    "percent": "%",
    "per cent": "%",
    "x": "x",
    "×": "x",
    "pp": "pp",
    "percentage points": "pp",
    "percentage point": "pp",
    "points": "points",
    "point": "points",
    "pts": "points",
}
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_SUFFIX = (
    r"(?:\s?(\\?%|×)|\s?(x|pp|pts|[KMBT]|k)(?![\w-])"
    r"|\s(percentage points?|percent|per cent|points?|thousand|million|billion|trillion)\b)?"
)
# The leading lookahead lets the scan skip non-digit positions quickly.
_MENTION = re.compile(
    rf"(?=[\d+\-\u2212])(?P<sign>[+\-\u2212]?)(?P<a>{_NUM})"
    rf"(?:\s?(?:-|\u2013|to)\s?(?P<b>{_NUM}))?"
    rf"{_SUFFIX}",
    re.IGNORECASE,
)
# Digits glued to a name: preceded by a letter, "@", "_", "/" or a hyphen after a letter.
_NAME_BEFORE = re.compile(r"(?:[A-Za-z@_/.]|[A-Za-z0-9]-)$")


@dataclass(frozen=True, slots=True)
class Mention:
    """A numeric mention: its span, value (and upper bound for a range), unit and precision."""

    start: int
    end: int
    text: str
    value: float
    high: float | None
    unit: str | None
    scale: float
    decimals: int

    def candidates(self) -> list[float]:
        """Every value this mention can stand for: as written, scaled, and % as a fraction."""
        out = []
        for base in (self.value, self.high):
            if base is None:
                continue
            out.append(base)
            if self.scale != 1:
                out.append(base * self.scale)
            if self.unit == "%":
                out.append(base / 100)
        return out


@lru_cache(maxsize=8192)
def find_numbers(text: str) -> tuple[Mention, ...]:
    """Every numeric value mentioned in `text`, in order; never raises.

    Cached: classification, grounding and scoring ask about the same sentences repeatedly.
    """
    mentions = []
    for match in _MENTION.finditer(text):
        mention = _to_mention(text, match)
        if mention is not None:
            mentions.append(mention)
    return tuple(mentions)


def parse_number(text: str) -> Mention | None:
    """Normalise a single value as written ("74.8", "3x", "26%"), or None if it holds none."""
    found = find_numbers(text.strip())
    return found[0] if found else None


def _to_mention(text: str, match: re.Match[str]) -> Mention | None:
    start = match.start()
    if _NAME_BEFORE.search(text, max(0, start - 2), start) and not match.group("sign"):
        return None
    after = text[match.end() : match.end() + 1]
    if after and (after.isalpha() or after == "@") and not _suffix(match):
        return None  # "4o" in GPT-4o, "2b" in Gemma-2-2b
    sign = match.group("sign")
    if sign and start > 0 and (text[start - 1].isalnum() or text[start - 1] in "-."):
        start += 1  # the hyphen of "Llama-3" or "4-15": not a minus sign
        sign = ""
        if _NAME_BEFORE.search(text, max(0, start - 2), start):
            return None
    a_text = match.group("a")
    value = _float(a_text)
    high = _float(match.group("b")) if match.group("b") else None
    suffix = _suffix(match)
    unit = _UNITS.get(suffix.lower().lstrip("\\")) if suffix else None
    scale = _SCALES.get(suffix.lower(), 1.0) if suffix and unit is None else 1.0
    if suffix and unit is None and scale == 1.0:
        return None
    if not suffix and high is None and "." not in a_text and 1900 <= value <= 2100:
        return None  # a year
    if sign in {"-", "\u2212"}:
        value = -value
    decimals = len(match.group("a").partition(".")[2])
    return Mention(
        start, match.end(), text[start : match.end()], value, high, unit, scale, decimals
    )


def _suffix(match: re.Match[str]) -> str | None:
    groups = match.groups()
    return next((g for g in groups[-3:] if g), None)


def _float(raw: str) -> float:
    return float(raw.replace(",", ""))


def same_value(value: float, mention: Mention, decimals: int | None = None) -> bool:
    """True when `value` equals one of `mention`'s candidates up to rounding.

    The tolerance is half a unit in the last place of the coarser of the two numbers, so 74.8
    matches "74.83" and 75 matches "74.8"; signs are ignored ("-3.2%" and a drop of 3.2 agree).
    """
    places = _decimals(value) if decimals is None else decimals
    for candidate in mention.candidates():
        ratio = abs(candidate / mention.value) if mention.value else 1.0
        src_tol = 0.5 * 10 ** (-mention.decimals) * ratio
        tol = max(src_tol, 0.5 * 10 ** (-places)) * (1 + 1e-9)
        if math.isclose(abs(value), abs(candidate), abs_tol=tol):
            return True
    return False


def _decimals(value: float) -> int:
    text = repr(float(value))
    if "e" in text:
        return 0
    return len(text.partition(".")[2].rstrip("0"))


def value_in(value: float, text: str, decimals: int | None = None) -> bool:
    """True when `value` is stated in `text` (see `same_value`)."""
    return any(same_value(value, m, decimals) for m in find_numbers(text))
