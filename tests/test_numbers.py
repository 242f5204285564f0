from __future__ import annotations

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from summarizer.numbers import find_numbers, parse_number, same_value, value_in


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


def test_percent_fraction_scale_and_rounding() -> None:
    assert value_in(0.26, "a 26% gain")
    assert value_in(26, "a 26% gain")
    assert value_in(4.1e12, "4.1 trillion tokens")
    assert value_in(74.8, "reaches 74.83")
    assert value_in(75, "reaches 74.8")
    assert value_in(3.2, "drops by -3.2 points")
    assert not value_in(50, "reaches 50.9")
    assert not value_in(74.8, "Llama-74.8B is big")


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
    assert same_value(float(written), found[0])


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
