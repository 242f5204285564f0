"""Extraction replayed from cassettes recorded against a real llama.cpp server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from grounding_check import grounding_violations
from jsonschema import Draft202012Validator
from recorded import ENDPOINT, extract_recorded, recorded_extractor, seed_items
from typer.testing import CliRunner

from summarizer import Extractor, Item, Record, record_json_schema
from summarizer.cli import app

DIGEST = seed_items("seed_digest")
ABSTRACTS = seed_items("seed_abstracts")
VALIDATOR = Draft202012Validator(record_json_schema())
RECORDED_WITH = json.loads(ENDPOINT.read_text())


@pytest.fixture(scope="module")
def extractor() -> Iterator[Extractor]:
    with recorded_extractor() as active:
        yield active


def check(line: object) -> Record:
    assert isinstance(line, Record), line
    VALIDATOR.validate(line.model_dump(mode="json"))
    assert grounding_violations(line) == []
    assert line.provenance.provider == RECORDED_WITH["provider"]
    assert line.provenance.usage.completion_tokens > 0
    return line


@pytest.mark.parametrize("item", DIGEST, ids=[i.arxiv_id or "" for i in DIGEST])
def test_seed_digest_row(extractor: Extractor, item: Item) -> None:
    record = check(extract_recorded(extractor, "seed_digest", item))
    assert record.source.kind == "digest"


@pytest.mark.parametrize("item", ABSTRACTS, ids=[i.arxiv_id or "" for i in ABSTRACTS])
def test_seed_abstract(extractor: Extractor, item: Item) -> None:
    record = check(extract_recorded(extractor, "seed_abstracts", item))
    assert record.source.kind == "abstract"


def test_output_file_from_cassettes_validates(extractor: Extractor, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    lines = [extract_recorded(extractor, "seed_digest", item) for item in DIGEST]
    out.write_text("".join(line.model_dump_json() + "\n" for line in lines))
    result = CliRunner().invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "20 valid record(s), 0 error line(s), 0 invalid line(s)" in result.stderr
