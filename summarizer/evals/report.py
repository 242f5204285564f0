"""Write an evaluation as `report.json`, `report.md` and a self-contained `report.html`."""

from __future__ import annotations

import html
import json
from pathlib import Path

from summarizer.errors import ConfigError
from summarizer.evals.run import EvalReport
from summarizer.evals.scoring import NOISE_SHARE, CaseScore, spec

HEADLINE = (
    "metric_recall",
    "metric_recall_all",
    "grounded_rate",
    "rouge_summary",
    "rouge_objective",
    "rouge_methods",
    "rouge_implications",
)
_STYLE = """
body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}
td:first-child,th:first-child{text-align:left}section{border-top:2px solid #888;margin-top:2em}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1em}.box{background:#f6f6f6;padding:.6em}
mark{background:#ffe58a}mark.bad{background:#ffb3b3}.failed{color:#b00}small{color:#666}
"""


def write_reports(report: EvalReport, folder: Path) -> list[Path]:
    """Write the three report files into `folder`; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "report.json", folder / "report.md", folder / "report.html"]
    paths[0].write_text(report.model_dump_json(indent=2), encoding="utf-8")
    paths[1].write_text(render_markdown(report), encoding="utf-8")
    paths[2].write_text(render_html(report), encoding="utf-8")
    return paths


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


def is_worse(name: str, old: float, new: float) -> bool:
    """Whether `new` is a real step back from `old`, beyond print precision and noise."""
    delta = new - old
    metric = spec(name)
    if abs(delta) < 0.0005 or (metric.noisy and abs(delta) <= NOISE_SHARE * abs(old)):
        return False
    return delta < 0 if metric.higher_is_better else delta > 0


def render_markdown(report: EvalReport) -> str:
    """Aggregate table and worst cases as Markdown."""
    lines = [
        f"# Evaluation: {report.dataset}",
        "",
        f"provider `{report.provider}`, model `{report.model}`, {report.created_at:%Y-%m-%d}",
        f"command: `{report.command}`" if report.command else "",
        "",
        "| metric | value |",
        "|---|---:|",
        *(f"| {name} | {show(name, value)} |" for name, value in report.aggregates.items()),
        "",
        "## Worst cases",
        "",
        "| case | title | " + " | ".join(HEADLINE) + " |",
        "|---|---|" + "---:|" * len(HEADLINE),
    ]
    for case in worst(report):
        cells = [_fmt(case.scores.get(name)) for name in HEADLINE]
        title = case.title if case.status == "ok" else f"FAILED: {case.error}"
        lines.append(f"| {case.id} | {title[:60]} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def compare(a: EvalReport, b: EvalReport, changed: int = 5) -> str:
    """Both runs side by side, with deltas per metric and the cases that moved most."""
    names = [n for n in a.aggregates if n in b.aggregates]
    width = max(len(n) for n in names) if names else 10
    rows = [f"{'metric':<{width}}  {'A':>9}  {'B':>9}  {'B - A':>9}"]
    for name in names:
        delta = b.aggregates[name] - a.aggregates[name]
        flag = "  worse" if is_worse(name, a.aggregates[name], b.aggregates[name]) else ""
        rows.append(
            f"{name:<{width}}  {a.aggregates[name]:9.3f}  {b.aggregates[name]:9.3f}  "
            f"{delta:+9.3f}{flag}"
        )
    rows += [
        "",
        f"A: {a.provider}/{a.model} on {a.dataset}; B: {b.provider}/{b.model} on {b.dataset}",
    ]
    moved = []
    b_cases = {c.id: c for c in b.cases}
    for case in a.cases:
        other = b_cases.get(case.id)
        if other is None:
            continue
        deltas = [(other.scores.get(n) or 0.0) - (case.scores.get(n) or 0.0) for n in HEADLINE]
        moved.append((sum(abs(d) for d in deltas), case.id, sum(deltas) / len(deltas)))
    rows.append("cases that changed most (mean delta over headline metrics):")
    rows += [f"  {cid}: {mean:+.3f}" for _, cid, mean in sorted(moved, reverse=True)[:changed]]
    return "\n".join(rows) + "\n"


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


def render_html(report: EvalReport) -> str:
    """A self-contained HTML page: aggregates, chart, and every case."""
    aggregates = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{v:.3f}</td></tr>" for k, v in report.aggregates.items()
    )
    cases = "".join(_case_html(c) for c in report.cases)
    heading = html.escape(f"Evaluation: {report.dataset} — {report.provider} / {report.model}")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{heading}</title>
<style>{_STYLE}</style></head><body><h1>{heading}</h1>
<p><small>{report.created_at:%Y-%m-%d %H:%M} UTC · {html.escape(report.command)}</small></p>
<div class="grid"><table><tr><th>metric</th><th>value</th></tr>{aggregates}</table>
<div><h4>Per-case distribution (red: mean)</h4>{_chart(report)}</div></div>
{cases}
</body></html>
"""


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
