from __future__ import annotations

from pathlib import Path

import pytest
from grounding_check import grounding_violations
from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import Extractor, Item, Location, Record, Settings, SummarizerError, read
from summarizer.providers.rules import classify, extract_by_rules
from summarizer.text.numbers import find_numbers
from summarizer.text.sentences import split_sentences


@pytest.fixture(scope="module")
def records() -> dict[str, list[Record]]:
    root = Path(__file__).parent / "fixtures"
    out: dict[str, list[Record]] = {}
    with Extractor(Settings(provider="rules")) as extractor:
        for name in ("seed_digest.txt", "seed_abstracts.jsonl"):
            out[name] = [extractor.extract(item) for item in read([root / name]).items]
    return out


def test_digest_list_markers_set_roles() -> None:
    text = (
        "i) A new model. ii) The research aims to test it. iii) We train models. "
        "iv) It gets 5%. v) Use it."
    )
    roles = classify(split_sentences(text))
    assert list(roles.values()) == ["summary", "objective", "methodology", "results", "implication"]


def test_golden_seed_rows(records: dict[str, list[Record]]) -> None:
    by_id = {r.source.arxiv_id: r for r in records["seed_digest.txt"]}
    qwen = by_id["2502.13923"]
    assert [(m.value, m.benchmark) for m in qwen.headline_metrics] == [
        (74.8, "MathVista"),
        (50.9, "Charades-STA"),
    ]
    assert qwen.objective.startswith("The research aims to improve")
    rad = by_id["2502.13144"].headline_metrics[0]
    assert (rad.metric, rad.value, rad.unit) == ("collision rate", 3.0, "x")


def test_every_row_with_a_number_has_a_grounded_metric(
    records: dict[str, list[Record]],
) -> None:
    for record in records["seed_digest.txt"]:
        if find_numbers(record.source.text):
            assert record.grounding.grounded >= 1, record.source.arxiv_id
        assert record.grounding.ungrounded == 0


def test_grounded_values_are_inside_their_cited_spans(records: dict[str, list[Record]]) -> None:
    for batch in records.values():
        for record in batch:
            assert grounding_violations(record) == [], record.source.arxiv_id


def test_text_without_numbers_gives_no_metrics(fixtures: Path) -> None:
    extraction = extract_by_rules(split_sentences("We study a problem. We propose a method."))
    assert extraction.headline_metrics == []
    assert extraction.methods[0].description == "We propose a method."


def test_rules_provider_fills_provenance(records: dict[str, list[Record]]) -> None:
    record = records["seed_digest.txt"][0]
    assert (record.provenance.provider, record.provenance.model) == ("rules", "rules-v1")
    assert record.provenance.usage.prompt_tokens == 0
    assert record.source.kind == "digest"


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="iv)(.|:;,%0123456789 aAxX-\u2013*_", min_size=1, max_size=60).filter(
        str.strip
    )
)
def test_any_summary_gives_a_record_or_a_summarizer_error(text: str) -> None:
    """Fuzzed digest summaries ("i)" alone, markers and numbers) never escape the hierarchy."""
    item = Item(kind="digest", title="T", text=text, location=Location(path="d.md", line=1))
    with Extractor(Settings(provider="rules")) as extractor:
        try:
            record = extractor.extract(item)
        except SummarizerError:
            return
    Record.model_validate_json(record.model_dump_json())


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("It scores 92.1% on MATH 500 and 45 on AIME.", ["92.1%", "45"]),
        ("It reaches 87 on MATH-500, up 12 points.", ["12 points", "87"]),
        ("HumanEval 164 problems are solved at 71%.", ["71%"]),
        ("The model serves 500 requests per second.", ["500"]),  # no name before it
    ],
)
def test_a_number_ending_a_benchmark_name_is_not_a_result(text: str, values: list[str]) -> None:
    extraction = extract_by_rules(split_sentences(text))
    assert [m.value_text for m in extraction.headline_metrics] == values
