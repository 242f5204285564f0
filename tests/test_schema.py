"""The published schema and the rendered prompt are snapshots: a change shows up in review."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from pydantic import ValidationError

from summarizer import read
from summarizer.prompt import load_prompt
from summarizer.schema import Extraction, record_json_schema, render_json_schema
from summarizer.sentences import split_sentences

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
    messages = load_prompt().messages(item, split_sentences(item.text))
    rendered = "".join(f"--- {m['role']} ---\n{m['content']}\n" for m in messages)
    check_snapshot("prompt.extract.v1.txt", rendered)


def test_extraction_bounds_lists_and_strings() -> None:
    base = {
        "one_line_summary": "x",
        "objective": "y",
        "methods": [],
        "headline_metrics": [],
        "implications": [],
    }
    Extraction.model_validate(base)
    with pytest.raises(ValidationError):
        Extraction.model_validate({**base, "implications": ["a"] * 4})
    with pytest.raises(ValidationError):
        Extraction.model_validate({**base, "objective": "y" * 401})
