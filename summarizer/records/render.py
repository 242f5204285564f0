"""Render records back into what people read: a daily digest, as Markdown or a standalone page.

The Markdown is the archive's own format, so the toolkit's reader reads it back to the same
papers: a `## Papers for DATE` heading per digest date, a `| Title | Authors | Summary |` table,
titles carrying `(Read more on [arXiv](…) or [HuggingFace](…))` when the arXiv id is known, and a
summary in the hand-written `i)` … `v)` shape. Results (`iv)`) are written from grounded metrics
only, their values as the source writes them, with only the labels the source states: a number
the check did not find in the source is never shown, nor a benchmark, subject or comparison it
does not name. A sentence of the prose that writes a number no source sentence writes is left
out. Both are decided here again from the record's own source text, whatever its flags say.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import date

from summarizer.item import find_arxiv_id
from summarizer.records.grounding import LABELS, SourceText, sentence_numbers, unstated_numbers
from summarizer.records.schema import Metric, Record
from summarizer.text.html import page
from summarizer.text.markdown import cell
from summarizer.text.numbers import Mention
from summarizer.text.parts import MARKER_OF
from summarizer.text.sentences import split_sentences

UNDATED = "undated"


def grounded_results(record: Record) -> list[Metric]:
    """The metrics a rendering may show: grounded ones, in the record's order, each with only
    the labels its source states."""
    source = SourceText(record.source.text)
    return [
        m.model_copy(update={f: None for f in LABELS if not source.states(getattr(m, f))})
        for m in record.headline_metrics
        if m.grounded and m.value is not None
    ]


def result_phrase(
    metric: Metric, value: str | None = None, escape: Callable[[str], str] = str
) -> str:
    """One result in words: `subject: metric value on benchmark (vs comparison)`. `value`
    replaces the value as written (for markup around it); `escape` is applied to the words."""
    text = f"{escape(metric.metric)} {value if value is not None else escape(metric.value_text)}"
    if metric.benchmark:
        text += f" on {escape(metric.benchmark)}"
    if metric.subject:
        text = f"{escape(metric.subject)}: {text}"
    if metric.comparison:
        text += f" (vs {escape(metric.comparison)})"
    return text


def stated_prose(text: str, source_numbers: list[Mention]) -> str:
    """`text` without its sentences that write a number none of `source_numbers` writes."""
    if not unstated_numbers(text, source_numbers):
        return text
    kept = [s.text for s in split_sentences(text) if not unstated_numbers(s.text, source_numbers)]
    return " ".join(kept)


def summary_parts(record: Record) -> dict[str, str]:
    """The summary's parts in the hand-written order (empty parts left out)."""
    numbers = sentence_numbers(split_sentences(record.source.text))

    def stated(text: str) -> str:
        return stated_prose(text, numbers)

    methods = "; ".join(
        f"{m.name}: {m.description}"
        for m in record.methods
        if stated(m.name) == m.name and stated(m.description) == m.description
    )
    results = "; ".join(result_phrase(m) for m in grounded_results(record))
    parts = {
        "summary": stated(record.one_line_summary),
        "objective": stated(record.objective),
        "methodology": methods,
        "results": results,
        "implication": " ".join(stated(i) for i in record.implications),
    }
    return {MARKER_OF[part]: _sentence(text) for part, text in parts.items() if text.strip()}


def summary_text(record: Record) -> str:
    """The summary as a digest writes it: `i) … ii) … iii) … iv) … v) …`."""
    return " ".join(f"{marker}) {text}" for marker, text in summary_parts(record).items())


def by_date(records: Iterable[Record]) -> dict[str, list[Record]]:
    """Records grouped by digest date, newest first (undated last), each in input order."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        day = record.source.digest_date
        groups.setdefault(day.isoformat() if day else UNDATED, []).append(record)
    return dict(sorted(groups.items(), key=lambda kv: _order(kv[0]), reverse=True))


def render_markdown(records: Iterable[Record]) -> str:
    """The records as digest Markdown (see module docstring)."""
    out = []
    for day, group in by_date(records).items():
        heading = f"## Papers for {day}" if day != UNDATED else "## Papers"
        out += [heading, "", "| Title | Authors | Summary |", "|-------|---------|---------|"]
        for record in group:
            source = record.source
            title = cell(source.title) + _links(source.arxiv_id)
            cells = (title, cell(", ".join(source.authors)), cell(summary_text(record)))
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def render_html(records: Iterable[Record]) -> str:
    """The records as a standalone HTML page; each number shows the sentence that states it,
    as a tooltip and as a numbered note under its paper."""
    sections = []
    for day, group in by_date(records).items():
        rows = "".join(_row_html(record) for record in group)
        heading = f"Papers for {day}" if day != UNDATED else "Papers"
        sections.append(
            f"<h2>{html.escape(heading)}</h2>\n<table><tr><th>Title</th><th>Authors</th>"
            f"<th>Summary</th></tr>{rows}</table>"
        )
    return page("Papers", "\n".join(sections), _STYLE)


_STYLE = "abbr{text-decoration:underline dotted}ol{margin:.3em 0;color:#555;font-size:13px}"


def _row_html(record: Record) -> str:
    source = record.source
    title = html.escape(source.title)
    if arxiv_id := _linkable(source.arxiv_id):
        title = f'<a href="https://arxiv.org/abs/{html.escape(arxiv_id)}">{title}</a>'
    parts, notes = [], []
    for marker, text in summary_parts(record).items():
        if marker != MARKER_OF["results"]:
            parts.append(f"{marker}) {html.escape(text)}")
            continue
        shown = []
        # One note per cited sentence, however many of the row's numbers it states.
        numbered: dict[int, int] = {}
        for metric in grounded_results(record):
            for e in metric.evidence:
                if e.sentence not in numbered:
                    numbered[e.sentence] = len(numbered) + 1
                    notes.append(f"<li>{html.escape(e.text)}</li>")
            evidence = " ".join(e.text for e in metric.evidence)
            marks = ",".join(str(numbered[e.sentence]) for e in metric.evidence)
            value = (
                f'<abbr title="{html.escape(evidence)}">{html.escape(metric.value_text)}</abbr>'
                f"<sup>{marks}</sup>"
            )
            shown.append(result_phrase(metric, value, html.escape))
        parts.append("iv) " + "; ".join(shown) + ".")
    listed = f"<ol>{''.join(notes)}</ol>" if notes else ""
    return (
        f"<tr><td>{title}</td><td>{html.escape(', '.join(source.authors))}</td>"
        f"<td>{' '.join(parts)}{listed}</td></tr>"
    )


def _order(day: str) -> str:
    return day if day != UNDATED else date.min.isoformat()


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _linkable(arxiv_id: str | None) -> str | None:
    """`arxiv_id` when it is an arXiv identifier, the only text that goes into a link: a
    record edited by hand could hold anything there."""
    return arxiv_id if arxiv_id and find_arxiv_id(arxiv_id) == arxiv_id else None


def _links(arxiv_id: str | None) -> str:
    if not _linkable(arxiv_id):
        return ""
    return (
        f" (Read more on [arXiv](https://arxiv.org/abs/{arxiv_id}) or "
        f"[HuggingFace](https://huggingface.co/papers/{arxiv_id}))"
    )
