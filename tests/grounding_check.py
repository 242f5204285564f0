"""An independent check that a grounded metric's value is written inside its cited span.

It shares no code with `summarizer.grounding` or `summarizer.numbers`: it pulls digit runs out
of the span with one plain regex and compares them with the value, allowing rounding, percent
as a fraction, and thousand/million/billion/trillion scales.
"""

from __future__ import annotations

import re

from summarizer import Record

_DIGITS = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_SCALES = (1.0, 0.01, 1e3, 1e6, 1e9, 1e12)


def _places(text: str) -> int:
    return len(text.partition(".")[2])


def written_in(value: float, span: str) -> bool:
    """True when some number written in `span` equals `value` up to rounding and scale."""
    value_places = (
        _places(repr(abs(value)).rstrip("0").rstrip(".")) if "e" not in repr(value) else 0
    )
    for raw in _DIGITS.findall(span):
        number = float(raw.replace(",", ""))
        for scale in _SCALES:
            tolerance = max(0.5 * 10 ** -_places(raw) * scale, 0.5 * 10**-value_places)
            if abs(abs(value) - number * scale) <= tolerance * 1.000001:
                return True
    return False


def grounding_violations(record: Record) -> list[str]:
    """Every grounded metric whose value is not in its cited spans, and every bad span."""
    text = record.source.text
    problems = []
    for metric in record.headline_metrics:
        for evidence in metric.evidence:
            if text[evidence.start : evidence.end] != evidence.text:
                problems.append(f"{metric.metric}: span {evidence.start}-{evidence.end} is off")
        spans = " ".join(text[e.start : e.end] for e in metric.evidence)
        if metric.grounded and not written_in(metric.value, spans):
            problems.append(f"{metric.metric}={metric.value} not in cited span")
    counted = sum(m.grounded for m in record.headline_metrics)
    if (record.grounding.grounded, record.grounding.ungrounded) != (
        counted,
        len(record.headline_metrics) - counted,
    ):
        problems.append("grounding summary does not match the metrics")
    return problems
