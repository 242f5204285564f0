"""The harness end to end: rules provider and cassette-backed model runs, and the gate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from grounding_check import grounding_violations
from recorded import extract_recorded, recorded_extractor, seed_items
from typer.testing import CliRunner

from summarizer import Extractor, Item, Location, Settings
from summarizer.cli import app
from summarizer.evaluation import (
    Baseline,
    Case,
    evaluate,
    label_match,
    load_dataset,
    regressions,
    score_case,
)
from summarizer.numbers import parse_number
from summarizer.reference import parse_reference
from summarizer.report import is_worse
from summarizer.schema import Metric

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


def test_committed_dev_predictions_hold_their_baseline_and_ground_strictly() -> None:
    """The embedded model's answers on 40 papers of other digest days (run once and committed,
    like the cassettes): no invented value, no metric the strict check rejects."""
    predictions = ROOT / "evals" / "predictions" / "pairs_dev40.local.jsonl"
    report = evaluate(DATASETS / "pairs_dev40.jsonl", predictions=predictions)
    baseline = Baseline.model_validate_json((BASELINES / "pairs_dev40.local.json").read_text())
    assert regressions(report, baseline) == []
    assert report.aggregates["hallucinated_numbers"] == 0
    records = [c.record for c in report.cases if c.record is not None]
    assert len(records) == 40
    assert [v for r in records for v in grounding_violations(r)] == []


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


def test_predictions_from_other_texts_are_refused(tmp_path: Path) -> None:
    # Digest rows of the seed papers, scored against their abstracts: same ids, other texts.
    rows = tmp_path / "rows.jsonl"
    made = runner.invoke(
        app, ["extract", str(DATASETS / "seed_digest.md"), "--provider", "rules", "-o", str(rows)]
    )
    assert made.exit_code == 0, made.stderr
    result = runner.invoke(
        app, ["eval", "seed_abstracts", "--predictions", str(rows), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "does not hold predictions for seed_abstracts" in result.stderr
    assert "20 of its lines name papers of seed_abstracts" in result.stderr
    assert "summarize extract" in result.stderr
    assert not (tmp_path / "seed_abstracts.rules").exists()


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


def test_eval_says_cases_as_a_count_and_baseline_ok(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["eval", "seed_digest", "--provider", "rules", "--out", str(tmp_path),
              "--baseline", str(BASELINES)],
    )  # fmt: skip
    assert result.exit_code == 0
    assert "| cases | 20 |" in result.stdout
    assert "seed_digest: baseline OK" in result.stderr


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


def _metric(value_text: str, name: str, benchmark: str | None = None) -> Metric:
    mention = parse_number(value_text)
    return Metric(
        metric=name,
        value=mention.value if mention else None,
        value_text=value_text,
        benchmark=benchmark,
        evidence=[],
        grounded=True,
    )


def test_label_match_compares_labels_with_the_reference_words_near_the_number() -> None:
    reference = parse_reference(
        "iv) The model reaches 74.8% accuracy on MathVista and cuts latency by 3x."
    )
    assert label_match(_metric("74.8%", "accuracy", "MathVista"), reference) == 1.0
    assert label_match(_metric("74.8%", "collision rate"), reference) == 0.0
    assert label_match(_metric("3x", "latency reduction"), reference) == 0.5
    assert label_match(_metric("12%", "accuracy"), reference) is None


def test_metric_precision_counts_extracted_values_the_reference_reports() -> None:
    item = Item(
        kind="abstract",
        title="t",
        text="Our model reaches 74.8% accuracy on MathVista. It also scores 12% on a new test.",
        location=Location(path="x", line=1),
    )
    case = Case(id="x", item=item, reference=parse_reference("iv) It reaches 74.8% accuracy."))
    with Extractor(Settings(provider="rules")) as extractor:
        record = extractor.extract(item)
    assert [m.value_text for m in record.headline_metrics] == ["74.8%", "12%"]
    scores = score_case(case, record).scores
    assert scores["metric_precision"] == 0.5
    assert scores["metric_recall"] == 1.0
