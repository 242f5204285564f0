"""Results across papers: every grounded number reported on a benchmark, metric or subject.

Names are compared in a normal form, lower-case letters and digits only, so that the spellings
papers use for one benchmark meet: `MATH-500`, `MATH500` and `Math 500` are all `math500`;
`SWE-bench Verified` and `SWE-Bench-Verified` are `swebenchverified`. A query matches a result
when its normal form is part of the normal form of the result's benchmark, metric or subject,
and that name is stated in the paper's text (`grounding.SourceText.span`: its normal form
occurs in the source's on word boundaries; a label the record lists in `unstated_labels` never
is). Only grounded metrics of records whose claims
hold (`verify`) are results: a number the source does not state, or a name it does not give,
is never reported as a fact. `include_unstated` also matches the names the source does not state.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Literal

from summarizer.errors import ConfigError
from summarizer.item import Problem
from summarizer.records.grounding import SourceText
from summarizer.records.schema import Metric, Record
from summarizer.records.store import read_records
from summarizer.text.labels import normal_form
from summarizer.text.markdown import cell
from summarizer.text.spreadsheet import safe_row

ResultFormat = Literal["table", "csv", "json"]
# One normal form for labels everywhere: the one grounding states them by.
normalise = normal_form


@dataclass(frozen=True)
class Result:
    """One grounded number, where it was reported and the sentence that states it."""

    date: str
    title: str
    arxiv_id: str | None
    subject: str | None
    value_text: str
    metric: str
    benchmark: str | None
    comparison: str | None
    evidence: str
    key: str


def find_results(
    query: str, records: Iterable[Record], include_unstated: bool = False
) -> list[Result]:
    """Every grounded metric whose stated benchmark, metric or subject matches `query`, newest
    first (see module docstring; `include_unstated` also matches names the source does not
    state)."""
    wanted = _wanted(query)
    found = []
    for record in records:
        source = _Lazy(record.source.text)
        for metric in record.headline_metrics:
            if metric.grounded and _matches(wanted, metric, None if include_unstated else source):
                found.append(_result(record, metric))
    found.sort(key=lambda r: (r.date, r.title), reverse=True)
    return found


def might_hold(query: str) -> Callable[[str], bool]:
    """A fast test of an output line's JSON text that accepts every line holding a match for
    `query`, so that the others need not be parsed: the query's letters and digits in order,
    with anything else (or a JSON `\\uXXXX` escape) between them, within the line's
    `headline_metrics`. A line with non-ASCII text there is always accepted, since case folding
    may change its letters (`ß` is `ss`)."""
    gap = r"(?:[^0-9a-zA-Z]|\\u[0-9a-fA-F]{4})*"
    pattern = re.compile(gap.join(re.escape(c) for c in _wanted(query)), re.IGNORECASE)

    def test(text: str) -> bool:
        # A key with its quotes cannot occur inside a JSON string, where quotes are escaped.
        start, end = text.find('"headline_metrics":'), text.find('"grounding":')
        metrics = text[start:end] if 0 <= start < end else text
        return not metrics.isascii() or pattern.search(metrics) is not None

    return test


def results_in(
    query: str, paths: Iterable[str | os.PathLike[str]], include_unstated: bool = False
) -> tuple[list[Result], list[Problem]]:
    """`find_results` over the records of output files that verify, reading only the lines
    that may match; also the lines that could not be read or did not verify."""
    records, problems = read_records(paths, might_hold(query))
    return find_results(query, records, include_unstated), problems


def explain(query: str, results: Iterable[Result]) -> list[str]:
    """How `query` was matched: its normal form, and each name it met with that name's form."""
    wanted = _wanted(query)
    lines = [f"query {query!r} is matched as {wanted!r}"]
    met: dict[str, str] = {}
    for result in results:
        for name in (result.benchmark, result.metric, result.subject):
            if name and wanted in normalise(name):
                met.setdefault(name, normalise(name))
    lines += [f"  {name!r} -> {form!r}" for name, form in sorted(met.items())]
    return lines


def render(results: list[Result], fmt: ResultFormat = "table") -> str:
    """`results` as a Markdown table, CSV or a JSON array."""
    rows = [asdict(r) for r in results]
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=[f.name for f in _FIELDS])
        writer.writeheader()
        writer.writerows(safe_row(row) for row in rows)
        return out.getvalue()
    shown = ("date", "title", "subject", "value_text", "metric", "benchmark", "comparison",
             "evidence")  # fmt: skip
    lines = ["| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
    for row in rows:
        cells = [cell(str(row[c] or "")) for c in shown]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


_FIELDS = Result.__dataclass_fields__.values()


def _wanted(query: str) -> str:
    wanted = normalise(query)
    if not wanted:
        raise ConfigError(f"query {query!r} has no letter or digit to match; name a benchmark")
    return wanted


class _Lazy:
    """A record's source text, read as `SourceText` only once a name needs checking."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._read: SourceText | None = None

    def states(self, name: str) -> bool:
        if self._read is None:
            self._read = SourceText(self.text)
        return self._read.states(name)


def _matches(wanted: str, metric: Metric, source: _Lazy | None) -> bool:
    """Whether a name of `metric` matches; with `source`, a name the source states only."""
    names = {"benchmark": metric.benchmark, "metric": metric.metric, "subject": metric.subject}
    for field, name in names.items():
        if not name or wanted not in normalise(name):
            continue
        if source is None or (field not in metric.unstated_labels and source.states(name)):
            return True
    return False


def _result(record: Record, metric: Metric) -> Result:
    day: date | None = record.source.digest_date
    return Result(
        date=(day or record.created_at.date()).isoformat(),
        title=record.source.title,
        arxiv_id=record.source.arxiv_id,
        subject=metric.subject,
        value_text=metric.value_text,
        metric=metric.metric,
        benchmark=metric.benchmark,
        comparison=metric.comparison,
        evidence=" ".join(e.text for e in metric.evidence),
        key=record.key,
    )
