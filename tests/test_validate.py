from __future__ import annotations

import json
from pathlib import Path

from summarizer.validate import validate_file


def test_invalid_and_error_lines_are_told_apart(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text(
        json.dumps({"status": "ok", "key": "k"}) + "\n"
        + json.dumps({"status": "error", "key": "e"}) + "\n"
        + "{broken\n"
    )  # fmt: skip
    report = validate_file(out)
    assert (report.valid, report.error_lines, len(report.invalid)) == (0, 1, 2)
    assert report.invalid[0].location.line == 1
    assert "required property" in report.invalid[0].message
    assert report.invalid[1].message.startswith("not JSON")
    assert not report.ok
