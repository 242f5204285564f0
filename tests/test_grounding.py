from __future__ import annotations

from grounding_check import written_in

from summarizer.grounding import ground, ground_metric, reask_message
from summarizer.schema import ExtractedMetric, Extraction
from summarizer.sentences import split_sentences

TEXT = (
    "We present a model. It reaches 74.8 on MathVista and 50.9 on Charades-STA. "
    "It is 3x faster than the baseline."
)
SENTENCES = split_sentences(TEXT)


def metric(value: float, written: str, evidence: list[int]) -> ExtractedMetric:
    return ExtractedMetric(metric="score", value=value, value_text=written, evidence=evidence)


def test_cited_sentence_states_the_value() -> None:
    result = ground_metric(metric(74.8, "74.8", [2]), SENTENCES)
    assert result.grounded
    assert result.grounding_note is None
    assert [(e.sentence, TEXT[e.start : e.end]) for e in result.evidence] == [
        (2, SENTENCES[1].text)
    ]


def test_wrong_citation_is_corrected() -> None:
    result = ground_metric(metric(3, "3x", [1]), SENTENCES)
    assert result.grounded
    assert [e.sentence for e in result.evidence] == [3]
    assert result.grounding_note == "citation corrected from [1] to [3]"


def test_invented_value_is_kept_but_not_grounded() -> None:
    result = ground_metric(metric(81.2, "81.2%", [2]), SENTENCES)
    assert not result.grounded
    assert "81.2%" in (result.grounding_note or "")
    assert [e.sentence for e in result.evidence] == [2]


def test_out_of_range_citation_is_dropped() -> None:
    result = ground_metric(metric(99.0, "99", [42]), SENTENCES)
    assert not result.grounded
    assert result.evidence == []


def test_summary_and_reask_message() -> None:
    extraction = Extraction(
        one_line_summary="s",
        objective="o",
        methods=[],
        headline_metrics=[metric(74.8, "74.8", [2]), metric(12.0, "12", [2])],
        implications=[],
    )
    grounded = ground(extraction, SENTENCES)
    assert (grounded.summary.grounded, grounded.summary.ungrounded) == (1, 1)
    assert len(grounded.problems) == 1
    assert "'score' = 12" in reask_message(grounded.problems)


def test_independent_checker_agrees_on_simple_cases() -> None:
    assert written_in(74.8, "achieves 74.8 on MathVista")
    assert written_in(0.26, "a 26% gain")
    assert written_in(4.1e12, "4.1 trillion tokens")
    assert not written_in(74.9, "achieves 74.8 on MathVista")
