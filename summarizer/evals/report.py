"""Write an evaluation as `report.json`, `report.md` and a self-contained `report.html`."""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable
from pathlib import Path

from summarizer.errors import ConfigError
from summarizer.evals.aggregate import Estimate, estimate, paired_difference
from summarizer.evals.checks import CHECKS
from summarizer.evals.run import EvalReport
from summarizer.evals.scoring import GROUPS, METRICS, NOISE_SHARE, CaseScore, spec
from summarizer.text.html import page
from summarizer.text.markdown import cell

# The per-case scores the worst-case table and the chart show.
HEADLINE = (
    "metric_f1",
    "metric_recall",
    "label_match",
    "rouge_summary",
    "rouge_objective",
    "rouge_methods",
    "rouge_implications",
)
# The eval page's own style, after the shared one (`text.html`): numbers right-aligned.
_STYLE = (
    "td,th{padding:2px 10px;text-align:right;vertical-align:baseline}"
    "td:first-child,th:first-child{text-align:left}"
    "section{border-top:2px solid #888;margin-top:2em}"
    ".grid{display:grid;grid-template-columns:1fr 1fr;gap:1em}.box{background:#f6f6f6;padding:.6em}"
    "mark{background:#ffe58a}mark.bad{background:#ffb3b3}.failed{color:#b00}"
)


def write_reports(report: EvalReport, folder: Path) -> list[Path]:
    """Write the three report files into `folder`, each whole or not at all (a full disk
    leaves the earlier file, not half of a new one); returns their paths. A folder that cannot
    be written is a `ConfigError` naming it."""
    texts: dict[Path, Callable[[], str]] = {
        folder / "report.json": lambda: report.model_dump_json(indent=2),
        folder / "report.md": lambda: report_markdown(report),
        folder / "report.html": lambda: report_html(report),
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in texts.items():
            _write_whole(path, text())
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise ConfigError(
            f"{folder}: cannot write the report ({why}); choose another --out"
        ) from None
    return list(texts)


def _write_whole(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def report_folder(out: Path, report: EvalReport) -> tuple[Path, bool]:
    """`out/DATASET.PROVIDER`, numbered when another run's report is already there.

    Another run means other predictions or another model; the same run again replaces its own
    report. Returns the folder and whether it replaces one.
    """
    base = out / f"{report.dataset}.{report.provider}"
    folder, number = base, 1
    while (folder / "report.json").is_file():
        try:
            earlier = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            earlier = {}
        same = (report.model, report.predictions)
        if isinstance(earlier, dict) and (earlier.get("model"), earlier.get("predictions")) == same:
            return folder, True
        number += 1
        folder = base.with_name(f"{base.name}.{number}")
    return folder, False


def worst(report: EvalReport, count: int = 5) -> list[CaseScore]:
    """The cases that agree least with their references (failures first)."""

    def badness(case: CaseScore) -> float:
        if case.status != "ok":
            return 10.0
        scores = [case.scores.get(name) for name in HEADLINE]
        known = [s for s in scores if s is not None]
        return 1 - sum(known) / len(known) if known else 0.0

    return sorted(report.cases, key=badness, reverse=True)[:count]


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


# Counts are shown as whole numbers; everything else to three decimals.
COUNTS = frozenset({"cases"})


def show(name: str, value: float) -> str:
    """An aggregate as printed: '20' for counts, '0.750' otherwise."""
    return f"{value:.0f}" if name in COUNTS else f"{value:.3f}"


def interval(found: Estimate | None) -> str:
    """`[low, high]` to three decimals, or '' for a count or an undefined interval."""
    if found is None or found.low is None or found.high is None:
        return ""
    return f"[{found.low:.3f}, {found.high:.3f}]"


def grouped(report: EvalReport) -> dict[str, list[tuple[str, Estimate, str]]]:
    """The report's aggregates by group, in `METRICS` order: (name, estimate, definition)."""
    out: dict[str, list[tuple[str, Estimate, str]]] = {group: [] for group in GROUPS}
    for metric in METRICS:
        found = report.estimate(metric.name)
        if found is not None:
            out[metric.group].append((metric.name, found, metric.definition))
    return {group: rows for group, rows in out.items() if rows}


def check_lines(report: EvalReport) -> list[str]:
    """One line per check: passed, or failed with every violation."""
    lines = []
    for name, definition in CHECKS.items():
        broken = report.checks.get(name, [])
        verdict = f"FAILED in {len(broken)} place(s)" if broken else "passed"
        lines.append(f"- `{name}`: {verdict} — {definition}")
        lines += [f"  - {cell(v)}" for v in broken]
    return lines


def report_markdown(report: EvalReport) -> str:
    """Checks, the aggregates by group with intervals and definitions, and the worst cases."""
    lines = [
        f"# Evaluation: {report.dataset}",
        "",
        f"provider `{report.provider}`, model `{report.model}`, {report.created_at:%Y-%m-%d}",
        f"command: `{report.command}`" if report.command else "",
        "",
        "## Checks",
        "",
        *check_lines(report),
        "",
    ]
    for group, rows in grouped(report).items():
        lines += [f"## {group.capitalize()}", "", "| score | value | 95% interval | definition |",
                  "|---|---:|---:|---|"]  # fmt: skip
        lines += [f"| {n} | {show(n, e.value)} | {interval(e)} | {d} |" for n, e, d in rows]
        lines.append("")
    lines += [
        "## Worst cases",
        "",
        "| case | title | " + " | ".join(HEADLINE) + " |",
        "|---|---|" + "---:|" * len(HEADLINE),
    ]
    for case in worst(report):
        cells = [_fmt(case.scores.get(name)) for name in HEADLINE]
        title = case.title if case.status == "ok" else f"FAILED: {case.error}"
        lines.append(f"| {case.id} | {cell(title[:60])} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def verdict(name: str, change: Estimate, before: float) -> str:
    """ "better" or "worse" when the paired interval excludes zero (and, for a noisy cost,
    the change exceeds `NOISE_SHARE` of the old value), else ""."""
    metric = spec(name)
    if not change.excludes_zero():
        return ""
    if metric.noisy and abs(change.value) <= NOISE_SHARE * abs(before):
        return ""
    up = change.value > 0
    return "better" if up == metric.higher_is_better else "worse"


def compare(a: EvalReport, b: EvalReport, changed: int = 5) -> str:
    """B against A, paired by case id: each aggregate on the shared cases, the difference with
    a paired bootstrap 95% interval, and a verdict only where the interval excludes zero."""
    a_cases, b_cases = {c.id: c for c in a.cases}, {c.id: c for c in b.cases}
    shared = [cid for cid in a_cases if cid in b_cases]
    only_a = [cid for cid in a_cases if cid not in b_cases]
    only_b = [cid for cid in b_cases if cid not in a_cases]
    rows_a = [a_cases[cid].scores for cid in shared]
    rows_b = [b_cases[cid].scores for cid in shared]
    out = [
        f"A: {a.provider}/{a.model} on {a.dataset}; B: {b.provider}/{b.model} on {b.dataset}",
        f"paired on {len(shared)} case(s) by id",
    ]
    if only_a:
        out.append(f"only in A (not compared): {', '.join(only_a)}")
    if only_b:
        out.append(f"only in B (not compared): {', '.join(only_b)}")
    width = max(len(m.name) for m in METRICS)
    out += ["", f"{'metric':<{width}}  {'A':>9}  {'B':>9}  {'B - A':>8}  {'95% interval':>18}"]
    for metric in METRICS:
        change = paired_difference(metric.how, rows_a, rows_b)
        before, after = estimate(metric.how, rows_a), estimate(metric.how, rows_b)
        if change is None or before is None or after is None:
            continue
        flag = verdict(metric.name, change, before.value)
        out.append(
            f"{metric.name:<{width}}  {before.value:9.3f}  {after.value:9.3f}  "
            f"{change.value:+8.3f}  {interval(change):>18}  {flag}".rstrip()
        )
    moved = []
    for cid in shared:
        deltas = [
            (b_cases[cid].scores.get(n) or 0.0) - (a_cases[cid].scores.get(n) or 0.0)
            for n in HEADLINE
        ]
        moved.append((sum(abs(d) for d in deltas), cid, sum(deltas) / len(deltas)))
    out += ["", "better/worse: the paired interval excludes 0; blank: no clear change", ""]
    out.append("cases that changed most (mean delta over the headline scores):")
    out += [f"  {cid}: {mean:+.3f}" for _, cid, mean in sorted(moved, reverse=True)[:changed]]
    return "\n".join(out) + "\n"


def _highlighted(case: CaseScore) -> str:
    """The source text with every cited evidence span marked (red when ungrounded)."""
    spans: dict[tuple[int, int], bool] = {}
    for metric in case.record.headline_metrics if case.record else []:
        for evidence in metric.evidence:
            key = (evidence.start, evidence.end)
            spans[key] = spans.get(key, True) and metric.grounded
    out, at = [], 0
    for (start, end), grounded in sorted(spans.items()):
        if start < at:
            continue
        css = "" if grounded else ' class="bad"'
        out += [html.escape(case.source[at:start]), f"<mark{css}>"]
        out += [html.escape(case.source[start:end]), "</mark>"]
        at = end
    out.append(html.escape(case.source[at:]))
    return "".join(out)


def _chart(report: EvalReport) -> str:
    """An inline SVG strip chart: one row per metric, one dot per case, scale 0..1."""
    row_h, left, width = 26, 150, 520
    parts = [f'<svg width="{left + width + 20}" height="{row_h * len(HEADLINE) + 30}">']
    for row, name in enumerate(HEADLINE):
        y = 20 + row * row_h
        parts.append(f'<text x="0" y="{y + 4}" font-size="12">{name}</text>')
        parts.append(f'<line x1="{left}" x2="{left + width}" y1="{y}" y2="{y}" stroke="#ccc"/>')
        for case in report.cases:
            value = case.scores.get(name)
            if value is not None:
                x = left + value * width
                parts.append(f'<circle cx="{x:.1f}" cy="{y}" r="4" fill="#3a6ea5" opacity=".5"/>')
        mean = report.aggregates.get(name)
        if mean is not None:
            x = left + mean * width
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y - 8}" y2="{y + 8}" stroke="#c00"/>'
            )
    y = 20 + len(HEADLINE) * row_h
    parts.append(f'<text x="{left}" y="{y}" font-size="11">0</text>')
    parts.append(f'<text x="{left + width - 6}" y="{y}" font-size="11">1</text></svg>')
    return "".join(parts)


def _case_html(case: CaseScore) -> str:
    title = html.escape(f"{case.id} — {case.title}")
    if case.record is None:
        error = html.escape(str(case.error))
        return f'<section><h3>{title}</h3><p class="failed">failed: {error}</p></section>'
    record = case.record
    scores = "".join(
        f"<tr><td>{html.escape(n)}</td><td>{_fmt(v)}</td></tr>"
        for n, v in case.scores.items()
        if not n.startswith("_")
    )
    metrics = "".join(
        f"<li>{html.escape(m.metric)}: <b>{html.escape(m.value_text)}</b>"
        f"{' on ' + html.escape(m.benchmark) if m.benchmark else ''} "
        f"<small>[{', '.join(str(e.sentence) for e in m.evidence)}] "
        f"{'grounded' if m.grounded else 'NOT grounded: ' + html.escape(m.grounding_note or '')}"
        f"</small></li>"
        for m in record.headline_metrics
    )
    reference = "".join(
        f"<p><b>{html.escape(k)}</b>: {html.escape(v)}</p>" for k, v in case.reference.items()
    )
    methods = "".join(
        f"<li>{html.escape(m.name)}: {html.escape(m.description)}</li>" for m in record.methods
    )
    implications = "".join(f"<li>{html.escape(i)}</li>" for i in record.implications)
    return f"""<section><h3>{title}</h3>
<div class="box"><b>Source</b> <small>(evidence highlighted)</small><br>{_highlighted(case)}</div>
<div class="grid"><div><h4>Extraction</h4>
<p><b>summary</b>: {html.escape(record.one_line_summary)}</p>
<p><b>objective</b>: {html.escape(record.objective)}</p><b>methods</b><ul>{methods}</ul>
<b>metrics</b><ul>{metrics}</ul><b>implications</b><ul>{implications}</ul></div>
<div><h4>Reference</h4>{reference}<h4>Scores</h4><table>{scores}</table></div></div></section>"""


def _aggregates_html(report: EvalReport) -> str:
    parts = []
    for group, rows in grouped(report).items():
        body = "".join(
            f"<tr><td>{html.escape(n)}</td><td>{show(n, e.value)}</td><td>{interval(e)}</td>"
            f"<td><small>{html.escape(d)}</small></td></tr>"
            for n, e, d in rows
        )
        parts.append(
            f"<h3>{group.capitalize()}</h3><table><tr><th>score</th><th>value</th>"
            f"<th>95% interval</th><th>definition</th></tr>{body}</table>"
        )
    return "".join(parts)


def _checks_html(report: EvalReport) -> str:
    items = []
    for name, definition in CHECKS.items():
        broken = report.checks.get(name, [])
        state = f'<b class="failed">FAILED in {len(broken)} place(s)</b>' if broken else "passed"
        cases = "".join(f"<li>{html.escape(v)}</li>" for v in broken)
        items.append(
            f"<li><code>{html.escape(name)}</code>: {state}: <small>{html.escape(definition)}"
            f"</small><ul>{cases}</ul></li>"
        )
    return f'<div class="box"><h3>Checks</h3><ul>{"".join(items)}</ul></div>'


def report_html(report: EvalReport) -> str:
    """A self-contained HTML page: checks, aggregates by group, chart, and every case."""
    cases = "".join(_case_html(c) for c in report.cases)
    heading = f"Evaluation: {report.dataset} — {report.provider} / {report.model}"
    body = f"""<h1>{html.escape(heading)}</h1>
<p><small>{report.created_at:%Y-%m-%d %H:%M} UTC · {html.escape(report.command)}</small></p>
{_checks_html(report)}
<div class="grid"><div>{_aggregates_html(report)}</div>
<div><h4>Per-case distribution (red: mean)</h4>{_chart(report)}</div></div>
{cases}"""
    return page(heading, body, _STYLE)


def load_report(path: Path) -> EvalReport:
    """The report in `path` (a report folder or its `report.json`)."""
    file = path / "report.json" if path.is_dir() else path
    if not file.is_file():
        raise ConfigError(
            f"no report at {path}; `summarize eval DATASET ...` writes one into reports/ "
            "and prints its folder"
        )
    try:
        return EvalReport.model_validate_json(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{file} is not a report written by `summarize eval`: {exc}") from None
