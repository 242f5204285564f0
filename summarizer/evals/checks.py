"""Promises the toolkit makes about every record, checked on each case: a violation fails the eval.

These are not quality scores (a well-behaved run scores them perfectly by construction); they
are what has to stay true, so the eval names every case that breaks one.
"""

from __future__ import annotations

from summarizer.evals.matching import Quantity, quantities, quantity_of, stated
from summarizer.records.claims import verify
from summarizer.records.schema import Record

CHECKS: dict[str, str] = {
    "grounded_claims": (
        "every claim of the record holds, as `summarizer.verify` re-checks it: evidence that is "
        "the source's own text at its offsets, a grounded value_text written in a cited "
        "sentence, stated labels, flagged prose numbers, counts"
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


def case_checks(record: Record, in_source: list[Quantity], rendered: str) -> dict[str, list[str]]:
    """The violations of each check in one record (empty lists when it keeps every promise):
    `in_source`, the quantities its source states; `rendered`, its digest summary."""
    found: dict[str, list[str]] = {name: [] for name in CHECKS}
    found["grounded_claims"] = [str(v) for v in verify(record)]
    for metric in record.headline_metrics:
        if not metric.grounded:
            continue
        q = quantity_of(metric.value_text)
        if q is None or not stated(q, in_source):
            found["hallucinated_numbers"].append(f"{metric.value_text!r} is not in the source")
    for q in quantities(rendered):
        if not stated(q, in_source):
            found["digest_numbers_unsupported"].append(f"{q.text!r} is not in the source")
    return found
