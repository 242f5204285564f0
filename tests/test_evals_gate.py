"""The regression gate: committed baselines hold, a degraded run fails naming the metric."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grounding_check import grounding_violations
from recorded import extract_recorded, recorded_extractor, seed_items
from typer.testing import CliRunner

from summarizer.cli import app
from summarizer.evals.gate import Baseline, regressions
from summarizer.evals.run import evaluate

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "evals" / "datasets"
BASELINES = ROOT / "evals" / "baselines"
runner = CliRunner()


@pytest.mark.parametrize("dataset", ["seed_digest", "seed_abstracts", "pairs_dev40"])
def test_rules_gate_passes_on_committed_baseline(dataset: str, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["eval", dataset, "--provider", "rules", "--out", str(tmp_path), "--baseline",
         str(BASELINES)],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    folder = tmp_path / f"{dataset}.rules"
    assert {p.name for p in folder.iterdir()} == {"report.json", "report.md", "report.html"}
    assert "<mark>" in (folder / "report.html").read_text()


def _rules_predictions(dataset: str, folder: Path) -> Path:
    """`summarize extract` of a shipped dataset's file with the rules provider."""
    predictions = folder / "rules.jsonl"
    ran = runner.invoke(
        app, ["extract", str(DATASETS / dataset), "--provider", "rules", "-o", str(predictions)]
    )
    assert ran.exit_code == 0, ran.stderr
    return predictions


def test_gate_fails_on_degraded_predictions_and_names_the_metric(tmp_path: Path) -> None:
    predictions = _rules_predictions("seed_digest.md", tmp_path)
    degraded = tmp_path / "degraded.jsonl"
    lines = [json.loads(line) for line in predictions.read_text().splitlines()]
    for line in lines[::2]:
        line["headline_metrics"] = []
        line["grounding"] = {"grounded": 0, "ungrounded": 0}
    degraded.write_text("".join(json.dumps(line) + "\n" for line in lines))
    base = ["eval", "seed_digest", "--out", str(tmp_path), "--baseline", str(BASELINES)]
    assert runner.invoke(app, [*base, "--predictions", str(predictions)]).exit_code == 0
    result = runner.invoke(app, [*base, "--predictions", str(degraded)])
    assert result.exit_code == 1
    assert "regression: seed_digest: metric_f1:" in result.stderr
    assert "regression: seed_digest: metric_recall:" in result.stderr


def _degrade(source: Path, target: Path, cases: int) -> list[str]:
    """Copy `source` with the metrics of its first `cases` records that list any dropped."""
    lines = [json.loads(line) for line in source.read_text().splitlines()]
    dropped: list[str] = []
    for line in lines:
        if len(dropped) < cases and line.get("headline_metrics"):
            line["headline_metrics"] = []
            line["grounding"] = {"grounded": 0, "ungrounded": 0}
            dropped.append(line["source"]["arxiv_id"])
    target.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return dropped


def test_five_degraded_cases_of_forty_fail_the_gate_and_a_rerun_passes(tmp_path: Path) -> None:
    predictions = _rules_predictions("pairs_dev40.jsonl", tmp_path)
    baseline = Baseline.model_validate_json((BASELINES / "pairs_dev40.rules.json").read_text())
    first = evaluate(DATASETS / "pairs_dev40.jsonl", predictions=predictions)
    second = evaluate(DATASETS / "pairs_dev40.jsonl", predictions=predictions)
    assert regressions(first, baseline) == regressions(second, baseline) == []
    assert first.aggregates == second.aggregates
    assert first.intervals == second.intervals
    assert first.intervals["metric_f1"][0] < first.aggregates["metric_f1"]
    degraded = tmp_path / "degraded.jsonl"
    assert len(_degrade(predictions, degraded, 5)) == 5
    failed = regressions(evaluate(DATASETS / "pairs_dev40.jsonl", predictions=degraded), baseline)
    # The first five papers that list metrics: three of them state no number the digest
    # reports (F1 0 already), so F1 moves less than the gold recall, which loses every
    # headline the five stated.
    assert any(line.startswith("gold_headline_recall: ") for line in failed), failed


def test_a_case_missing_from_the_run_is_named_not_scored(tmp_path: Path) -> None:
    predictions = _rules_predictions("seed_abstracts.jsonl", tmp_path)
    report = evaluate(DATASETS / "seed_abstracts.jsonl", predictions=predictions)
    baseline = Baseline.model_validate_json((BASELINES / "seed_abstracts.rules.json").read_text())
    baseline.cases["9999.99999"] = {"metric_f1": 1.0}
    assert regressions(report, baseline) == [
        "cases of the baseline missing from this run: 9999.99999"
    ]


@pytest.mark.parametrize("dataset", ["seed_digest", "seed_abstracts"])
def test_model_gate_from_cassettes(dataset: str, tmp_path: Path) -> None:
    with recorded_extractor() as extractor:
        lines = [extract_recorded(extractor, dataset, item) for item in seed_items(dataset)]
    predictions = tmp_path / "model.jsonl"
    predictions.write_text("".join(line.model_dump_json() + "\n" for line in lines))
    report = evaluate(DATASETS / f"{dataset}.{'md' if dataset == 'seed_digest' else 'jsonl'}",
                      predictions=predictions)  # fmt: skip
    baseline = Baseline.model_validate_json(
        (BASELINES / f"{dataset}.{report.provider}.json").read_text()
    )
    assert regressions(report, baseline) == []


def test_committed_dev_predictions_hold_their_baseline_and_ground_strictly() -> None:
    """The embedded model's answers on 40 papers of other digest days (run once and committed,
    like the cassettes): every promise kept, no metric the strict check rejects."""
    predictions = ROOT / "evals" / "predictions" / "pairs_dev40.local.jsonl"
    report = evaluate(DATASETS / "pairs_dev40.jsonl", predictions=predictions)
    baseline = Baseline.model_validate_json((BASELINES / "pairs_dev40.local.json").read_text())
    assert regressions(report, baseline) == []
    assert report.checks == {}
    records = [c.record for c in report.cases if c.record is not None]
    assert len(records) == 40
    assert [v for r in records for v in grounding_violations(r)] == []


def test_eval_says_cases_as_a_count_and_baseline_ok(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["eval", "seed_digest", "--provider", "rules", "--out", str(tmp_path),
              "--baseline", str(BASELINES)],
    )  # fmt: skip
    assert result.exit_code == 0
    assert "| cases | 20 |  |" in result.stdout
    assert "seed_digest: baseline OK" in result.stderr
