"""Re-check every claim a written line makes, from the line alone: `verify(line)`.

A record claims, of its source text (which it holds whole):
- each evidence span is the source's own text at the offsets it gives, and is the sentence of
  that number;
- a metric marked `grounded` has a `value_text` that is exactly one number, the source's own
  span of a cited sentence (compared up to formatting for lines older than 3.1), with `value` and
  `unit` derived from it; a metric not marked grounded has none that a cited sentence writes;
- (3.1 and later) each `benchmark`, `subject` and `comparison` not named in `unstated_labels` is
  the source's own text for it (`grounding.SourceText.span`), and each named there the source
  does not state;
- (3.1 and later) the numbers of the prose that no source sentence writes are exactly those in
  `grounding.unstated_prose_numbers`;
- the counts in `grounding` are those of its metrics.

A line edited by hand is held to the same claims as one the toolkit wrote. Error lines claim
nothing about the source. `metric` is a description and the choice of headline a judgement:
neither is checked.
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer.records.grounding import (
    LABELS,
    SourceText,
    prose_fields,
    sentence_numbers,
    stated_number,
    unit_of,
    unstated_numbers,
)
from summarizer.records.schema import ErrorLine, Metric, Record
from summarizer.text.numbers import Mention, find_numbers, same_written, written_form
from summarizer.text.sentences import Sentence, split_sentences

# The first schema whose lines claim labels and prose as stated, and value_text as the span.
_CLAIMS_LABELS = (3, 1)


@dataclass(frozen=True, slots=True)
class Violation:
    """A claim of a line that does not hold: the field that makes it, and why."""

    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}"


def verify(line: Record | ErrorLine) -> list[Violation]:
    """Every claim of `line` that its own source text does not bear out (see module docstring);
    an empty list when all hold."""
    if isinstance(line, ErrorLine):
        return []
    text = line.source.text
    sentences = {s.number: s for s in split_sentences(text)}
    numbers = sentence_numbers(sentences.values())
    recent = _version(line.schema_version) >= _CLAIMS_LABELS
    source = SourceText(text)
    found: list[Violation] = []
    for i, metric in enumerate(line.headline_metrics):
        where = f"headline_metrics[{i}]"
        found += _evidence(metric, where, text, sentences)
        found += _value(metric, where, exact=recent)
        if recent:
            found += _labels(metric, where, source)
    found += _counts(line, recent)
    if recent:
        found += _prose(line, numbers)
    return found


def describe(violations: list[Violation]) -> str:
    """One line for a line that does not verify: its first violation, and how many more."""
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    return f"a claim does not hold: {violations[0]}{more}"


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return (0,)


def _evidence(
    metric: Metric, where: str, text: str, sentences: dict[int, Sentence]
) -> list[Violation]:
    found = []
    for j, evidence in enumerate(metric.evidence):
        field = f"{where}.evidence[{j}]"
        sentence = sentences.get(evidence.sentence)
        if text[evidence.start : evidence.end] != evidence.text:
            found.append(
                Violation(field, f"text is not the source's at {evidence.start}-{evidence.end}")
            )
        elif sentence is None or (sentence.start, sentence.end) != (evidence.start, evidence.end):
            found.append(
                Violation(
                    field,
                    f"sentence {evidence.sentence} of the source is not "
                    f"at {evidence.start}-{evidence.end}",
                )
            )
    return found


def _value(metric: Metric, where: str, exact: bool) -> list[Violation]:
    written = stated_number(metric.value_text)
    cited = [
        m
        for e in metric.evidence
        for m in find_numbers(e.text)
        if written is not None and same_written(written, m)
    ]
    if not metric.grounded:
        if cited:
            return [
                Violation(
                    f"{where}.grounded", f"false, but a cited sentence writes {metric.value_text!r}"
                )
            ]
        return []
    if written is None:
        return [
            Violation(
                f"{where}.value_text", f"{metric.value_text!r} does not state exactly one number"
            )
        ]
    if not cited:
        return [Violation(f"{where}.value_text", f"no cited sentence writes {metric.value_text!r}")]
    found = []
    if exact and not any(written_form(m) == metric.value_text for m in cited):
        found.append(
            Violation(
                f"{where}.value_text", f"{metric.value_text!r} is not the cited sentence's own span"
            )
        )
    found += _derived(metric, written, where)
    return found


def _derived(metric: Metric, written: Mention, where: str) -> list[Violation]:
    found = []
    if metric.value != written.value:
        found.append(
            Violation(f"{where}.value", f"{metric.value} is not the value of {metric.value_text!r}")
        )
    if metric.unit != unit_of(written):
        found.append(
            Violation(f"{where}.unit", f"{metric.unit!r} is not the unit of {metric.value_text!r}")
        )
    return found


def _labels(metric: Metric, where: str, source: SourceText) -> list[Violation]:
    found = []
    for field in LABELS:
        label = getattr(metric, field)
        listed = field in metric.unstated_labels
        if label is None:
            if listed:
                found.append(Violation(f"{where}.unstated_labels", f"names {field}, which is null"))
            continue
        own = source.span(label)
        if own is not None and listed:
            found.append(
                Violation(
                    f"{where}.unstated_labels", f"names {field}, but the source states {label!r}"
                )
            )
        elif own is None and not listed:
            found.append(
                Violation(
                    f"{where}.{field}",
                    f"{label!r} is not stated in the source (and not in unstated_labels)",
                )
            )
        elif own is not None and not source.writes(label):
            found.append(
                Violation(
                    f"{where}.{field}",
                    f"{label!r} is not written as the source writes it ({own!r})",
                )
            )
    return found


def _counts(line: Record, recent: bool) -> list[Violation]:
    metrics = line.headline_metrics
    good = sum(m.grounded for m in metrics)
    expected = {"grounded": good, "ungrounded": len(metrics) - good}
    if recent:
        expected["unstated_labels"] = sum(len(m.unstated_labels) for m in metrics)
    return [
        Violation(
            f"grounding.{name}", f"{getattr(line.grounding, name)}, but the metrics count {count}"
        )
        for name, count in expected.items()
        if getattr(line.grounding, name) != count
    ]


def _prose(line: Record, numbers: list[Mention]) -> list[Violation]:
    found = []
    actual = {
        f"{where}: {written_form(m)}": where
        for where, text in prose_fields(line)
        for m in unstated_numbers(text, numbers)
    }
    listed = set(line.grounding.unstated_prose_numbers)
    for entry, where in actual.items():
        if entry not in listed:
            number = entry.split(": ", 1)[1]
            found.append(
                Violation(
                    where,
                    f"{number!r} is written in no source sentence (and "
                    "not in grounding.unstated_prose_numbers)",
                )
            )
    for entry in sorted(listed - set(actual)):
        found.append(
            Violation("grounding.unstated_prose_numbers", f"lists {entry!r}, which does not hold")
        )
    return found
