"""Report folders and the comparison of two reports."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.evals.aggregate import Estimate
from summarizer.evals.report import verdict

DATASETS = Path(__file__).resolve().parent.parent / "evals" / "datasets"
runner = CliRunner()


def test_compare_prints_deltas(tmp_path: Path) -> None:
    for dataset in ("seed_digest", "seed_abstracts"):
        runner.invoke(app, ["eval", dataset, "--provider", "rules", "--out", str(tmp_path)])
    result = runner.invoke(
        app,
        ["eval", "compare", str(tmp_path / "seed_digest.rules"),
         str(tmp_path / "seed_abstracts.rules")],
    )  # fmt: skip
    assert result.exit_code == 0
    assert "metric_recall" in result.stdout
    assert "worse" in result.stdout
    assert "cases that changed most" in result.stdout


def test_runs_do_not_overwrite_each_others_reports(tmp_path: Path) -> None:
    predictions = tmp_path / "rules.jsonl"
    runner.invoke(
        app, ["extract", str(DATASETS / "seed_digest.md"), "--provider", "rules",
              "-o", str(predictions)],
    )  # fmt: skip
    out = ["--out", str(tmp_path / "reports")]
    first = runner.invoke(app, ["eval", "seed_digest", "--provider", "rules", *out])
    second = runner.invoke(app, ["eval", "seed_digest", "--predictions", str(predictions), *out])
    again = runner.invoke(app, ["eval", "seed_digest", "--provider", "rules", *out])
    assert first.exit_code == second.exit_code == again.exit_code == 0
    folders = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert folders == ["seed_digest.rules", "seed_digest.rules.2"]
    assert "replaced the earlier report of the same run" in again.stderr
    kept = json.loads((tmp_path / "reports" / "seed_digest.rules.2" / "report.json").read_text())
    assert kept["predictions"] == str(predictions.resolve())


def test_compare_of_a_missing_report_is_one_clear_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["eval", "compare", str(tmp_path / "nope.rules"), str(tmp_path / "nope.local")]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no report at")
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_verdict_needs_an_interval_that_excludes_zero() -> None:
    assert verdict("metric_recall", Estimate(-0.05, -0.09, -0.01), 0.75) == "worse"
    assert verdict("metric_recall", Estimate(0.05, 0.01, 0.09), 0.75) == "better"
    assert verdict("metric_recall", Estimate(-0.05, -0.12, 0.02), 0.75) == ""
    assert verdict("ungrounded", Estimate(0.3, 0.1, 0.5), 0.2) == "worse"
    # A cost change that is real but within 5% of the old value is noise.
    assert verdict("prompt_tokens", Estimate(30.0, 10.0, 50.0), 1000.0) == ""
    assert verdict("prompt_tokens", Estimate(200.0, 150.0, 250.0), 1000.0) == "worse"


def test_compare_pairs_cases_by_id_and_names_a_missing_one(tmp_path: Path) -> None:
    runner.invoke(app, ["eval", "pairs_dev40", "--provider", "rules", "--out", str(tmp_path)])
    folder = tmp_path / "pairs_dev40.rules"
    report = json.loads((folder / "report.json").read_text())
    gone = report["cases"].pop(0)["id"]
    fewer = tmp_path / "fewer"
    fewer.mkdir()
    (fewer / "report.json").write_text(json.dumps(report))
    result = runner.invoke(app, ["eval", "compare", str(folder), str(fewer)])
    assert result.exit_code == 0, result.stderr
    assert "paired on 39 case(s) by id" in result.stdout
    assert f"only in A (not compared): {gone}" in result.stdout
    # The same records on the shared cases: every difference is exactly zero, none a verdict.
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("metric_f1 ")]
    assert rows == [["metric_f1", rows[0][1], rows[0][1], "+0.000", "[0.000,", "0.000]"]]
    assert "better" not in result.stdout.split("better/worse:")[0]
    assert "worse" not in result.stdout.split("better/worse:")[0]


def test_every_aggregate_carries_an_interval_and_counts_print_whole(tmp_path: Path) -> None:
    runner.invoke(app, ["eval", "seed_digest", "--provider", "rules", "--out", str(tmp_path)])
    folder = tmp_path / "seed_digest.rules"
    report = json.loads((folder / "report.json").read_text())
    assert set(report["intervals"]) == set(report["aggregates"]) - {"cases"}
    for name, (low, high) in report["intervals"].items():
        assert low <= report["aggregates"][name] + 1e-9, name
        assert report["aggregates"][name] <= high + 1e-9, name
    page = (folder / "report.html").read_text()
    assert "<td>cases</td><td>20</td>" in page
    markdown = (folder / "report.md").read_text()
    # The checks lead, then the groups a reader decides on, in order.
    order = [markdown.index(h) for h in ("## Checks", "## Numbers", "## Labels", "## Prose",
                                         "## Cost", "## Run")]  # fmt: skip
    assert order == sorted(order)


def test_a_report_that_cannot_be_written_is_one_line_and_keeps_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    under_a_file = tmp_path / "file"
    under_a_file.write_text("x")
    result = runner.invoke(
        app, ["eval", "seed_digest", "--provider", "rules", "--out", str(under_a_file / "r")]
    )
    assert result.exit_code == 2
    assert "cannot write the report (Not a directory); choose another --out" in result.stderr
    assert "Traceback" not in result.stderr
    # A full disk: the earlier report stays whole, no temporary file is left.
    out = ["--out", str(tmp_path / "reports")]
    assert runner.invoke(app, ["eval", "seed_digest", "--provider", "rules", *out]).exit_code == 0
    folder = tmp_path / "reports" / "seed_digest.rules"
    before = (folder / "report.json").read_text()

    def full(self: Path, *args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    again = runner.invoke(app, ["eval", "seed_digest", "--provider", "rules", *out])
    monkeypatch.undo()
    assert again.exit_code == 2
    assert "cannot write the report (No space left on device)" in again.stderr
    assert (folder / "report.json").read_text() == before
    assert sorted(p.name for p in folder.iterdir()) == ["report.html", "report.json", "report.md"]


def test_a_folder_given_as_predictions_or_to_validate_is_one_line(tmp_path: Path) -> None:
    for args in (["eval", "seed_digest", "--predictions", str(tmp_path)],
                 ["validate", str(tmp_path)]):  # fmt: skip
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        assert f"{tmp_path}: is a folder" in result.stderr
    missing = runner.invoke(app, ["validate", str(tmp_path / "none.jsonl")])
    assert (missing.exit_code, "no such file" in missing.stderr) == (2, True)
