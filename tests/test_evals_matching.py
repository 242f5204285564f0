"""The matching rule, pinned by a table, and the one-to-one assignment."""

from __future__ import annotations

import pytest

from summarizer.evals.matching import assign, matches, quantity_of

MATCH = [
    ("74.83", "74.8"),  # the coarser number has 3 significant digits: 74.83 rounds to it
    ("75", "74.8"),  # 2 significant digits: within half a unit
    ("74.8%", "74.8 %"),
    ("74.8%", "74.8 percent"),
    ("26%", "0.26"),  # a bare fraction of 1 and a percent
    ("0.265", "26.5%"),
    ("7B", "7 billion"),
    ("1.3B", "1,300M"),
    ("13.5K", "13,500"),
    ("4.1 trillion", "4.1T"),
    ("3x", "3×"),
    ("3x", "3 times"),
    ("3-fold", "3x"),
    ("2.74x", "2.74×"),
    ("8.6 points", "8.6 pts"),
    ("14.72pp", "14.72 percentage points"),
    ("5.42% points", "5.42 pp"),
    ("+3.15%", "3.15%"),  # signs are not compared
    ("-3.2%", "3.2%"),
    ("1,000", "1000"),
    ("4-15x", "4-15×"),
    ("10–20%", "10-20%"),
    ("64.09", "64.1"),
    ("100", "99.6"),
]
NO_MATCH = [
    ("3", "2.7x"),  # other unit family
    ("3", "2.7"),  # one significant digit: exact only
    ("1", "0.6"),
    ("26", "26%"),
    ("1B", "59.78%"),
    ("7B", "7"),  # another scale
    ("7B", "7.2B"),
    ("2 points", "2%"),
    ("5.42%", "5.42% points"),
    ("3x", "3%"),
    ("74.8", "74.9"),
    ("74.83", "74.86"),
    ("75", "74.4"),
    ("0.5", "52%"),  # the fraction has one significant digit
    ("26", "0.26"),  # neither is a percent
    ("4-15x", "4x"),  # a range matches only a range
    ("4-15x", "4-16x"),
    ("50", "50.9"),
    ("12%", "1.2%"),
    ("2.0", "2.4"),
]


@pytest.mark.parametrize(("a", "b"), MATCH)
def test_these_numbers_state_the_same_quantity(a: str, b: str) -> None:
    qa, qb = quantity_of(a), quantity_of(b)
    assert qa is not None
    assert qb is not None
    assert matches(qa, qb)
    assert matches(qb, qa)


@pytest.mark.parametrize(("a", "b"), NO_MATCH)
def test_these_numbers_do_not(a: str, b: str) -> None:
    qa, qb = quantity_of(a), quantity_of(b)
    assert qa is not None
    assert qb is not None
    assert not matches(qa, qb)
    assert not matches(qb, qa)


def test_the_table_is_large_enough_to_pin_the_rule() -> None:
    assert len(MATCH) + len(NO_MATCH) >= 30


def test_a_text_with_several_numbers_is_no_single_quantity() -> None:
    assert quantity_of("74.8% and 50.9") is None
    assert quantity_of("MathVista") is None


def test_each_number_is_credited_once() -> None:
    metrics = ["74.8%", "74.8%", "3x"]
    reference = ["74.8%", "3x", "3x"]
    ours = [quantity_of(t) for t in metrics]
    theirs = [quantity_of(t) for t in reference]

    def edge(i: int, j: int) -> bool:
        a, b = ours[i], theirs[j]
        return a is not None and b is not None and matches(a, b)

    pairs = assign(3, 3, edge)
    assert len(pairs) == 2  # the second 74.8% finds no second reference number
    assert len(set(pairs.values())) == len(pairs)


def test_the_assignment_is_maximal_not_greedy() -> None:
    # Metric 0 could take either reference number; metric 1 only the first. Greedy in order
    # would give metric 0 the first and leave metric 1 with nothing.
    allowed = {(0, 0), (0, 1), (1, 0)}
    pairs = assign(2, 2, lambda i, j: (i, j) in allowed)
    assert pairs == {0: 1, 1: 0}


def test_preferred_pairs_stay_together_when_the_maximum_allows() -> None:
    pairs = assign(2, 2, lambda i, j: True, prefer=lambda i, j: (i, j) in {(0, 1), (1, 0)})
    assert pairs == {0: 1, 1: 0}
