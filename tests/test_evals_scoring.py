"""Per-case scores: F1, precision and recall under the matching rule, labels, gold tuples and
the checks, on real records made by the rules provider or through `FakeBackend`."""

from __future__ import annotations

from summarizer import Extractor, Item, Location, Settings
from summarizer.evals.dataset import Case
from summarizer.evals.gold import GoldTuple, labels_agree
from summarizer.evals.reference import parse_reference
from summarizer.evals.scoring import label_match, score_case
from summarizer.providers.fake import FakeBackend
from summarizer.records.schema import (
    ErrorInfo,
    ErrorLine,
    Evidence,
    ExtractedMetric,
    Extraction,
    Metric,
)

TEXT = "Our model reaches 74.8% accuracy on MathVista. It also scores 12% on a new test."


def _item(text: str = TEXT) -> Item:
    return Item(kind="abstract", title="t", text=text, location=Location(path="x", line=1))


def _rules(item: Item):  # type: ignore[no-untyped-def]
    with Extractor(Settings(provider="rules")) as extractor:
        return extractor.extract(item)


def _answer(*metrics: tuple[str, str, str | None, str | None]) -> Extraction:
    return Extraction(
        one_line_summary="A model for charts.",
        objective="Read charts.",
        methods=[{"name": "Training", "description": "Trains a model."}],
        headline_metrics=[
            ExtractedMetric(
                metric=name, value_text=value, benchmark=benchmark, subject=subject, evidence=[1]
            )
            for value, name, benchmark, subject in metrics
        ],
        implications=["Use it."],
    )


def _faked(item: Item, answer: Extraction):  # type: ignore[no-untyped-def]
    with Extractor(Settings(provider="rules"), backend=FakeBackend([answer])) as extractor:
        return extractor.extract(item)


def test_precision_recall_and_f1_count_matched_numbers() -> None:
    item = _item()
    case = Case(id="x", item=item, reference=parse_reference("iv) It reaches 74.8% accuracy."))
    record = _rules(item)
    assert [m.value_text for m in record.headline_metrics] == ["74.8%", "12%"]
    scores = score_case(case, record).scores
    assert scores["metric_precision"] == 0.5
    assert scores["metric_recall"] == 1.0
    assert scores["metric_f1"] == 2 * 1 / (2 + 1)


def test_a_record_that_lists_nothing_scores_zero_f1_where_the_source_states_results() -> None:
    item = _item()
    case = Case(id="x", item=item, reference=parse_reference("iv) It reaches 74.8% accuracy."))
    scores = score_case(case, _faked(item, _answer())).scores
    assert scores["metric_f1"] == 0.0
    assert scores["metric_recall"] == 0.0
    assert scores["metric_precision"] is None  # undefined, and not what decides
    # Nothing reachable and nothing listed: nothing to score.
    empty = Case(id="y", item=item, reference=parse_reference("iv) It works well."))
    assert score_case(empty, _faked(item, _answer())).scores["metric_f1"] is None


def test_a_failed_case_is_never_cheaper_than_an_empty_record() -> None:
    item = _item()
    case = Case(id="x", item=item, reference=parse_reference("iv) It reaches 74.8% accuracy."))
    failed = ErrorLine(
        key="k",
        created_at="2026-12-01T00:00:00Z",
        source=item,
        error=ErrorInfo(type="ExtractionError", message="no answer", attempts=1),
        schema_version="3.0",
    )
    scored = score_case(case, failed)
    assert scored.status == "failed"
    assert scored.scores["metric_f1"] == 0.0
    assert scored.scores["_valid"] == 0.0


def test_a_number_is_credited_to_one_metric_only() -> None:
    item = _item("It reaches 74.8% on MathVista. A second run reaches 74.8 % again.")
    answer = _answer(("74.8%", "accuracy", "MathVista", None), ("74.8 %", "accuracy", None, None))
    case = Case(id="x", item=item, reference=parse_reference("iv) It reaches 74.8% on MathVista."))
    record = _faked(item, answer)
    assert len(record.headline_metrics) == 2
    scores = score_case(case, record).scores
    assert scores["metric_precision"] == 0.5


def test_a_bare_number_does_not_match_a_percent_or_a_multiplier() -> None:
    item = _item("The encoder has 3 layers and runs 2.7x faster; 26 tasks improve by 26%.")
    reference = parse_reference("iv) It runs 2.7x faster and improves 26% of tasks.")
    case = Case(id="x", item=item, reference=reference)
    answer = _answer(("3", "layers", None, None), ("26", "tasks", None, None))
    assert score_case(case, _faked(item, answer)).scores["metric_precision"] == 0.0


def test_label_match_is_an_f1_that_does_not_reward_a_shorter_label() -> None:
    reference = parse_reference(
        "iv) The model reaches 74.8% accuracy on MathVista and cuts latency by 3x."
    )
    number = reference.numbers[0]

    def metric(name: str, benchmark: str | None = None) -> Metric:
        return Metric(metric=name, value=74.8, value_text="74.8%", benchmark=benchmark,
                      evidence=[], grounded=True)  # fmt: skip

    full = label_match(metric("accuracy", "MathVista"), reference, number)
    short = label_match(metric("accuracy"), reference, number)
    wrong = label_match(metric("collision rate"), reference, number)
    assert 0 < short < full <= 1
    assert wrong == 0.0


def test_gold_scores_count_headlines_stated_values_and_labels() -> None:
    text = "Qwen-VL reaches 74.8% on MathVista. It was trained with a learning rate of 0.5."
    item = _item(text)
    gold = (
        GoldTuple(value_text="74.8%", quote="Qwen-VL reaches 74.8% on MathVista.",
                  metric="accuracy", benchmark="MMMU", subject="Qwen-VL", kind="result",
                  headline=True),
    )  # fmt: skip
    case = Case(id="x", item=item, reference=parse_reference("iv) 74.8% on MathVista."), gold=gold)
    answer = _answer(("74.8%", "MathVista score", None, "Qwen-VL"), ("0.5", "lr", None, None))
    scores = score_case(case, _faked(item, answer)).scores
    assert scores["gold_headline_recall"] == 1.0
    assert scores["gold_precision"] == 0.5  # the learning rate is no result
    assert scores["_benchmark_agree"] == 0.0  # the sentence's "MathVista" against "MMMU"
    assert scores["_subject_agree"] == 1.0


def test_labels_agree_on_normal_forms_and_whole_words() -> None:
    assert labels_agree(None, None)
    assert not labels_agree(None, "MathVista")
    assert labels_agree("MATH500", "MATH-500")
    assert labels_agree("MATH 500", "math-500")
    assert labels_agree("MathVista", "MathVista testmini")
    assert not labels_agree("Math", "MathVista")
    assert not labels_agree("MMLU", "MMLU-Pro".replace("-", "x"))


def test_checks_name_a_grounded_claim_the_source_does_not_hold() -> None:
    item = _item()
    record = _rules(item)
    case = Case(id="x", item=item, reference=parse_reference("iv) 74.8%."))
    assert score_case(case, record).checks == {}
    edited = record.model_copy(
        update={
            "one_line_summary": "It is 99% better and 12x faster.",
            "headline_metrics": [
                record.headline_metrics[0].model_copy(
                    update={
                        "value_text": "99.9%",
                        "evidence": [Evidence(sentence=1, start=0, end=5, text="Ourxx")],
                    }
                )
            ],
        }
    )
    checks = score_case(case, edited).checks
    assert set(checks) == {"grounded_claims", "hallucinated_numbers", "digest_numbers_unsupported"}
    # The prose's "99%" and "12x" are never rendered (the digest drops that sentence); the
    # forged value, claimed as grounded, is.
    assert checks["digest_numbers_unsupported"] == ["'99.9%' is not in the source"]
