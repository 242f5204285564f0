"""Score extractions against the digests' hand-written summaries, and gate on a baseline.

A dataset is a list of cases: a source item to extract from and a reference summary. Cases come
from pairs files (`arxiv_id, title, abstract, digest_summary`: extract from the abstract) or from
digest markdown (extract from the summary itself, which is also the reference).
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from summarizer.config import Settings
from summarizer.errors import ConfigError
from summarizer.item import Item
from summarizer.numbers import same_value, value_in
from summarizer.pipeline import extract_many
from summarizer.reader import read
from summarizer.redact import redact
from summarizer.reference import Reference, parse_reference
from summarizer.schema import ErrorLine, Metric, Record

# Higher is better for every metric except these.
LOWER_IS_BETTER = frozenset(
    {"hallucinated_numbers", "failure_rate", "reasks", "latency_p50_s", "ungrounded"}
)
SECTIONS = {
    "rouge_summary": "summary",
    "rouge_objective": "objective",
    "rouge_methods": "methodology",
    "rouge_implications": "implication",
}


@dataclass(frozen=True)
class Case:
    """One evaluation case: what to extract from, and what a person wrote about it."""

    id: str
    item: Item
    reference: Reference


def load_dataset(path: Path) -> list[Case]:
    """Cases from a pairs JSONL file or from digest markdown (see module docstring)."""
    if path.suffix in {".jsonl", ".json"}:
        return _pairs(path)
    return [
        Case(
            id=item.arxiv_id or str(item.location), item=item, reference=parse_reference(item.text)
        )
        for item in read([path]).items
    ]


def _pairs(path: Path) -> list[Case]:
    references = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            references[row["arxiv_id"]] = row["digest_summary"]
    return [
        Case(
            id=item.arxiv_id or "", item=item, reference=parse_reference(references[item.arxiv_id])
        )
        for item in read([path]).items
        if item.arxiv_id in references
    ]


class CaseScore(BaseModel):
    """Scores of one case (`None` where it has nothing to score), its reference and record."""

    id: str
    title: str
    status: str
    scores: dict[str, float | None]
    error: str | None = None
    source: str
    reference: dict[str, str]
    record: Record | None = None


class EvalReport(BaseModel):
    """A scored run: what was run, the aggregates, and every case."""

    dataset: str
    provider: str
    model: str
    command: str
    predictions: str | None = Field(
        default=None, description="The scored extract output; None when the run extracted."
    )
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    aggregates: dict[str, float]
    cases: list[CaseScore]


@cache
def _rouge() -> Any:
    # Imported on first use: rouge-score pulls in nltk, which would slow every CLI start.
    from rouge_score import rouge_scorer  # noqa: PLC0415

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)


def rouge_l(prediction: str, reference: str) -> float | None:
    """ROUGE-L F1 of two texts, or None when the reference part is missing."""
    if not reference.strip():
        return None
    return float(_rouge().score(reference, prediction)["rougeL"].fmeasure)


def score_case(case: Case, line: Record | ErrorLine | None) -> CaseScore:
    """Per-case scores (see README, "Evaluation")."""
    source, reference = case.item.text, case.reference
    shared = {
        "id": case.id,
        "title": case.item.title,
        "source": source,
        "reference": reference.parts,
    }
    if not isinstance(line, Record):
        error = redact(line.error.message) if isinstance(line, ErrorLine) else "no prediction"
        return CaseScore(**shared, status="failed", scores={}, error=error)
    metrics = line.headline_metrics
    values = [m.value for m in metrics if m.value is not None]
    reachable = [n for n in reference.numbers if value_in(n.value, source)]
    found = [n for n in reachable if any(same_value(v, n) for v in values)]
    found_all = [n for n in reference.numbers if any(same_value(v, n) for v in values)]
    labels = [label_match(m, reference) for m in metrics]
    matched = [share for share in labels if share is not None]
    methods = " ".join(f"{m.name}: {m.description}" for m in line.methods)
    scores: dict[str, float | None] = {
        "metric_recall": _share(len(found), len(reachable)),
        "metric_recall_all": _share(len(found_all), len(reference.numbers)),
        "reachable_ceiling": _share(len(reachable), len(reference.numbers)),
        "metric_precision": _share(len(matched), len(metrics)),
        "label_match": statistics.fmean(matched) if matched else None,
        "grounded_rate": _share(line.grounding.grounded, len(metrics)),
        "ungrounded_before_reask": float(line.grounding.ungrounded_before_reask),
        "ungrounded": float(line.grounding.ungrounded),
        "hallucinated_numbers": float(
            sum(m.value is None or not value_in(m.value, source) for m in metrics)
        ),
        "rouge_summary": rouge_l(line.one_line_summary, reference.part("summary")),
        "rouge_objective": rouge_l(line.objective, reference.part("objective")),
        "rouge_methods": rouge_l(methods, reference.part("methodology")),
        "rouge_implications": rouge_l(" ".join(line.implications), reference.part("implication")),
        "reasks": float(max(line.provenance.attempts - 1, 0)),
        "prompt_tokens": float(line.provenance.usage.prompt_tokens),
        "completion_tokens": float(line.provenance.usage.completion_tokens),
        "latency_s": line.provenance.latency_s,
        "_reference_numbers": float(len(reference.numbers)),
        "_reachable": float(len(reachable)),
        "_found": float(len(found)),
        "_found_all": float(len(found_all)),
        "_precise": float(len(matched)),
        "_extracted": float(len(metrics)),
    }
    return CaseScore(**shared, status="ok", scores=scores, record=line)


_WORD = re.compile(r"[a-z][a-z0-9+\-]*")
_STOPWORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "of",
        "on",
        "in",
        "for",
        "to",
        "with",
        "by",
        "and",
        "or",
        "at",
        "as",
        "from",
        "its",
        "their",
        "this",
        "that",
        "these",
        "than",
        "over",
        "vs",
        "via",
        "into",
        "across",
        "while",
        "under",
        "using",
        "based",
        "when",
        "which",
        "who",
    )
)
LABEL_WINDOW = 12


def label_match(metric: Metric, reference: Reference) -> float | None:
    """How well a metric's labels agree with the reference's words around the same number.

    None when the metric's value is not among the reference's result numbers. Otherwise: the
    share of the content words of `metric`, `benchmark` and `subject` (lower-cased, stop words
    dropped, compared by their first five letters) that occur within `LABEL_WINDOW` words either
    side of that number in its reference sentence; the best such number counts.
    """
    if metric.value is None:
        return None
    value = metric.value
    spots = [n for n in reference.numbers if same_value(value, n)]
    if not spots:
        return None
    label = " ".join(p for p in (metric.metric, metric.benchmark, metric.subject) if p)
    words = _content(label)
    if not words:
        return 0.0
    best = 0.0
    for spot in spots:
        near = _content(_window(reference.results, spot.start, spot.end))
        best = max(best, len(words & near) / len(words))
    return best


def _content(text: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in _STOPWORDS}


def _window(text: str, start: int, end: int) -> str:
    """The words within `LABEL_WINDOW` of `[start, end)`, not crossing a sentence end."""
    left = re.split(r"[.;!?]\s", text[:start])[-1].split()[-LABEL_WINDOW:]
    right = re.split(r"[.;!?]\s", text[end:])[0].split()[:LABEL_WINDOW]
    return " ".join([*left, *right])


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def aggregate(cases: list[CaseScore]) -> dict[str, float]:
    """Means over cases, micro-averaged recalls, and operational rates."""
    ok = [c for c in cases if c.status == "ok"]
    out: dict[str, float] = {
        "cases": float(len(cases)),
        "validity_rate": len(ok) / len(cases) if cases else 0.0,
        "failure_rate": 1 - len(ok) / len(cases) if cases else 0.0,
    }
    names = sorted({k for c in ok for k in c.scores if not k.startswith("_")})
    for name in names:
        values = [v for c in ok if (v := c.scores.get(name)) is not None]
        if values:
            out[name] = statistics.fmean(values)
    pooled = {"metric_recall_micro": ("_found", "_reachable"),
              "metric_recall_all_micro": ("_found_all", "_reference_numbers"),
              "metric_precision_micro": ("_precise", "_extracted")}  # fmt: skip
    for name, (part, whole) in pooled.items():
        denominator = sum(c.scores.get(whole) or 0.0 for c in ok)
        if denominator:
            out[name] = sum(c.scores.get(part) or 0.0 for c in ok) / denominator
    latencies = sorted(c.scores["latency_s"] or 0.0 for c in ok if "latency_s" in c.scores)
    if latencies:
        out["latency_p50_s"] = statistics.median(latencies)
        out["latency_p95_s"] = latencies[
            min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))
        ]
    return out


def match_predictions(
    cases: list[Case], lines: Iterable[Record | ErrorLine]
) -> list[Record | ErrorLine | None]:
    """Pair each case with the prediction extracted from its source text."""
    by_text = {_words(line.source.text): line for line in lines}
    return [by_text.get(_words(c.item.text)) for c in cases]


def foreign_predictions(cases: list[Case], lines: Iterable[Record | ErrorLine]) -> int:
    """Predictions that name a case's arXiv id but were extracted from another text."""
    texts = {c.item.arxiv_id: _words(c.item.text) for c in cases if c.item.arxiv_id}
    return sum(
        1
        for line in lines
        if line.source.arxiv_id in texts and texts[line.source.arxiv_id] != _words(line.source.text)
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def load_predictions(path: Path) -> list[Record | ErrorLine]:
    """Read a `summarize extract` output file."""
    lines: list[Record | ErrorLine] = []
    for text in path.read_text(encoding="utf-8").splitlines():
        if text.strip():
            entry = json.loads(text)
            model = ErrorLine if entry.get("status") == "error" else Record
            lines.append(model.model_validate(entry))
    return lines


class Bound(BaseModel):
    """A baseline value and how far an aggregate may fall behind it."""

    value: float
    tolerance: float


class Baseline(BaseModel):
    """Committed aggregates of one dataset and provider, with tolerances."""

    dataset: str
    provider: str
    model: str
    metrics: dict[str, Bound]


DEFAULT_TOLERANCE = 0.02
GATED = (
    "validity_rate",
    "metric_recall",
    "metric_recall_micro",
    "metric_recall_all",
    "metric_precision",
    "metric_precision_micro",
    "label_match",
    "grounded_rate",
    "hallucinated_numbers",
    "rouge_summary",
    "rouge_objective",
    "rouge_methods",
    "rouge_implications",
)


def regressions(report: EvalReport, baseline: Baseline) -> list[str]:
    """The gated aggregates that fell behind the baseline by more than its tolerance."""
    failed = []
    for name, bound in baseline.metrics.items():
        value = report.aggregates.get(name)
        if value is None:
            failed.append(f"{name}: missing (baseline {bound.value:.3f})")
        elif name in LOWER_IS_BETTER and value > bound.value + bound.tolerance:
            failed.append(f"{name}: {value:.3f} > baseline {bound.value:.3f} + {bound.tolerance}")
        elif name not in LOWER_IS_BETTER and value < bound.value - bound.tolerance:
            failed.append(f"{name}: {value:.3f} < baseline {bound.value:.3f} - {bound.tolerance}")
    return failed


def bless(report: EvalReport, previous: Baseline | None) -> Baseline:
    """A baseline from `report`, keeping the tolerances of `previous`."""
    tolerances = {k: b.tolerance for k, b in previous.metrics.items()} if previous else {}
    metrics = {
        name: Bound(
            value=round(report.aggregates[name], 4),
            tolerance=tolerances.get(name, DEFAULT_TOLERANCE),
        )
        for name in GATED
        if name in report.aggregates
    }
    return Baseline(
        dataset=report.dataset, provider=report.provider, model=report.model, metrics=metrics
    )


def evaluate(
    dataset: Path,
    settings: Settings | None = None,
    predictions: Path | None = None,
    command: str = "",
) -> EvalReport:
    """Score `dataset`: extract with `settings`, or reuse a `predictions` file."""
    cases = load_dataset(dataset)
    if predictions is not None:
        lines = load_predictions(predictions)
    else:
        result = extract_many([c.item for c in cases], settings)
        if result.stopped is not None:
            raise result.stopped
        lines = [*result.records, *result.errors]
    matched = match_predictions(cases, lines)
    if predictions is not None:
        _check_belongs(dataset, cases, lines, matched, predictions)
    scored = [score_case(case, line) for case, line in zip(cases, matched, strict=True)]
    first = next((line for line in matched if isinstance(line, Record)), None)
    return EvalReport(
        dataset=dataset.stem,
        provider=first.provenance.provider if first else (settings.provider if settings else "?"),
        model=first.provenance.model if first else "?",
        command=redact(command),
        predictions=str(predictions.resolve()) if predictions is not None else None,
        aggregates=aggregate(scored),
        cases=scored,
    )


def _check_belongs(
    dataset: Path,
    cases: list[Case],
    lines: list[Record | ErrorLine],
    matched: list[Record | ErrorLine | None],
    predictions: Path,
) -> None:
    """Refuse a predictions file that was extracted from other texts than the dataset's."""
    foreign = foreign_predictions(cases, lines)
    if foreign or not any(line is not None for line in matched):
        why = (
            f"{foreign} of its lines name papers of {dataset.stem} but were extracted from "
            "other texts (digest rows instead of abstracts, say)"
            if foreign
            else f"none of its lines was extracted from a source of {dataset.stem}"
        )
        raise ConfigError(
            f"{predictions} does not hold predictions for {dataset.stem}: {why}. Make the "
            f"right file with: summarize extract {dataset} -o {dataset.stem}.predictions.jsonl"
        )
