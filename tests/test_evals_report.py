"""Report folders and the comparison of two reports."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.evals.report import is_worse

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


def test_compare_ignores_noise_in_operational_costs() -> None:
    assert not is_worse("latency_p50_s", 40.0, 40.001)
    assert not is_worse("prompt_tokens", 1000.0, 1030.0)
    assert is_worse("prompt_tokens", 1000.0, 1200.0)
    assert not is_worse("metric_recall", 0.75, 0.7498)
    assert is_worse("metric_recall", 0.75, 0.70)
    assert is_worse("hallucinated_numbers", 0.2, 0.5)
