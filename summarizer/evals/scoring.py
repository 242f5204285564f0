"""Score one extraction against a person's summary, and average the scores over a dataset.

`METRICS` is the one table of what is measured: each aggregate's name, which way is better,
whether a baseline gates it, and how far it may fall behind before the gate fails.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel

from summarizer.evals.dataset import Case
from summarizer.evals.reference import PARTS, Reference, parse_reference
from summarizer.numbers import same_value, value_in
from summarizer.redact import redact
from summarizer.render import summary_text
from summarizer.schema import ErrorLine, Metric, Record


@dataclass(frozen=True)
class MetricSpec:
    """One aggregate: which way is better, whether a baseline gates it, and the tolerance a new
    baseline starts with. `noisy` marks run-to-run costs that a comparison does not flag for
    changes under `NOISE_SHARE`."""

    name: str
    higher_is_better: bool = True
    gated: bool = False
    tolerance: float = 0.02
    noisy: bool = False


METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("cases"),
    MetricSpec("validity_rate", gated=True),
    MetricSpec("failure_rate", higher_is_better=False),
    MetricSpec("metric_recall", gated=True),
    MetricSpec("metric_recall_micro", gated=True),
    MetricSpec("metric_recall_all", gated=True),
    MetricSpec("metric_recall_all_micro"),
    MetricSpec("reachable_ceiling"),
    MetricSpec("metric_precision", gated=True),
    MetricSpec("metric_precision_micro", gated=True),
    MetricSpec("label_match", gated=True),
    MetricSpec("grounded_rate", gated=True),
    MetricSpec("ungrounded", higher_is_better=False),
    MetricSpec("ungrounded_before_reask", higher_is_better=False),
    MetricSpec("hallucinated_numbers", higher_is_better=False, gated=True),
    MetricSpec("rouge_summary", gated=True),
    MetricSpec("rouge_objective", gated=True),
    MetricSpec("rouge_methods", gated=True),
    MetricSpec("rouge_implications", gated=True),
    # The rendered digest summary (`summarize digest`), scored as the hand-written one is read.
    MetricSpec("digest_rouge", gated=True),
    MetricSpec("digest_rouge_summary"),
    MetricSpec("digest_rouge_objective"),
    MetricSpec("digest_rouge_methodology"),
    MetricSpec("digest_rouge_results"),
    MetricSpec("digest_rouge_implication"),
    MetricSpec("digest_numbers_recalled", gated=True),
    MetricSpec("digest_numbers_unsupported", higher_is_better=False, gated=True),
    MetricSpec("reasks", higher_is_better=False),
    MetricSpec("prompt_tokens", higher_is_better=False, noisy=True),
    MetricSpec("completion_tokens", higher_is_better=False, noisy=True),
    MetricSpec("latency_s", higher_is_better=False, noisy=True),
    MetricSpec("latency_p50_s", higher_is_better=False, noisy=True),
    MetricSpec("latency_p95_s", higher_is_better=False, noisy=True),
)
SPECS = {spec.name: spec for spec in METRICS}
# Operational costs vary from run to run; a change under this share of the old value is noise.
NOISE_SHARE = 0.05


def spec(name: str) -> MetricSpec:
    """The spec of aggregate `name` (an unknown name: higher is better, not gated)."""
    return SPECS.get(name) or MetricSpec(name)


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
        **digest_scores(line, case),
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


def digest_scores(record: Record, case: Case) -> dict[str, float | None]:
    """The rendered summary against the reference: ROUGE-L whole and per part, the share of
    the reference's result numbers it states, and how many numbers it states that the source
    does not."""
    text, reference = summary_text(record), case.reference
    rendered = parse_reference(text)
    stated = [n.value for n in rendered.numbers]
    recalled = [n for n in reference.numbers if any(same_value(v, n) for v in stated)]
    scores: dict[str, float | None] = {"digest_rouge": rouge_l(text, reference.text)}
    for part in PARTS:
        scores[f"digest_rouge_{part}"] = rouge_l(rendered.part(part), reference.part(part))
    scores["digest_numbers_recalled"] = _share(len(recalled), len(reference.numbers))
    scores["digest_numbers_unsupported"] = float(
        sum(not value_in(v, case.item.text) for v in stated)
    )
    return scores


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
