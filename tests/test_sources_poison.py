"""The poison-pill suite for the JSON readers: every field an abstract reader looks at, given a
value of every JSON type and the values that once crashed a run (a lone surrogate, a 5,000-digit
integer, NaN, NUL). Each bad item costs its own line only: at most one problem, on its line;
the good items on either side are read; whatever is read can be written as a JSON line."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from summarizer import read

FIELDS = ["title", "authors", "abstract", "summary", "arxiv_id", "id", "digest_date",
          "digest_summary", "published", "link"]  # fmt: skip
VALUES = ["null", "true", "0", "1.5", "NaN", "-Infinity", '""', "[]", "{}", "[1]", '[{"name": 5}]',
          '"\\udfff"', '["\\ud800"]', '{"a": "\\udc80"}', "1" * 5000, '"\\u0000"',
          '"' + "x" * 300_000 + '"', '"2025-13-45"']  # fmt: skip
GOOD = '{"abstract": "We gain 9%%.", "title": "Good %s"}'


def _bad(field: str, value: str) -> str:
    rest = "" if field == "abstract" else ', "abstract": "We gain 5%."'
    return f'{{"{field}": {value}{rest}}}'


@pytest.mark.parametrize("layout", ["jsonl", "array"])
def test_every_field_and_type_costs_its_own_item_only(tmp_path: Path, layout: str) -> None:
    cases = list(itertools.product(FIELDS, VALUES))
    for number, (field, value) in enumerate(cases):
        path = tmp_path / f"case{number}.{'jsonl' if layout == 'jsonl' else 'json'}"
        lines = [GOOD % "A", _bad(field, value), GOOD % "B"]
        body = "\n".join(lines) if layout == "jsonl" else "[\n" + ",\n".join(lines) + "\n]"
        path.write_text(body + "\n", encoding="utf-8")
        reading = read([path])
        titles = [item.title for item in reading.items]
        where = f"{field}={value[:30]}"
        assert titles[0] == "Good A", where
        assert titles[-1] == "Good B", where
        errors = [p for p in reading.problems if p.severity == "error"]
        assert len(errors) + len(titles) == 3, where  # the bad one: an item or a problem
        for problem in errors:
            assert problem.location.line == 2 + (layout == "array"), where
            assert "\n" not in str(problem), where
        for item in reading.items:
            json.loads(item.model_dump_json())  # writable: no lone surrogate, no NaN
