from __future__ import annotations

import pytest
from grounding_check import written_in

from summarizer.records.grounding import ground, ground_metric, stated_number
from summarizer.records.schema import ExtractedMetric, Extraction, Metric
from summarizer.text.sentences import split_sentences

TEXT = (
    "We present a model. It reaches 74.8 on MathVista and 50.9 on Charades-STA. "
    "It is 3x faster than the baseline."
)
SENTENCES = split_sentences(TEXT)


def metric(written: str, evidence: list[int]) -> ExtractedMetric:
    return ExtractedMetric(metric="score", value_text=written, evidence=evidence)


def test_cited_sentence_states_the_value() -> None:
    result = ground_metric(metric("74.8", [2]), SENTENCES)
    assert result.grounded
    assert (result.value, result.unit) == (74.8, None)
    assert result.grounding_note is None
    assert [(e.sentence, TEXT[e.start : e.end]) for e in result.evidence] == [
        (2, SENTENCES[1].text)
    ]


def test_value_and_unit_come_from_the_text_as_written() -> None:
    result = ground_metric(metric("3x", [3]), SENTENCES)
    assert (result.value, result.unit, result.grounded) == (3.0, "x", True)
    scaled = ground_metric(
        metric("4.1 trillion", [1]), split_sentences("It saw 4.1 trillion tokens.")
    )
    assert (scaled.value, scaled.unit, scaled.grounded) == (4.1, "trillion", True)


def test_wrong_citation_is_corrected() -> None:
    result = ground_metric(metric("3x", [1]), SENTENCES)
    assert result.grounded
    assert [e.sentence for e in result.evidence] == [3]
    assert result.grounding_note == "citation corrected from [1] to [3]"


def test_invented_value_is_kept_but_not_grounded() -> None:
    result = ground_metric(metric("81.2%", [2]), SENTENCES)
    assert not result.grounded
    assert "81.2%" in (result.grounding_note or "")
    assert [e.sentence for e in result.evidence] == [2]


def test_no_rounding_between_a_value_and_the_text() -> None:
    assert not ground_metric(metric("75", [2]), SENTENCES).grounded
    assert not ground_metric(metric("74.80", [2]), SENTENCES).grounded


@pytest.mark.parametrize(
    ("value_text", "text"),
    [
        # 2502.13766 and 2507.17512: invented 0.8/0.85/0.9 once matched a "(1)" after rounding.
        ("0.8", "We study two settings: (1) offline and (2) online evaluation."),
        ("0.85", "Our method has three parts: (1) a planner, (2) a critic, (3) a memory."),
        ("0.9", "As shown in [1], agents fail; we fix this (see Section 1)."),
        ("1", "Our contributions are: 1) a dataset and 2) a benchmark."),
    ],
)
def test_list_markers_and_citations_ground_nothing(value_text: str, text: str) -> None:
    sentences = split_sentences(text)
    result = ground_metric(metric(value_text, [1]), sentences)
    assert not result.grounded


@pytest.mark.parametrize(
    "value_text", ["significantly reduces crawling waste", "Strong biases toward Western cultures"]
)
def test_a_phrase_without_a_number_is_never_grounded(value_text: str) -> None:
    sentences = split_sentences("The crawler reduces waste by 26% and shows strong biases.")
    result = ground_metric(metric(value_text, [1]), sentences)
    assert (result.grounded, result.value) == (False, None)
    assert "does not state exactly one number" in (result.grounding_note or "")


def test_formatting_differences_still_ground() -> None:
    sentences = split_sentences(
        "Accuracy rises by 26 % on 1,000 questions and by $6.00\\%$ on MATH."
    )
    assert ground_metric(metric("26%", [1]), sentences).grounded
    assert ground_metric(metric("1000", [1]), sentences).grounded
    assert ground_metric(metric("6.00%", [1]), sentences).grounded


def test_model_versions_are_not_values() -> None:
    sentences = split_sentences("Claude 3.5 Sonnet scores 61% while GPT-4o scores 55%.")
    assert not ground_metric(metric("3.5", [1]), sentences).grounded
    assert ground_metric(metric("61%", [1]), sentences).grounded


def test_stated_number_needs_exactly_one_finite_number() -> None:
    assert stated_number("26%") is not None
    assert stated_number("26% and 30%") is None
    assert stated_number("no number") is None


def test_summary_and_problems() -> None:
    extraction = Extraction(headline_metrics=[metric("74.8", [2]), metric("12", [2])])
    grounded = ground(extraction, SENTENCES)
    assert (grounded.summary.grounded, grounded.summary.ungrounded) == (1, 1)
    assert grounded.problems == ["'score' = 12: '12' is not written in the source text"]


def test_independent_checker_is_strict() -> None:
    assert written_in("74.8", "achieves 74.8 on MathVista")
    assert written_in("26%", "a 26 % gain")
    assert written_in("1,000", "on 1000 questions")
    assert not written_in("74.9", "achieves 74.8 on MathVista")
    assert not written_in("75", "achieves 74.8 on MathVista")
    assert not written_in("26%", "26 runs")
    assert not written_in("1", "two parts: (1) a planner")
    assert not written_in("4", "GPT-4 is strong")
    assert not written_in("significant", "a significant gain")


def test_a_repeated_number_is_kept_once() -> None:
    extraction = Extraction(headline_metrics=[metric("3x", [3]), metric("3x", [3])])
    assert len(ground(extraction, SENTENCES).metrics) == 1


def _labelled(text: str, **labels: str | None) -> Metric:
    metric = ExtractedMetric(metric="score", value_text=labels.pop("value"), evidence=[1], **labels)
    return ground(Extraction(headline_metrics=[metric]), split_sentences(text)).metrics[0]


def test_a_grounded_metrics_benchmark_and_subject_are_the_sentences() -> None:
    text = "Thanos-7B reaches 74.8% on MATH-500 and beats Llama 3 on MathVista testmini."
    invented = _labelled(text, value="74.8%", benchmark="MMLU", subject="GPT-4")
    assert (invented.benchmark, invented.subject, invented.unstated_labels) == (
        "MATH-500",
        "Thanos-7B",
        [],
    )


def test_other_labels_are_written_as_the_source_writes_them_or_named_unstated() -> None:
    text = "Thanos-7B reaches 74.8% on MATH-500 and beats Llama 3 on MathVista testmini."
    snapped = _labelled(text, value="74.8%", comparison="Llama 3 models")
    assert (snapped.comparison, snapped.unstated_labels) == ("Llama 3", [])
    # An ungrounded metric keeps the model's labels, checked like any others.
    made_up = _labelled(text, value="99%", benchmark="math 500", subject="GPT-4")
    assert (made_up.benchmark, made_up.unstated_labels) == ("MATH-500", ["subject"])
    # "model" inside "models" is not stated: a label starts and ends on the source's word ends.
    plural = _labelled("Our models reach 74.8% on MATH-500.", value="74.8%", comparison="model")
    assert plural.unstated_labels == ["comparison"]


def test_a_vague_subject_or_a_sizes_benchmark_falls_back_on_the_sentence() -> None:
    text = "The 8B Qwen3 model reaches 90.2% on MATH-500."
    size = _labelled(text, value="8B", benchmark="MATH-500", subject="model")
    assert (size.benchmark, size.subject) == (None, "Qwen3")
