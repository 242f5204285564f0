"""The published schema and the rendered prompt are snapshots: a change shows up in review."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from summarizer import read
from summarizer.extractor import build_request
from summarizer.prompt import load_prompt
from summarizer.records.schema import Metric, answer_model, record_json_schema, render_json_schema

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SUMMARIZE_UPDATE_SNAPSHOTS") == "1"


def check_snapshot(name: str, text: str) -> None:
    path = SNAPSHOTS / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} changed; if intended, rerun with SUMMARIZE_UPDATE_SNAPSHOTS=1 "
        "and re-record the cassettes"
    )


def test_record_schema_is_valid_draft_2020_12() -> None:
    schema = record_json_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_record_schema_snapshot() -> None:
    check_snapshot("record.schema.json", render_json_schema())


def test_rendered_prompt_snapshot(fixtures: Path) -> None:
    item = read([fixtures / "seed_digest.txt"]).items[0]
    messages = build_request(item, load_prompt()).messages
    rendered = "".join(f"--- {m['role']} ---\n{m['content']}\n" for m in messages)
    check_snapshot("prompt.extract.v3.txt", rendered)


def test_answer_model_offers_only_the_given_values_and_sentences() -> None:
    answer = answer_model(("26%", "3x"), 4)
    schema = answer.model_json_schema()
    metric = schema["properties"]["headline_metrics"]["items"]["properties"]
    assert metric["value_text"]["enum"] == ["26%", "3x"]
    assert metric["evidence"]["items"]["enum"] == [1, 2, 3, 4]
    assert schema["properties"]["headline_metrics"]["maxItems"] == 2
    good = {"metric": "m", "value_text": "26%", "benchmark": None, "subject": None, "evidence": [2]}
    prose = {"one_line_summary": "s", "objective": "o", "methods": [], "implications": []}
    answer.model_validate({**prose, "headline_metrics": [good]})
    for bad in ({**good, "value_text": "27%"}, {**good, "evidence": [5]}):
        with pytest.raises(ValidationError):
            answer.model_validate({**prose, "headline_metrics": [bad]})


def test_no_numbers_means_no_metrics() -> None:
    answer = answer_model((), 3)
    assert answer.model_json_schema()["properties"]["headline_metrics"]["maxItems"] == 0
    metric = {"metric": "m", "value_text": "26%", "evidence": [1]}
    prose = {"one_line_summary": "s", "objective": "o", "methods": [], "implications": []}
    with pytest.raises(ValidationError):
        answer.model_validate({**prose, "headline_metrics": [metric]})


def test_metrics_only_asks_for_metrics_alone() -> None:
    schema = answer_model(("26%",), 2, metrics_only=True).model_json_schema()
    assert list(schema["properties"]) == ["headline_metrics"]


def test_long_text_is_clipped_not_refused_and_has_no_grammar_length() -> None:
    answer = answer_model((), 1)
    long = "word " * 200
    parsed = answer.model_validate(
        {
            "headline_metrics": [],
            "one_line_summary": long,
            "objective": "o",
            "methods": [],
            "implications": [],
        }
    )
    summary = parsed.model_dump()["one_line_summary"]
    assert len(summary) <= 400
    assert summary.endswith("\u2026")
    assert "maxLength" not in str(answer.model_json_schema())
    with pytest.raises(ValidationError):
        answer.model_validate(
            {
                "headline_metrics": [],
                "one_line_summary": " ",
                "objective": "o",
                "methods": [],
                "implications": [],
            }
        )


def test_at_least_asks_for_the_likely_results() -> None:
    schema = answer_model(("26%", "3x", "7B"), 3, at_least=2).model_json_schema()
    assert schema["properties"]["headline_metrics"]["minItems"] == 2
    none = answer_model((), 3, at_least=2).model_json_schema()
    assert none["properties"]["headline_metrics"].get("minItems", 0) == 0


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_metric_never_holds_a_non_finite_value(value: float) -> None:
    """JSON has no Infinity: such a value would be written as null in a record marked ok."""
    with pytest.raises(ValidationError, match="finite"):
        Metric(metric="m", value=value, value_text="Infinity", evidence=[], grounded=False)


def test_a_method_left_blank_is_dropped_not_refused() -> None:
    """A blank second method cost one paper in 40 its record after three identical answers."""
    answer = answer_model(("26%",), 3)
    parsed = answer.model_validate(
        {
            "one_line_summary": "A model.",
            "objective": "To test.",
            "methods": [
                {"name": "M", "description": "What M does."},
                {"name": "N", "description": " "},
            ],
            "implications": ["Use it."],
            "headline_metrics": [],
        }
    )
    assert [m["name"] for m in parsed.model_dump()["methods"]] == ["M"]


@pytest.mark.parametrize("written", ["", "  ", "null", "None", "N/A", "-"])
def test_an_optional_label_written_as_nothing_is_null(written: str) -> None:
    """A blank benchmark cost three identical answers; "null" as a string is no benchmark."""
    answer = answer_model(("26%",), 3)
    metric = {"metric": "m", "value_text": "26%", "benchmark": written, "subject": "S"}
    prose = {"one_line_summary": "s", "objective": "o", "methods": [], "implications": []}
    parsed = answer.model_validate({**prose, "headline_metrics": [{**metric, "evidence": [1]}]})
    labels = parsed.model_dump()["headline_metrics"][0]
    assert labels["benchmark"] is None
    assert labels["subject"] == "S"


def test_the_answer_asks_for_one_method() -> None:
    schema = answer_model(("26%",), 3).model_json_schema()
    assert schema["properties"]["methods"]["maxItems"] == 1
