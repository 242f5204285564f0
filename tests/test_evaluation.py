"""The harness end to end: rules provider and cassette-backed model runs, and the gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from recorded import extract_recorded, recorded_extractor, seed_items
from typer.testing import CliRunner

from summarizer import Settings
from summarizer.cli import app
from summarizer.evaluation import Baseline, evaluate, load_dataset, regressions

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT / "evals" / "datasets"
BASELINES = ROOT / "evals" / "baselines"
runner = CliRunner()


def test_datasets_load_both_formats() -> None:
    digest = load_dataset(DATASETS / "seed_digest.md")
    pairs = load_dataset(DATASETS / "seed_abstracts.jsonl")
    assert len(digest) == len(pairs) == 20
    assert digest[0].item.text == digest[0].reference.text
    assert pairs[0].item.text.startswith("We introduce Qwen2.5-VL")
    assert pairs[0].reference.text.startswith("i) Qwen2.5-VL is a new")


@pytest.mark.parametrize("dataset", ["seed_digest", "seed_abstracts"])
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


def test_gate_fails_on_degraded_predictions_and_names_the_metric(tmp_path: Path) -> None:
    predictions = tmp_path / "rules.jsonl"
    ran = runner.invoke(
        app, ["extract", str(DATASETS / "seed_digest.md"), "--provider", "rules",
              "-o", str(predictions)],
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
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
    assert "regression: seed_digest: metric_recall:" in result.stderr


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


def test_settings_reach_the_extractor() -> None:
    report = evaluate(DATASETS / "seed_digest.md", Settings(provider="rules"))
    assert report.provider == "rules"
    assert report.aggregates["validity_rate"] == 1.0
