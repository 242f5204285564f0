"""Tie every metric to the source sentences that state its value.

A metric is grounded only when its `value_text` is one numeric mention and a sentence it cites
writes that same number, up to formatting ("26%"/"26 %", "1,000"/"1000"; see
`numbers.same_written`): no rounding, and list markers, citations or section numbers never count
(they are not numbers to `numbers.find_numbers`). When only other sentences state it, the
citation is corrected. Otherwise the metric stays in the record with `grounded: false` and the
reason: never dropped, never trusted. The numeric `value` and `unit` are derived here from the
mention, never taken from the model.
"""

from __future__ import annotations

from dataclasses import dataclass

from summarizer.numbers import Mention, find_numbers, same_written
from summarizer.schema import Evidence, ExtractedMetric, Extraction, Grounding, Metric
from summarizer.sentences import Sentence

_SCALE_WORDS = {1e3: "thousand", 1e6: "million", 1e9: "billion", 1e12: "trillion"}


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
    """Check each metric of `extraction` against `sentences` (see module docstring). A metric
    repeating an earlier one's `value_text` is left out: the same number twice is no news."""
    metrics, problems = [], []
    seen: set[str] = set()
    for draft in extraction.headline_metrics:
        if draft.value_text in seen:
            continue
        seen.add(draft.value_text)
        metric = ground_metric(draft, sentences)
        metrics.append(metric)
        if not metric.grounded:
            problems.append(f"{draft.metric!r} = {draft.value_text}: {metric.grounding_note}")
    return Grounded(metrics, problems)


def stated_number(value_text: str) -> Mention | None:
    """The one number `value_text` states (finite: `find_numbers` finds no other), or None when
    it states none or several."""
    found = find_numbers(value_text.strip())
    return found[0] if len(found) == 1 else None


def ground_metric(draft: ExtractedMetric, sentences: list[Sentence]) -> Metric:
    """One metric, grounded against the sentences it cites or, failing that, any sentence."""
    fields = draft.model_dump(exclude={"evidence"})
    known = {s.number for s in sentences}
    cited_numbers = [n for n in dict.fromkeys(draft.evidence) if n in known]
    kept = [s for s in sentences if s.number in cited_numbers]
    mention = stated_number(draft.value_text)
    if mention is None:
        return Metric(
            **fields,
            value=None,
            unit=None,
            evidence=_evidence(kept),
            grounded=False,
            grounding_note=f"value_text {draft.value_text!r} does not state exactly one number",
        )
    derived = {"value": mention.value, "unit": unit_of(mention)}
    cited = [s for s in kept if _writes(s, mention)]
    if cited:
        return Metric(**fields, **derived, evidence=_evidence(cited), grounded=True)
    stating = [s for s in sentences if _writes(s, mention)]  # only when the citation is wrong
    if stating:
        found = [s.number for s in stating]
        note = f"citation corrected from {cited_numbers} to {found}"
        return Metric(
            **fields, **derived, evidence=_evidence(stating), grounded=True, grounding_note=note
        )
    return Metric(
        **fields,
        **derived,
        evidence=_evidence(kept),
        grounded=False,
        grounding_note=f"{draft.value_text!r} is not written in the source text",
    )


def unit_of(mention: Mention) -> str | None:
    """The unit a metric carries: the mention's unit, or its scale word ("billion")."""
    return mention.unit or _SCALE_WORDS.get(mention.scale)


def _writes(sentence: Sentence, mention: Mention) -> bool:
    return any(same_written(mention, m) for m in find_numbers(sentence.text))


def _evidence(sentences: list[Sentence]) -> list[Evidence]:
    return [Evidence(sentence=s.number, start=s.start, end=s.end, text=s.text) for s in sentences]
