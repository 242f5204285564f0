"""Aggregates over cases, each with a 95% bootstrap interval, and paired differences of two runs.

An aggregate is a statistic of per-case scores (`Statistic`): the mean of one score over the
cases that have it, a pooled ratio of two per-case counts ("micro"), a percentile, or the count
of cases. Its interval is the 2.5th to 97.5th percentile of the statistic over `RESAMPLES`
resamples of the cases drawn with replacement, from a fixed seed: the same cases give the same
interval on every run. A paired difference resamples the cases two runs share, the same draw
for both, so what the cases have in common cancels out.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

RESAMPLES = 2000
SEED = 20261201
LEVEL = 0.95

Kind = Literal["mean", "pooled", "median", "p95", "count"]
Rows = Sequence[Mapping[str, float | None]]
_Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Statistic:
    """How one aggregate is computed from per-case scores: `mean` of score `of`; `pooled`, the
    sum of score `of` over the sum of score `over`; `median` or `p95` of score `of`; `count`
    of cases."""

    kind: Kind
    of: str = ""
    over: str = ""


@dataclass(frozen=True, slots=True)
class Estimate:
    """A value and its 95% interval (`low`, `high`); the interval is None for a count."""

    value: float
    low: float | None
    high: float | None

    def excludes_zero(self) -> bool:
        """Whether the interval lies wholly on one side of zero."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)


def _column(rows: Rows, key: str) -> _Array:
    return np.array(
        [np.nan if (v := row.get(key)) is None else float(v) for row in rows], dtype=np.float64
    )


def _compute(statistic: Statistic, rows: Rows, draws: npt.NDArray[np.intp]) -> _Array:
    """The statistic for each row of `draws` (case indices), NaN where it is undefined."""
    if statistic.kind == "count":
        return np.full(draws.shape[0], float(draws.shape[1]))
    values = _column(rows, statistic.of)[draws]
    if statistic.kind in {"median", "p95"}:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a draw of only failed cases
            q = 50.0 if statistic.kind == "median" else 95.0
            return np.asarray(np.nanpercentile(values, q, axis=1, method="nearest"))
    present = ~np.isnan(values)
    numerator = np.where(present, values, 0.0).sum(axis=1)
    if statistic.kind == "mean":
        denominator = present.sum(axis=1).astype(np.float64)
    else:
        over = _column(rows, statistic.over)[draws]
        denominator = np.where(np.isnan(over), 0.0, over).sum(axis=1)
    out = np.full(draws.shape[0], np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _draws(count: int) -> npt.NDArray[np.intp]:
    rng = np.random.default_rng(SEED)
    return rng.integers(0, count, size=(RESAMPLES, count))


def _interval(samples: _Array) -> tuple[float | None, float | None]:
    finite = samples[np.isfinite(samples)]
    if not finite.size:
        return None, None
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return round(float(low), 6), round(float(high), 6)


def estimate(statistic: Statistic, rows: Rows) -> Estimate | None:
    """The statistic over `rows`, with its interval; None when no case defines it."""
    if not rows:
        return None
    whole = _compute(statistic, rows, np.arange(len(rows))[None, :])[0]
    if not np.isfinite(whole):
        return None
    if statistic.kind == "count":
        return Estimate(float(whole), None, None)
    low, high = _interval(_compute(statistic, rows, _draws(len(rows))))
    return Estimate(round(float(whole), 6), low, high)


def paired_difference(statistic: Statistic, before: Rows, after: Rows) -> Estimate | None:
    """`after` minus `before` for cases paired by position, with a paired bootstrap interval;
    None when either side leaves the statistic undefined."""
    if not before or len(before) != len(after) or statistic.kind == "count":
        return None
    every = np.arange(len(before))[None, :]
    whole = _compute(statistic, after, every)[0] - _compute(statistic, before, every)[0]
    if not np.isfinite(whole):
        return None
    draws = _draws(len(before))
    low, high = _interval(_compute(statistic, after, draws) - _compute(statistic, before, draws))
    return Estimate(round(float(whole), 6), low, high)
