"""The names a sentence gives one of its numbers, read by rule."""

from __future__ import annotations

from summarizer.labels import benchmark_of, comparison_of, is_size, subject_of
from summarizer.numbers import Mention, find_numbers


def _number(text: str, written: str) -> Mention:
    return next(m for m in find_numbers(text) if m.text == written)


def test_a_size_has_no_benchmark_and_its_subject_follows_it() -> None:
    text = "Our 8B Qwen3 model scores 90.2% on MATH-500."
    size, score = _number(text, "8B"), _number(text, "90.2%")
    assert is_size(size)
    assert not is_size(score)
    assert benchmark_of(text, size) is None
    assert subject_of(text, size) == "Qwen3"
    assert benchmark_of(text, score) == "MATH-500"


def test_a_benchmark_list_is_not_a_subject() -> None:
    text = "Qwen2-VL-7B's accuracy on VQAv2, DocVQA, and MathVista drops to 50% under noise."
    assert subject_of(text, _number(text, "50%")) == "Qwen2-VL-7B"


def test_a_comparison_stops_before_a_number() -> None:
    gains = "It outperforms full datasets by 5.42% points and wins over 22.1% of games."
    assert comparison_of(gains, _number(gains, "5.42% points")) == "full datasets"
    over = "It achieves over 22.1% win rate improvements."
    assert comparison_of(over, _number(over, "22.1%")) is None
