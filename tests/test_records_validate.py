"""`validate_file`: records against the published schema, error lines, versions, broken lines."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import OUTPUTS, rules_lines, seed_rows, write_lines

from summarizer.records.validate import validate_file


def test_invalid_and_error_lines_are_told_apart(tmp_path: Path) -> None:
    lines = rules_lines(seed_rows()[:2], failing=1)
    out = write_lines(tmp_path / "out.jsonl", lines)
    record = json.loads(out.read_text().splitlines()[1])
    del record["provenance"]["usage"]
    with out.open("a") as file:
        file.write(json.dumps(record) + "\n{broken\n")
    report = validate_file(out)
    assert (report.valid, report.error_lines, len(report.invalid)) == (1, 1, 2)
    assert report.invalid[0].location.line == 3
    assert "'usage' is a required property" in report.invalid[0].message
    assert report.invalid[1].message == "not a JSON object"
    assert not report.ok


def test_lines_of_another_schema_version_are_named() -> None:
    report = validate_file(OUTPUTS / "records.v2.0.jsonl")
    assert (report.valid, report.error_lines, len(report.invalid)) == (0, 0, 4)
    assert "written by record schema 2.0, not 3.1" in report.invalid[0].message
