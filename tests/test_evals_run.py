"""Running an evaluation: settings reach the extractor, foreign predictions are refused."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from summarizer import Settings
from summarizer.cli import app
from summarizer.evals.run import evaluate

DATASETS = Path(__file__).resolve().parent.parent / "evals" / "datasets"
runner = CliRunner()


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
