"""An independent, stricter check that a grounded metric's number is written in its cited span.

It shares no code and no tolerance with `summarizer.records.grounding` or
`summarizer.text.numbers`. It works from what the record claims as written: `value_text` must hold
exactly one digit run, that same digit run (thousands separators aside, no rounding) must stand
alone in a cited sentence, followed by the same unit as written in `value_text` ("%", "x",
" times", "B", " billion", " points"; case, spaces and a TeX backslash aside), or by no unit at
all when `value_text` has none ("3" is not "3x", "3 layers" is not "3x"), and not as a list
marker, a citation or part of a name ("(1)", "[12]", "GPT-4", "Qwen2.5"); `value` must be that
number. A label not listed as unstated must be a run of whole words of the source (words of
letters and digits, case aside): stricter than the toolkit's normal form, which also finds
"model" inside "models".
"""

from __future__ import annotations

import re

from summarizer import Record

_DIGITS = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")


def _plain(raw: str) -> str:
    return raw.replace(",", "")


# What may follow a number as its unit; a plain value_text allows none of these after it.
_UNIT_AFTER = re.compile(
    r"\s?(?:\\?%|×|x\b|pp\b|pts\b|points?\b|times\b|-?fold\b|percent\b|[kmbt]\b|"
    r"thousand\b|million\b|billion\b|trillion\b)",
    re.IGNORECASE,
)


def _unit(text: str) -> str:
    """A unit as written, compared without case, spaces or a TeX backslash."""
    return "".join(text.split()).replace("\\", "").casefold()


def written_in(value_text: str, span: str) -> bool:
    """True when the one number of `value_text` stands, as written, somewhere in `span`."""
    runs = _DIGITS.findall(value_text)
    if len(runs) == 2 and re.fullmatch(
        r"[+\-\u2212]?[\d.,]+\s?(?:-|\u2013|to)\s?[\d.,]+\S*", value_text
    ):
        squeezed = _plain("".join(value_text.split()))
        return squeezed in _plain("".join(span.split()))  # a range, written as a whole
    if len(runs) != 1:
        return False
    wanted = _plain(runs[0])
    unit = _unit(value_text[value_text.index(runs[0]) + len(runs[0]) :])
    for match in _DIGITS.finditer(span):
        if _plain(match.group()) != wanted:
            continue
        before = span[max(0, match.start() - 2) : match.start()]
        after = span[match.end() : match.end() + 9]
        if before[-1:].isalnum() or before[-1:] in {".", ",", "@", "_"}:
            continue  # inside a longer number or a name
        if len(before) == 2 and before[0].isalpha() and before[1] == "-":
            continue  # "GPT-4"
        if after[:1].isdigit() or (after[:1] == "." and after[1:2].isdigit()):
            continue
        if before[-1:] in {"(", "["} and after[:1] in {")", "]"}:
            continue  # "(1)", "[12]"
        if after[:1] == ")" and (not before or before[-1].isspace()):
            continue  # "1) first"
        rest = span[match.end() : match.end() + 20]
        if unit:
            if not _unit(rest).startswith(unit):
                continue
        elif _UNIT_AFTER.match(rest):
            continue  # the span writes a unit that value_text leaves out
        return True
    return False


def _value_matches(value: float | None, value_text: str) -> bool:
    runs = _DIGITS.findall(value_text)
    return value is not None and len(runs) in {1, 2} and abs(value) == float(_plain(runs[0]))


def grounding_violations(record: Record) -> list[str]:
    """Every grounded metric whose number is not written in its cited spans, every bad span."""
    text = record.source.text
    problems = []
    for metric in record.headline_metrics:
        for evidence in metric.evidence:
            if text[evidence.start : evidence.end] != evidence.text:
                problems.append(f"{metric.metric}: span {evidence.start}-{evidence.end} is off")
        if not metric.grounded:
            continue
        if not metric.evidence:
            problems.append(f"{metric.metric}: grounded without evidence")
        spans = [text[e.start : e.end] for e in metric.evidence]
        if not any(written_in(metric.value_text, span) for span in spans):
            problems.append(f"{metric.metric}={metric.value_text!r} not written in a cited span")
        if not _value_matches(metric.value, metric.value_text):
            problems.append(f"{metric.metric}: value {metric.value} is not {metric.value_text!r}")
    words = " " + " ".join(re.findall(r"[^\W_]+", text.casefold())) + " "
    for metric in record.headline_metrics:
        for field in ("benchmark", "subject", "comparison"):
            label = getattr(metric, field)
            if label and field not in metric.unstated_labels:
                run = " ".join(re.findall(r"[^\W_]+", label.casefold()))
                if not run or f" {run} " not in words:
                    problems.append(f"{metric.metric}: {field} {label!r} is not in the source")
    counted = sum(m.grounded for m in record.headline_metrics)
    if (record.grounding.grounded, record.grounding.ungrounded) != (
        counted,
        len(record.headline_metrics) - counted,
    ):
        problems.append("grounding summary does not match the metrics")
    return problems
