"""`verify`: every claim of a written line re-checked from the line alone; the reviewer's
findings (labels, prose, words in value_text, a forged line) now go the other way."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from grounding_check import grounding_violations
from typer.testing import CliRunner

from summarizer import (
    Extractor,
    FakeBackend,
    Item,
    Location,
    Record,
    Settings,
    find_results,
    read_lines,
    render_html,
    render_markdown,
    verify,
)
from summarizer.cli import app
from summarizer.records.schema import Extraction

ROOT = Path(__file__).resolve().parent.parent
PREDICTIONS = sorted((ROOT / "evals" / "predictions").glob("*.local.jsonl"))
TEXT = "Our model reaches 74.8% on MathVista. It scores 50.9 on Charades-STA."
runner = CliRunner()


def _item(text: str = TEXT) -> Item:
    return Item(kind="abstract", title="A model", text=text, location=Location(path="x", line=1))


def _answer(prose: str = "A model for charts.", **metric: Any) -> Extraction:
    first = {"metric": "accuracy", "value_text": "74.8%", "evidence": [1], **metric}
    return Extraction.model_validate(
        {
            "one_line_summary": prose,
            "objective": "Read charts.",
            "methods": [{"name": "Training", "description": "Trains a model on charts."}],
            "implications": ["Use it."],
            "headline_metrics": [first],
        }
    )


def _record(answer: Extraction, text: str = TEXT) -> Record:
    # The same answer twice: a grounding re-ask, when the first needs one, gets it again.
    backend = FakeBackend([answer, answer])
    with Extractor(Settings(provider="rules"), backend=backend) as extractor:
        return extractor.extract(_item(text))


def test_a_label_the_model_invents_is_replaced_by_the_sentences_own() -> None:
    record = _record(_answer(benchmark="MMLU", subject="GPT-4"))
    metric = record.headline_metrics[0]
    assert metric.grounded
    assert (metric.benchmark, metric.unstated_labels) == ("MathVista", [])
    assert verify(record) == []
    assert find_results("MMLU", [record]) == []
    assert [r.value_text for r in find_results("MathVista", [record])] == ["74.8%"]
    assert "MMLU" not in render_markdown([record])
    assert "GPT-4" not in render_markdown([record])


def test_a_label_the_source_does_not_state_is_no_result_on_it() -> None:
    record = _record(_answer(comparison="GPT-4"))
    metric = record.headline_metrics[0]
    assert metric.unstated_labels == ["comparison"]
    assert record.grounding.unstated_labels == 1
    assert verify(record) == []  # the record says so: no false claim
    assert "GPT-4" not in render_markdown([record])
    # A label edited in by hand, not flagged, is a false claim.
    edited = record.model_copy(update={"headline_metrics": [
        metric.model_copy(update={"benchmark": "MMLU"})]})  # fmt: skip
    assert [p.field for p in verify(edited)] == ["headline_metrics[0].benchmark"]
    assert find_results("MMLU", [edited]) == []
    assert [r.value_text for r in find_results("MMLU", [edited], include_unstated=True)] == [
        "74.8%"
    ]


def test_a_paraphrased_label_is_snapped_to_the_sources_own_words() -> None:
    text = "Thanos-7B reaches 74.8% on MathVista testmini."
    record = _record(_answer(benchmark="MathVista testmini benchmark", subject="Thanos-7B models"),
                     text)  # fmt: skip
    metric = record.headline_metrics[0]
    assert (metric.benchmark, metric.subject, metric.unstated_labels) == (
        "MathVista testmini",
        "Thanos-7B",
        [],
    )
    assert verify(record) == []


def test_a_number_the_prose_invents_is_flagged_reasked_and_never_rendered() -> None:
    record = _record(_answer(prose="It is 99% better and 12x faster. It reads charts."))
    assert record.grounding.unstated_prose_numbers == [
        "one_line_summary: 99%",
        "one_line_summary: 12x",
    ]
    assert record.provenance.attempts == 2  # the re-ask was spent on it
    assert verify(record) == []
    for page in (render_markdown([record]), render_html([record])):
        assert "99%" not in page
        assert "12x" not in page
        assert "It reads charts." in page


def test_value_text_is_the_sources_own_span() -> None:
    record = _record(_answer(value_text="an impressive 74.8% (SOTA)"))
    assert record.headline_metrics[0].value_text == "74.8%"
    assert verify(record) == []


def _forged(tmp_path: Path) -> Path:
    record = _record(_answer())
    line = json.loads(record.model_dump_json())
    metric = line["headline_metrics"][0]
    metric["value_text"], metric["value"] = "99.9%", 99.9
    metric["evidence"][0].update(start=0, end=5)
    path = tmp_path / "forged.jsonl"
    path.write_text(json.dumps(line) + "\n")
    return path


def test_validate_rejects_a_forged_line_and_nothing_shows_it(tmp_path: Path) -> None:
    path = _forged(tmp_path)
    checked = runner.invoke(app, ["validate", str(path)])
    assert checked.exit_code == 1
    assert "0 valid record(s), 0 error line(s), 1 invalid line(s)" in checked.stderr
    assert "headline_metrics[0].evidence[0]" in checked.stderr
    assert runner.invoke(app, ["validate", str(path), "--schema-only"]).exit_code == 0
    shown = runner.invoke(app, ["digest", str(path)])
    assert "99.9%" not in shown.stdout
    assert "skipped: a claim does not hold" in shown.stderr
    found = runner.invoke(app, ["results", "MathVista", str(path)])
    assert "0 result(s)" in found.stderr


def test_html_notes_one_per_sentence_however_many_numbers_cite_it() -> None:
    text = "Our model reaches 74.8% on MathVista and 50.9 on Charades-STA. It is fast."
    answer = Extraction.model_validate(
        {
            "headline_metrics": [
                {"metric": "accuracy", "value_text": "74.8%", "evidence": [1]},
                {"metric": "mIoU", "value_text": "50.9", "evidence": [1]},
            ]
        }
    )
    page = render_html([_record(answer, text)])
    assert page.count("<li>Our model reaches") == 1
    assert ">74.8%</abbr><sup>1</sup>" in page
    assert ">50.9</abbr><sup>1</sup>" in page


# --- mutations: every edit that makes a claim false is reported, naming the field ----------


def _records() -> list[Record]:
    lines = [line for path in PREDICTIONS for line in read_lines(path).lines]
    current = [r for r in lines if isinstance(r, Record) and r.schema_version == "3.1"]
    assert len(current) >= 40
    return current


def _absent_number(rng: random.Random, source: str) -> str:
    while True:
        text = f"{rng.randint(1, 999)}.{rng.randint(10, 99)}%"
        if text.split("%", maxsplit=1)[0] not in source:
            return text


def _mutate(record: Record, rng: random.Random, foreign: list[str]) -> tuple[dict, str] | None:  # type: ignore[type-arg]
    """One random edit that makes a claim of `record` false, and the field it is in; None when
    this record offers no such edit of the kind drawn."""
    line = json.loads(record.model_dump_json())
    source = record.source.text
    metrics = line["headline_metrics"]
    kind = rng.choice(["value", "prose", "offset", "evidence_text", "label", "flag", "insert"])
    if kind in {"value", "offset", "evidence_text", "label", "flag"} and not metrics:
        return None
    i = rng.randrange(len(metrics)) if metrics else 0
    where = f"headline_metrics[{i}]"
    if kind == "value":
        if not metrics[i]["grounded"]:
            return None
        metrics[i]["value_text"] = _absent_number(rng, source)
        return line, f"{where}.value_text"
    if kind in {"offset", "evidence_text"}:
        if not metrics[i]["evidence"]:
            return None
        j = rng.randrange(len(metrics[i]["evidence"]))
        evidence = metrics[i]["evidence"][j]
        if kind == "offset":
            shift = rng.choice([-3, -1, 1, 2, 5])
            if evidence["start"] + shift < 0:
                return None
            evidence["start"] += shift
            evidence["end"] += shift
        else:
            at = rng.randrange(len(evidence["text"]))
            char = evidence["text"][at]
            evidence["text"] = evidence["text"][:at] + ("#" if char != "#" else "%") + evidence[
                "text"][at + 1 :]  # fmt: skip
        return line, f"{where}.evidence[{j}]"
    if kind == "label":
        field = rng.choice(["benchmark", "subject", "comparison"])
        options = [f for f in foreign if re.sub(r"[^0-9a-z]", "", f.lower()) not in
                   re.sub(r"[^0-9a-z]", "", source.lower())]  # fmt: skip
        metrics[i][field] = rng.choice(options)
        metrics[i]["unstated_labels"] = [f for f in metrics[i]["unstated_labels"] if f != field]
        line["grounding"]["unstated_labels"] = sum(len(m["unstated_labels"]) for m in metrics)
        return line, f"{where}.{field}"
    if kind == "flag":
        metrics[i]["grounded"] = not metrics[i]["grounded"]
        return line, f"{where}.grounded" if not metrics[i]["grounded"] else f"{where}.value_text"
    # A number changed in, or inserted into, the prose.
    fields = ["one_line_summary", "objective", "implications"]
    field = rng.choice(fields)
    number = _absent_number(rng, source)
    if field == "implications":
        if not line["implications"]:
            return None
        line["implications"][0] = f"{line['implications'][0]} It is {number} better."
        return line, "implications[0]"
    text = line[field]
    # A number standing alone, not the digits of a name ("Qwen2.5", "GPT-4").
    numbers = re.findall(r"(?<![\w.\-])\d+(?:\.\d+)?%?(?![\w.\-])", text)
    if kind == "prose" and numbers:
        line[field] = text.replace(numbers[0], number, 1)
    else:
        line[field] = f"{text} It is {number} better."
    return line, field


def test_the_committed_model_records_verify_cleanly() -> None:
    records = _records()
    assert [(r.source.arxiv_id, str(v)) for r in records for v in verify(r)] == []
    # The independent check agrees, and is stricter on units and label spelling.
    assert [v for r in records for v in grounding_violations(r)] == []


def test_a_thousand_false_claims_are_each_reported_naming_the_field() -> None:
    records = _records()
    foreign = sorted({m.benchmark or m.subject or "" for r in records for m in r.headline_metrics
                      if not m.unstated_labels} - {""})  # fmt: skip
    rng = random.Random(20261201)
    edits, missed, kinds = 0, [], set()
    while edits < 1000:
        record = rng.choice(records)
        mutated = _mutate(record, rng, foreign)
        if mutated is None:
            continue
        data, field = mutated
        try:
            line = Record.model_validate(data)
        except ValueError:
            continue  # no longer a record at all: `validate`'s schema check refuses it
        edits += 1
        kinds.add(field.split(".")[-1].split("[")[0])
        fields = [v.field for v in verify(line)]
        if not any(f == field or f.startswith(field) for f in fields):
            missed.append((record.source.arxiv_id, field, fields))
    assert missed == []
    assert {"value_text", "evidence", "grounded", "one_line_summary", "objective",
            "implications", "benchmark", "subject", "comparison"} <= kinds  # fmt: skip


@pytest.mark.parametrize("path", PREDICTIONS, ids=[p.name for p in PREDICTIONS])
def test_every_committed_prediction_file_validates(path: Path) -> None:
    checked = runner.invoke(app, ["validate", str(path)])
    assert checked.exit_code == 0, checked.stderr


def test_nothing_unstated_is_rendered_or_returned() -> None:
    records = _records()
    for record in records:
        rendered = render_markdown([record])
        results_part = rendered.split("iv) ")[1].split(" v) ")[0] if "iv) " in rendered else ""
        for metric in record.headline_metrics:
            for field in metric.unstated_labels:
                label = getattr(metric, field)
                assert label not in results_part, (record.source.arxiv_id, field, label)
                returned = find_results(label, [record])
                assert all(r.value_text != metric.value_text for r in returned), label
        for entry in record.grounding.unstated_prose_numbers:
            number = entry.split(": ", 1)[1]
            # The number as the prose wrote it, not part of another ("63" is not "63%").
            alone = re.compile(rf"(?<![\w.]){re.escape(number)}(?![\w.%])")
            assert not alone.search(rendered), (record.source.arxiv_id, entry)
