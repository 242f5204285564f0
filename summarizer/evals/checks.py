"""Promises the toolkit makes about every record, checked on each case: a violation fails the eval.

These are not quality scores (a well-behaved run scores them perfectly by construction); they
are what has to stay true, so the eval names every case that breaks one.
"""

from __future__ import annotations

from summarizer.evals.matching import quantities, quantity_of, stated
from summarizer.numbers import find_numbers, same_written
from summarizer.render import summary_text
from summarizer.schema import Metric, Record

CHECKS: dict[str, str] = {
    "grounded_claims": (
        "every metric marked grounded cites evidence that is the source's own text at the "
        "offsets it claims, and a cited sentence writes its value_text up to formatting"
    ),
    "hallucinated_numbers": (
        "no metric marked grounded states a number that the source does not state anywhere "
        "(the matching rule)"
    ),
    "digest_numbers_unsupported": (
        "every number of the rendered digest summary, all five parts, is stated in the source "
        "(the matching rule)"
    ),
}


def case_checks(record: Record, source: str) -> dict[str, list[str]]:
    """The violations of each check in one record (empty lists when it keeps every promise)."""
    in_source = quantities(source)
    found: dict[str, list[str]] = {name: [] for name in CHECKS}
    for metric in record.headline_metrics:
        if not metric.grounded:
            continue
        problem = _claim_problem(metric, source)
        if problem:
            found["grounded_claims"].append(f"{metric.value_text!r}: {problem}")
        q = quantity_of(metric.value_text)
        if q is None or not stated(q, in_source):
            found["hallucinated_numbers"].append(f"{metric.value_text!r} is not in the source")
    for q in quantities(summary_text(record)):
        if not stated(q, in_source):
            found["digest_numbers_unsupported"].append(f"{q.text!r} is not in the source")
    return found


def _claim_problem(metric: Metric, source: str) -> str | None:
    if not metric.evidence:
        return "no evidence cited"
    for evidence in metric.evidence:
        if source[evidence.start : evidence.end] != evidence.text:
            return f"evidence {evidence.start}-{evidence.end} is not the source's text there"
    written = find_numbers(metric.value_text.strip())
    if len(written) != 1:
        return "value_text does not state exactly one number"
    if not any(same_written(written[0], m) for e in metric.evidence for m in find_numbers(e.text)):
        return "no cited sentence writes it"
    return None
