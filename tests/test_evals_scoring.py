"""Per-case scores: label agreement and precision against the reference."""

from __future__ import annotations

from summarizer import Extractor, Item, Location, Settings
from summarizer.evals.dataset import Case
from summarizer.evals.reference import parse_reference
from summarizer.evals.scoring import label_match, score_case
from summarizer.numbers import parse_number
from summarizer.schema import Metric


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
