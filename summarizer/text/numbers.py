"""Find numeric mentions in text and normalise them, so values can be compared across wordings.

"26%", "0.26", "3x", "3×", "30 times", "3-fold", "4-15x", "8.6 points", "14.72pp", "5.42% points",
"4.1 trillion", "1.3B", "+3.15%" and "−2.1" are values. These are not: the digits inside names
("NDCG@10", "Llama-3.1-70B", "GPT-4o", "Qwen2.5"), model versions written apart ("Claude 3.5
Sonnet", "Llama 3"), bare years ("2025"), list markers and citations ("(1)", "2)", "[12, 13]"), and
references to parts of a paper ("Section 3.2", "Table 4", "Eq. 2"). Digits in other scripts
("１２．５%", "٧٤٫٨") are read as their ASCII equivalents, whole, never in part; a number too large
for a float is no mention at all.

Two mentions state the same number when they agree as written, up to formatting: `same_written`
("26%" and "26 %", "1,000" and "1000", "3x" and "3 times"). Scoring compares numbers by its own
written rule, `summarizer.evals.matching`.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
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
    "times": "x",
    "fold": "x",
    "pp": "pp",
    # "5.42% points": percentage points written with the percent sign.
    "% points": "pp",
    "% point": "pp",
    "percentage points": "pp",
    "percentage point": "pp",
    "points": "points",
    "point": "points",
    "pts": "points",
}
_NUM = r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?"
_SUFFIX = (
    r"(?:\s?(\\?%\s(?:points?)\b|\\?%|×)|\s?(x|pp|pts|[KMBT]|k)(?![\w-])"
    r"|(?:\s|-(?=fold))(percentage points?|percent|per cent|points?|thousand|million|billion"
    r"|trillion|times|fold)\b)?"
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
# Bare numbers after these words point at a part of the paper or a version, not a value.
_POINTER_BEFORE = re.compile(
    r"\b(?:sections?|sec|tables?|tab|figures?|figs?|eqs?|equations?|appendix|chapters?|steps?|"
    r"stages?|phases?|versions?|v|theorems?|lemmas?|algorithms?|lines?|rounds?|levels?|"
    r"claude|llama|gemini|gpt|qwen|mistral|phi|gemma|deepseek(?:-v)?|mixtral|falcon|vicuna|"
    r"grok|kimi|yi|olmo|pythia|internvl|glm|chatglm|stable diffusion|sd|sdxl|ernie|minicpm|"
    r"baichuan|orion|jamba|sonnet|opus|haiku|flash|pro)\.?\s$",
    re.IGNORECASE,
)
# "Claude 3.5 Sonnet", "Gemini 2.0 Flash": a capitalised word on both sides of a bare number.
_CAPITAL_BEFORE = re.compile(r"\b[A-Z][A-Za-z]+\s$")
_CAPITAL_AFTER = re.compile(r"\s[A-Z][a-z]")
# Decimal and thousands separators written outside ASCII: full-width, and Arabic.
_FOREIGN_DIGIT = re.compile(r"(?![0-9])\d")
_SEPARATORS = {"\uff0e": ".", "\u066b": ".", "\uff0c": ",", "\u066c": ","}
# "[12]", "[3, 4]", "[7-9]": the inside of a citation bracket.
_CITATION_INSIDE = re.compile(r"[\d,\s\-\u2013]*")


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


@lru_cache(maxsize=8192)
def find_numbers(text: str) -> tuple[Mention, ...]:
    """Every numeric value mentioned in `text`, in order; never raises.

    Cached: classification, grounding and scoring ask about the same sentences repeatedly.
    """
    # The character-by-character rewrite runs only for text that holds a non-ASCII digit.
    plain = _ascii_digits(text) if _FOREIGN_DIGIT.search(text) else text
    mentions = []
    for match in _MENTION.finditer(plain):
        mention = _to_mention(plain, match)
        if mention is None or not _finite(mention):
            continue  # a 400-digit number is no value a record can hold
        if plain is not text:
            mention = replace(mention, text=text[mention.start : mention.end])
        mentions.append(mention)
    return tuple(mentions)


def _finite(mention: Mention) -> bool:
    ends = (mention.value, mention.high if mention.high is not None else 0.0)
    return all(math.isfinite(v * mention.scale) for v in ends)


def _ascii_digits(text: str) -> str:
    """`text` with every decimal digit written in ASCII ("１２" and "١٢" -> "12"), and a full-width
    or Arabic decimal separator between digits as ".": one character for one, so offsets hold."""
    chars = [str(unicodedata.decimal(c)) if c.isdecimal() and not c.isascii() else c for c in text]
    for at in range(1, len(chars) - 1):
        if chars[at] in _SEPARATORS and chars[at - 1].isdigit() and chars[at + 1].isdigit():
            chars[at] = _SEPARATORS[chars[at]]
    return "".join(chars).replace("\uff05", "%")


def parse_number(text: str) -> Mention | None:
    """Normalise a single value as written ("74.8", "3x", "26%"), or None if it holds none."""
    found = find_numbers(text.strip())
    return found[0] if found else None


def _to_mention(text: str, match: re.Match[str]) -> Mention | None:
    start = match.start()
    if _NAME_BEFORE.search(text, max(0, start - 2), start) and not match.group("sign"):
        return None
    suffix = _suffix(match)
    after = text[match.end() : match.end() + 1]
    if after and (after.isalpha() or after == "@") and not suffix:
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
    unit = _UNITS.get(" ".join(suffix.lower().lstrip("\\").split())) if suffix else None
    scale = _SCALES.get(suffix.lower(), 1.0) if suffix and unit is None else 1.0
    if suffix and unit is None and scale == 1.0:
        return None
    if not suffix and high is None and "." not in a_text and 1900 <= value <= 2100:
        return None  # a year
    if not suffix and not sign and _not_a_value(text, start, match.end(), "." in a_text):
        return None
    if sign in {"-", "\u2212"}:
        value = -value
    decimals = len(match.group("a").partition(".")[2])
    return Mention(
        start, match.end(), text[start : match.end()], value, high, unit, scale, decimals
    )


_SUFFIX_GROUPS = tuple(range(_MENTION.groups - 2, _MENTION.groups + 1))


def _not_a_value(text: str, start: int, end: int, decimal: bool) -> bool:
    """A bare number that is a list marker, citation, pointer into the paper or model version."""
    before = text[max(0, start - 24) : start]
    if _POINTER_BEFORE.search(before):
        return True
    if _CAPITAL_BEFORE.search(before) and _CAPITAL_AFTER.match(text, end):
        return True
    if decimal:
        return False
    opener, closer = before[-1:], text[end : end + 1]
    if opener and closer and opener in "([" and closer in ")]":
        return True  # "(1)", "[12]"
    if closer == ")" and (not before.strip() or before[-1].isspace()):
        return True  # "2) the second point"
    return _in_citation(text, start, end)


def _in_citation(text: str, start: int, end: int) -> bool:
    opening = text.rfind("[", max(0, start - 24), start)
    if opening < 0 or not _CITATION_INSIDE.fullmatch(text, opening + 1, start):
        return False
    closing = _CITATION_INSIDE.match(text, end)
    stop = closing.end() if closing else end
    return text[stop : stop + 1] == "]"


def _suffix(match: re.Match[str]) -> str | None:
    # The unit is in one of the pattern's last three groups.
    return next((g for g in match.group(*_SUFFIX_GROUPS) if g), None)


def _float(raw: str) -> float:
    return float(raw.replace(",", ""))


def written_form(mention: Mention) -> str:
    """The mention as written, without TeX escapes or doubled spaces ("6.00\\%" -> "6.00%")."""
    return " ".join(mention.text.replace("\\", "").split())


def same_written(a: Mention, b: Mention) -> bool:
    """True when `a` and `b` write the same number, up to formatting only ("26%"/"26 %",
    "1,000"/"1000", "3x"/"3×"); no rounding, so "74.8" and "74.83" differ."""
    # Value, decimals, range end, unit and scale, compared field by field (no tuple built):
    # grounding asks this for every number of every cited sentence, and most differ in value.
    return (
        a.value == b.value
        and a.decimals == b.decimals
        and a.high == b.high
        and a.unit == b.unit
        and a.scale == b.scale
    )
