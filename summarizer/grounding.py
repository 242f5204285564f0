"""Tie every metric to the source sentences that state its value.

A metric is grounded when its value (normalised, up to rounding) occurs in a sentence it cites.
When it occurs only in other sentences, the citation is corrected. When it occurs nowhere, the
metric stays in the record with `grounded: false` and the reason: never dropped, never trusted.
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer.numbers import find_numbers, parse_number, same_value
from summarizer.schema import Evidence, ExtractedMetric, Extraction, Grounding, Metric
from summarizer.sentences import Sentence


@dataclass(frozen=True)
class Grounded:
    """Metrics of one extraction after the check, and a note for each ungrounded one."""

    metrics: list[Metric]
    problems: list[str]

    @property
    def summary(self) -> Grounding:
        """Counts of grounded and ungrounded metrics."""
        good = sum(m.grounded for m in self.metrics)
        return Grounding(grounded=good, ungrounded=len(self.metrics) - good)


def ground(extraction: Extraction, sentences: list[Sentence]) -> Grounded:
    """Check each metric of `extraction` against `sentences` (see module docstring)."""
    metrics, problems = [], []
    for draft in extraction.headline_metrics:
        metric = ground_metric(draft, sentences)
        metrics.append(metric)
        if not metric.grounded:
            problems.append(f"{draft.metric!r} = {draft.value_text}: {metric.grounding_note}")
    return Grounded(metrics, problems)


def ground_metric(draft: ExtractedMetric, sentences: list[Sentence]) -> Metric:
    """One metric, grounded against the sentences it cites or, failing that, any sentence."""
    written = parse_number(draft.value_text)
    decimals = written.decimals if written is not None else None
    stating = [s for s in sentences if _states(s, draft.value, decimals)]
    cited = [s for s in stating if s.number in draft.evidence]
    fields = draft.model_dump(exclude={"evidence"})
    if cited:
        return Metric(**fields, evidence=_evidence(cited), grounded=True)
    if stating:
        found = [s.number for s in stating]
        note = f"citation corrected from {sorted(set(draft.evidence))} to {found}"
        return Metric(**fields, evidence=_evidence(stating), grounded=True, grounding_note=note)
    known = {s.number for s in sentences}
    kept = [s for s in sentences if s.number in draft.evidence and s.number in known]
    return Metric(
        **fields,
        evidence=_evidence(kept),
        grounded=False,
        grounding_note=f"value {draft.value_text!r} does not occur in the source text",
    )


def _states(sentence: Sentence, value: float, decimals: int | None) -> bool:
    return any(same_value(value, m, decimals) for m in find_numbers(sentence.text))


def _evidence(sentences: list[Sentence]) -> list[Evidence]:
    return [Evidence(sentence=s.number, start=s.start, end=s.end, text=s.text) for s in sentences]


def reask_message(problems: list[str]) -> str:
    """The user message sent once when some metric values are not in the text."""
    listed = "\n".join(f"- {p}" for p in problems)
    return (
        "These headline_metrics are not supported by the text:\n"
        f"{listed}\n"
        "Every value must be a number stated in the numbered sentences, and evidence must cite "
        "the sentences that state it. Drop metrics the text does not state. Answer again in full."
    )
