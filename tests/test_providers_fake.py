"""The in-memory backend: answers from its queue, through the real grounding and records."""

from __future__ import annotations

import pytest

from summarizer import ExtractionError, Extractor, Item, Location, Settings
from summarizer.providers.fake import FakeBackend
from summarizer.records.schema import ExtractedMetric, Extraction

ITEM = Item(
    kind="abstract",
    title="A paper",
    text="We train a model. It reaches 74.8% accuracy on MathVista.",
    location=Location(path="paper.txt", line=1),
)


def test_answers_in_order_and_is_grounded_like_any_backend() -> None:
    cited_wrong = ExtractedMetric(metric="accuracy", value_text="74.8%", evidence=[1])
    backend = FakeBackend([Extraction(objective="Train.", headline_metrics=[cited_wrong])])
    with Extractor(Settings(provider="rules"), backend=backend) as extractor:
        record = extractor.extract(ITEM)
    metric = record.headline_metrics[0]
    assert (metric.value, metric.unit, metric.grounded) == (74.8, "%", True)
    assert [e.sentence for e in metric.evidence] == [2]  # the citation was corrected
    assert record.provenance.provider == "fake"
    assert backend.requests[0].item == ITEM


def test_a_queued_error_is_raised_and_an_empty_queue_fails_the_item() -> None:
    backend = FakeBackend([ExtractionError("never valid", attempts=3)])
    with Extractor(Settings(provider="rules"), backend=backend) as extractor:
        with pytest.raises(ExtractionError, match="never valid"):
            extractor.extract(ITEM)
        with pytest.raises(ExtractionError, match="no answer left"):
            extractor.extract(ITEM)
