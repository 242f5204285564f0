"""Aggregates with bootstrap intervals, and paired differences of two runs."""

from __future__ import annotations

import random
import statistics
from collections.abc import Sequence

from summarizer.evals.aggregate import Statistic, estimate, paired_difference

MEAN = Statistic("mean", "score")


def _rows(values: Sequence[float | None]) -> list[dict[str, float | None]]:
    return [{"score": v} for v in values]


def test_a_mean_carries_an_interval_around_it_and_the_same_one_every_time() -> None:
    spread = random.Random(7)
    rows = _rows([spread.random() for _ in range(40)])
    found = estimate(MEAN, rows)
    again = estimate(MEAN, rows)
    assert found is not None
    assert found == again
    assert found.low is not None
    assert found.high is not None
    assert found.low < found.value < found.high
    values = [r["score"] for r in rows if r["score"] is not None]
    assert abs(found.value - statistics.fmean(values)) < 1e-6
    # About 1.96 standard errors either side, as a bootstrap of a mean should give.
    error = statistics.stdev(values) / len(values) ** 0.5
    assert 3.0 * error < found.high - found.low < 4.8 * error


def test_cases_without_the_score_are_left_out_of_a_mean() -> None:
    found = estimate(MEAN, _rows([1.0, None, 0.0, None]))
    assert found is not None
    assert found.value == 0.5
    assert estimate(MEAN, _rows([None, None])) is None


def test_a_pooled_ratio_sums_before_it_divides() -> None:
    rows = [{"hit": 1.0, "all": 1.0}, {"hit": 0.0, "all": 3.0}]
    found = estimate(Statistic("pooled", "hit", "all"), rows)
    assert found is not None
    assert found.value == 0.25


def test_a_count_has_no_interval() -> None:
    found = estimate(Statistic("count"), _rows([0.1, 0.2, 0.3]))
    assert found is not None
    assert (found.value, found.low, found.high) == (3.0, None, None)


def test_the_same_cases_twice_differ_by_exactly_zero() -> None:
    rows = _rows([0.2, 0.9, 0.4, 0.7] * 10)
    change = paired_difference(MEAN, rows, rows)
    assert change is not None
    assert (change.value, change.low, change.high) == (0.0, 0.0, 0.0)
    assert not change.excludes_zero()


def test_a_drop_on_five_of_forty_cases_is_a_real_change_and_one_case_is_not() -> None:
    before = _rows([0.8] * 40)
    five = _rows([0.0] * 5 + [0.8] * 35)
    one = _rows([0.0] + [0.8] * 39)
    change = paired_difference(MEAN, before, five)
    assert change is not None
    assert change.excludes_zero()
    assert change.value == -0.1
    single = paired_difference(MEAN, before, one)
    assert single is not None
    assert not single.excludes_zero()


def test_pairing_removes_what_the_cases_share() -> None:
    # Cases differ a lot from each other, the two runs a little on each: unpaired intervals
    # would overlap, the paired one excludes zero.
    spread = random.Random(3)
    base = [spread.random() for _ in range(30)]
    before, after = _rows(base), _rows([v + 0.02 for v in base])
    change = paired_difference(MEAN, before, after)
    assert change is not None
    assert change.excludes_zero()
    a, b = estimate(MEAN, before), estimate(MEAN, after)
    assert a is not None
    assert b is not None
    assert a.high is not None
    assert b.low is not None
    assert b.low < a.high
