"""The one rule by which the harness decides that two written numbers state the same quantity.

Every score that compares numbers uses it: recall, precision and F1 against a reference,
label agreement, the digest's numbers, and the checks that a number is stated in the source.
Two numbers match when all of these hold:

- **Same unit family**: percent (`%`, "percent"); times (`x`, `×`); points (`points`, `pp`,
  "percentage points"); or plain. `26` is not `26%`, `3` is not `3x`, `2 points` is not `2%`.
  The one crossing allowed: a bare fraction of 1 written with a decimal point and a percent
  (`0.26` ↔ `26%`, `0.265` ↔ `26.5%`).
- **Same scale**: values are compared as magnitudes, so `7B` = `7 billion` = `7,000M`, and
  `7B` is never `7`.
- **Equal at the coarser written precision of the two**, when that coarser number has at least
  two significant digits: `74.83` ↔ `74.8` and `75` ↔ `74.8` (within half a unit of its last
  digit); **exactly** otherwise: `1` ≠ `0.6`, `3` ≠ `2.7`, `7B` ≠ `7.2B`.
- Signs are not compared (`-3.2%` and "a drop of 3.2%" agree); a range matches only a range
  whose both ends match.

Matches between two lists are one-to-one (`assign`): each reference number is credited to at
most one metric and each metric to at most one number.

Grounding (`summarizer.records.grounding`) asks a stricter question, whether the source *writes* the
metric's number up to formatting only (`numbers.same_written`); this rule is for scoring.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from summarizer.records.grounding import stated_number
from summarizer.text.numbers import Mention, find_numbers

_FAMILY = {"%": "%", "x": "x", "pp": "points", "points": "points", None: ""}
_DIGITS = re.compile(r"\d[\d,]*(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A written number as the rule compares it: unit family, magnitudes, written precision."""

    text: str
    family: str
    low: float
    high: float | None
    # 10**place is the written precision of the magnitude ("74.8" -> -1, "7B" -> 9).
    place: int
    # Significant digits of each end as written ("74.8" -> 3, "0.05" -> 1, "7B" -> 1).
    digits: tuple[int, ...]
    # A bare number written with a decimal point, at most 1 in size: may be a share.
    fraction: bool


def quantity(mention: Mention) -> Quantity:
    """The quantity `mention` writes."""
    ends = _DIGITS.findall(mention.text)[: 2 if mention.high is not None else 1]
    digits = tuple(len(e.replace(",", "").replace(".", "").lstrip("0")) for e in ends)
    shift = round(math.log10(mention.scale))
    low = abs(mention.value) * mention.scale
    high = abs(mention.high) * mention.scale if mention.high is not None else None
    family = _FAMILY.get(mention.unit, "")
    fraction = (
        family == "" and mention.scale == 1 and mention.decimals > 0 and low <= 1 and high is None
    )
    return Quantity(
        mention.text, family, low, high, shift - mention.decimals, digits or (0,), fraction
    )


def quantity_of(text: str) -> Quantity | None:
    """The quantity `text` writes when it writes exactly one number ("74.8%", "3x", "7B")."""
    mention = stated_number(text)
    return quantity(mention) if mention is not None else None


def quantities(text: str) -> list[Quantity]:
    """Every quantity written in `text`, in order."""
    return [quantity(m) for m in find_numbers(text)]


def _as_percent(q: Quantity) -> Quantity:
    return Quantity(q.text, "%", q.low * 100, None, q.place + 2, q.digits, fraction=False)


def matches(a: Quantity, b: Quantity) -> bool:
    """Whether `a` and `b` state the same quantity (see module docstring)."""
    if a.family != b.family:
        if a.fraction and b.family == "%":
            a = _as_percent(a)
        elif b.fraction and a.family == "%":
            b = _as_percent(b)
        else:
            return False
    if (a.high is None) != (b.high is None):
        return False
    coarse = a if a.place >= b.place else b
    pairs = [(a.low, b.low)]
    if a.high is not None and b.high is not None:
        pairs.append((a.high, b.high))
    for end, (x, y) in enumerate(pairs):
        if coarse.digits[min(end, len(coarse.digits) - 1)] >= 2:
            tolerance = 0.5 * 10.0**coarse.place * (1 + 1e-9)
        else:
            tolerance = 1e-9 * max(x, y, 1.0)
        if abs(x - y) > tolerance:
            return False
    return True


def stated(q: Quantity, text_quantities: Sequence[Quantity]) -> bool:
    """Whether one of `text_quantities` matches `q`."""
    return any(matches(q, other) for other in text_quantities)


def assign(
    left: int,
    right: int,
    edge: Callable[[int, int], bool],
    prefer: Callable[[int, int], bool] | None = None,
) -> dict[int, int]:
    """A one-to-one assignment of as many of `left` items to `right` items as `edge` allows
    (a maximum bipartite matching), as `{left_index: right_index}`.

    `prefer` marks the edges to use first: the matching is grown from them, so a pair both
    prefer stays together whenever the maximum allows it. Deterministic: items are taken in
    order.
    """
    edges = [[j for j in range(right) if edge(i, j)] for i in range(left)]
    owner: dict[int, int] = {}  # right index -> left index

    def grow(i: int, allowed: list[list[int]], seen: set[int]) -> bool:
        for j in allowed[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or grow(owner[j], allowed, seen):
                owner[j] = i
                return True
        return False

    rounds = [edges]
    if prefer is not None:
        rounds.insert(0, [[j for j in row if prefer(i, j)] for i, row in enumerate(edges)])
    for allowed in rounds:
        for i in range(left):
            if i not in owner.values():
                grow(i, allowed, set())
    return {i: j for j, i in owner.items()}
