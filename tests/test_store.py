from __future__ import annotations

import json
from pathlib import Path

from summarizer.store import open_output


def test_torn_last_line_is_dropped_on_resume(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    good = json.dumps({"status": "ok", "key": "a"})
    out.write_text(good + "\n" + '{"status": "ok", "key": "b", "one_li')
    output = open_output(out)
    output.close()
    assert output.done == {"a"}
    assert out.read_text() == good + "\n"


def test_error_lines_are_kept_unless_retrying(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    lines = [{"status": "ok", "key": "a"}, {"status": "error", "key": "b"}]
    out.write_text("".join(json.dumps(line) + "\n" for line in lines))
    kept = open_output(out)
    kept.close()
    assert (kept.done, kept.failed) == ({"a"}, {"b"})
    assert out.read_text().count("\n") == 2
    retry = open_output(out, retry_failed=True)
    retry.close()
    assert (retry.done, retry.failed) == ({"a"}, set())
    assert out.read_text().count("\n") == 1


def test_new_output_in_a_new_folder(tmp_path: Path) -> None:
    output = open_output(tmp_path / "deep" / "out.jsonl")
    output.close()
    assert output.done == set()
    assert (tmp_path / "deep" / "out.jsonl").exists()
