from __future__ import annotations

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from summarizer.text.numbers import find_numbers, parse_number, same_written


@pytest.mark.parametrize(
    ("text", "value", "high", "unit", "scale"),
    [
        ("74.8", 74.8, None, None, 1),
        ("3x", 3, None, "x", 1),
        ("3×", 3, None, "x", 1),
        ("4-15x", 4, 15, "x", 1),
        ("15.81×", 15.81, None, "x", 1),
        ("26%", 26, None, "%", 1),
        ("8.6 points", 8.6, None, "points", 1),
        ("14.72pp", 14.72, None, "pp", 1),
        ("4.1 trillion", 4.1, None, None, 1e12),
        ("1.3B", 1.3, None, None, 1e9),
        ("960M", 960, None, None, 1e6),
        ("+3.15%", 3.15, None, "%", 1),
        ("0.95", 0.95, None, None, 1),
        ("-2.1", -2.1, None, None, 1),
        ("\u22123.2", -3.2, None, None, 1),
        ("10\u201320%", 10, 20, "%", 1),
        ("1,000", 1000, None, None, 1),
        ("$6.00\\%$", 6.0, None, "%", 1),
        ("30 times", 30, None, "x", 1),
        ("3-fold", 3, None, "x", 1),
        ("5.42% points", 5.42, None, "pp", 1),
        ("2.06\\% points", 2.06, None, "pp", 1),
    ],
)
def test_values_are_normalised(
    text: str, value: float, high: float | None, unit: str | None, scale: float
) -> None:
    mention = parse_number(text)
    assert mention is not None
    assert (mention.value, mention.high, mention.unit, mention.scale) == (value, high, unit, scale)


@pytest.mark.parametrize(
    "text", ["NDCG@10", "Llama-3.1-70B", "GPT-4o", "in 2025", "Qwen2.5-VL-72B", "Gemma-2-2b"]
)
def test_names_and_years_are_not_values(text: str) -> None:
    assert find_numbers(text) == ()


def test_the_same_number_written_two_ways_is_the_same_written_number() -> None:
    def same(a: str, b: str) -> bool:
        x, y = parse_number(a), parse_number(b)
        assert x is not None
        assert y is not None
        return same_written(x, y)

    assert same("26%", "26 %")
    assert same("1,000", "1000")
    assert same("3x", "3 times")
    assert same("$6.00\\%$", "6.00%")
    assert not same("74.8", "74.83")
    assert not same("26", "26%")
    assert not same("5.42%", "5.42% points")


@given(
    st.floats(min_value=0.01, max_value=99999, allow_nan=False),
    st.sampled_from(["", "%", "x", " points"]),
    st.integers(min_value=0, max_value=3),
)
@example(1900.0, "%", 0)
@example(2025.0, "", 1)
def test_a_number_inserted_into_a_sentence_is_found(value: float, unit: str, places: int) -> None:
    written = f"{value:.{places}f}"
    # A bare whole number from 1900 to 2100 is read as a year (test_names_and_years_are_not_values).
    assume(unit or places or not 1900 <= float(written) <= 2100)
    sentence = f"The model reaches {written}{unit} on the benchmark."
    found = find_numbers(sentence)
    assert len(found) == 1
    assert found[0].text == written + unit
    assert found[0].value == float(written)


@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    for mention in find_numbers(text):
        assert text[mention.start : mention.end] == mention.text


@pytest.mark.parametrize(
    ("text", "written", "value", "unit"),
    [
        ("of \uff11\uff12\uff0e\uff15% on X", "\uff11\uff12\uff0e\uff15%", 12.5, "%"),
        ("of \uff11\uff12\uff0e\uff15\uff05 on X", "\uff11\uff12\uff0e\uff15\uff05", 12.5, "%"),
        ("is \u0667\u0664\u066b\u0668 points", "\u0667\u0664\u066b\u0668 points", 74.8, "points"),
        ("is \u0967\u0968 percent", "\u0967\u0968 percent", 12, "%"),
    ],
)  # fmt: skip
def test_digits_of_other_scripts_are_read_whole(
    text: str, written: str, value: float, unit: str
) -> None:
    (mention,) = find_numbers(text)
    assert (mention.text, mention.value, mention.unit) == (written, value, unit)
    assert text[mention.start : mention.end] == written


def test_a_number_too_large_for_a_float_is_no_mention() -> None:
    text = "a count of " + "9" * 400 + " and 74.8%"
    assert [m.text for m in find_numbers(text)] == ["74.8%"]
