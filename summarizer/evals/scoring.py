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

from summarizer.evals.aggregate import Estimate, Statistic, estimate
from summarizer.evals.checks import case_checks
from summarizer.evals.dataset import Case
from summarizer.evals.gold import gold_scores
from summarizer.evals.matching import (
    assign,
    matches,
    quantities,
    quantity,
    quantity_of,
    stated,
)
from summarizer.evals.reference import Reference, parse_reference
from summarizer.records.grounding import (
    SourceText,
    prose_fields,
    sentence_numbers,
    unstated_numbers,
)
from summarizer.records.render import summary_text
from summarizer.records.schema import ErrorLine, Metric, Record
from summarizer.text.numbers import Mention
from summarizer.text.parts import PARTS
from summarizer.text.redact import redact
from summarizer.text.sentences import split_sentences


@dataclass(frozen=True)
class MetricSpec:
    """One aggregate: its group in the reports, a one-line definition, how it is computed from
    per-case scores, which way is better, whether a baseline gates it, and the smallest change
    the gate treats as material (`tolerance`). `noisy` marks run-to-run costs that a comparison
    does not flag for changes under `NOISE_SHARE`."""

    name: str
    group: str
    definition: str
    statistic: Statistic | None = None
    higher_is_better: bool = True
    gated: bool = False
    tolerance: float = 0.02
    noisy: bool = False

    @property
    def how(self) -> Statistic:
        """The statistic: the mean of the per-case score of the same name unless said."""
        return self.statistic or Statistic("mean", self.name)


def _pooled(of: str, over: str) -> Statistic:
    return Statistic("pooled", of, over)


# Groups in the order the reports show them: what a reader decides on first.
GROUPS = ("numbers", "labels", "prose", "cost", "run")
METRICS: tuple[MetricSpec, ...] = (
    MetricSpec("metric_f1", "numbers", "F1 of extracted metrics against the reachable reference "
               "numbers, per case (0 when the source states some and the record lists none)",
               gated=True),
    MetricSpec("metric_f1_micro", "numbers", "metric_f1 pooled over all cases",
               _pooled("_tp2", "_f1_total"), gated=True),
    MetricSpec("metric_recall", "numbers", "reachable reference numbers (also stated in the "
               "source) that an extracted metric matches", gated=True),
    MetricSpec("metric_recall_micro", "numbers", "metric_recall pooled over all cases",
               _pooled("_found", "_reachable"), gated=True),
    MetricSpec("metric_precision", "numbers", "extracted metrics that match a reference number "
               "(cases with no metric have none)", gated=True),
    MetricSpec("metric_precision_micro", "numbers", "metric_precision pooled over all cases",
               _pooled("_precise", "_extracted"), gated=True),
    MetricSpec("gold_headline_recall", "numbers", "gold headline tuples that an extracted metric "
               "writes (same number as written)", gated=True),
    MetricSpec("gold_headline_recall_micro", "numbers", "gold_headline_recall pooled",
               _pooled("_gold_headline_found", "_gold_headline"), gated=True),
    MetricSpec("gold_precision", "numbers", "extracted metrics that are a gold result or size "
               "tuple at all", gated=True),
    MetricSpec("gold_precision_micro", "numbers", "gold_precision pooled",
               _pooled("_gold_matched", "_gold_extracted"), gated=True),
    MetricSpec("metric_recall_all", "numbers", "all reference result numbers that an extracted "
               "metric matches, reachable or not"),
    MetricSpec("metric_recall_all_micro", "numbers", "metric_recall_all pooled",
               _pooled("_found_all", "_reference_numbers")),
    MetricSpec("reachable_ceiling", "numbers", "reachable / all reference numbers: the most "
               "metric_recall_all can be"),
    MetricSpec("ungrounded", "numbers", "metrics per case that grounding could not tie to a "
               "sentence (kept with grounded: false)", higher_is_better=False),
    MetricSpec("ungrounded_before_reask", "numbers", "the same before the grounding re-ask",
               higher_is_better=False),
    MetricSpec("benchmark_accuracy", "labels", "of metrics matched to gold tuples, the share "
               "whose benchmark agrees with the gold one",
               _pooled("_benchmark_agree", "_gold_matched"), gated=True),
    MetricSpec("subject_accuracy", "labels", "of metrics matched to gold tuples, the share "
               "whose subject agrees with the gold one",
               _pooled("_subject_agree", "_gold_matched"), gated=True),
    MetricSpec("label_match", "labels", "F1 of content words between a matched metric's labels "
               "and the reference words around its number, per case", gated=True),
    MetricSpec("labels_stated", "labels", "benchmark and subject labels (not null) that the "
               "source states, on word boundaries", _pooled("_labels_stated", "_labels")),
    MetricSpec("prose_numbers_unstated", "prose", "numbers per case in the prose that no source "
               "sentence writes (never rendered)", higher_is_better=False),
    MetricSpec("rouge_summary", "prose", "ROUGE-L F1, one_line_summary against the reference "
               "summary part", gated=True),
    MetricSpec("rouge_objective", "prose", "ROUGE-L F1 of the objective", gated=True),
    MetricSpec("rouge_methods", "prose", "ROUGE-L F1 of the methods", gated=True),
    MetricSpec("rouge_implications", "prose", "ROUGE-L F1 of the implications", gated=True),
    MetricSpec("digest_rouge", "prose", "ROUGE-L F1 of the rendered digest summary against the "
               "whole reference", gated=True),
    *(MetricSpec(f"digest_rouge_{part}", "prose", f"ROUGE-L F1 of the rendered {part} part")
      for part in PARTS),
    MetricSpec("digest_numbers_recalled", "prose", "reference result numbers that the rendered "
               "summary states", gated=True),
    MetricSpec("reasks", "cost", "re-asks per case", higher_is_better=False),
    MetricSpec("prompt_tokens", "cost", "prompt tokens per case", higher_is_better=False,
               noisy=True),
    MetricSpec("completion_tokens", "cost", "completion tokens per case",
               higher_is_better=False, noisy=True),
    MetricSpec("latency_s", "cost", "seconds per case", higher_is_better=False, noisy=True),
    MetricSpec("latency_p50_s", "cost", "median seconds per case",
               Statistic("median", "latency_s"), higher_is_better=False, noisy=True),
    MetricSpec("latency_p95_s", "cost", "95th percentile of seconds per case",
               Statistic("p95", "latency_s"), higher_is_better=False, noisy=True),
    MetricSpec("cases", "run", "cases in the dataset", Statistic("count")),
    MetricSpec("validity_rate", "run", "cases with a schema-valid record",
               Statistic("mean", "_valid"), gated=True),
    MetricSpec("failure_rate", "run", "cases with no record", Statistic("mean", "_failed"),
               higher_is_better=False),
)  # fmt: skip
SPECS = {spec.name: spec for spec in METRICS}
# Operational costs vary from run to run; a change under this share of the old value is noise.
NOISE_SHARE = 0.05


def spec(name: str) -> MetricSpec:
    """The spec of aggregate `name` (an unknown name: a mean, higher is better, not gated)."""
    return SPECS.get(name) or MetricSpec(name, "run", "")


class CaseScore(BaseModel):
    """Scores of one case (`None` where it has nothing to score), its reference and record,
    and the violations of each check (`checks.CHECKS`)."""

    id: str
    title: str
    status: str
    scores: dict[str, float | None]
    checks: dict[str, list[str]] = {}
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
    """Per-case scores (see README, "Evaluation"). A failed case scores as a record with no
    metrics where that is defined (F1 and recalls 0), so failing is never cheaper than trying."""
    source, reference = case.item.text, case.reference
    in_source = quantities(source)
    refs = [quantity(n) for n in reference.numbers]
    reachable = {j for j, q in enumerate(refs) if stated(q, in_source)}
    shared = {
        "id": case.id,
        "title": case.item.title,
        "source": source,
        "reference": reference.parts,
    }
    metrics = line.headline_metrics if isinstance(line, Record) else []
    ours = [quantity_of(m.value_text) for m in metrics]
    pairs = assign(
        len(metrics),
        len(refs),
        lambda i, j: (q := ours[i]) is not None and matches(q, refs[j]),
        prefer=lambda i, j: j in reachable,
    )
    found = sum(j in reachable for j in pairs.values())
    scores: dict[str, float | None] = {
        "metric_f1": _share(2 * found, len(metrics) + len(reachable)),
        "metric_recall": _share(found, len(reachable)),
        "metric_recall_all": _share(len(pairs), len(refs)),
        "reachable_ceiling": _share(len(reachable), len(refs)),
        "_valid": float(isinstance(line, Record)),
        "_failed": float(not isinstance(line, Record)),
        "_reference_numbers": float(len(refs)),
        "_reachable": float(len(reachable)),
        "_found": float(found),
        "_found_all": float(len(pairs)),
        "_tp2": float(2 * found),
        "_f1_total": float(len(metrics) + len(reachable)),
    }
    if case.gold is not None:
        scores |= gold_scores(metrics, case.gold)
        scores["_gold_extracted"] = float(len(metrics))
    if not isinstance(line, Record):
        error = redact(line.error.message) if isinstance(line, ErrorLine) else "no prediction"
        scores["gold_precision"] = None
        return CaseScore(**shared, status="failed", scores=scores, error=error)
    labels = [label_match(metrics[i], reference, reference.numbers[j]) for i, j in pairs.items()]
    rendered = summary_text(line)
    source_text = SourceText(source)
    named = [label for m in metrics for label in (m.benchmark, m.subject) if label]
    numbers_in_source = sentence_numbers(split_sentences(source))
    invented = [
        n for _, text in prose_fields(line) for n in unstated_numbers(text, numbers_in_source)
    ]
    methods = " ".join(f"{m.name}: {m.description}" for m in line.methods)
    scores |= {
        "metric_precision": _share(len(pairs), len(metrics)),
        "label_match": statistics.fmean(labels) if labels else None,
        "ungrounded_before_reask": float(line.grounding.ungrounded_before_reask),
        "ungrounded": float(line.grounding.ungrounded),
        "rouge_summary": rouge_l(line.one_line_summary, reference.part("summary")),
        "rouge_objective": rouge_l(line.objective, reference.part("objective")),
        "rouge_methods": rouge_l(methods, reference.part("methodology")),
        "rouge_implications": rouge_l(" ".join(line.implications), reference.part("implication")),
        **digest_scores(rendered, case),
        "reasks": float(max(line.provenance.attempts - 1, 0)),
        "prompt_tokens": float(line.provenance.usage.prompt_tokens),
        "completion_tokens": float(line.provenance.usage.completion_tokens),
        "latency_s": line.provenance.latency_s,
        "_precise": float(len(pairs)),
        "_extracted": float(len(metrics)),
        "_labels": float(len(named)),
        "_labels_stated": float(sum(source_text.states(label) for label in named)),
        "prose_numbers_unstated": float(len(invented)),
    }
    violations = case_checks(line, in_source, rendered)
    checks = {name: found for name, found in violations.items() if found}
    return CaseScore(**shared, status="ok", scores=scores, checks=checks, record=line)


def digest_scores(text: str, case: Case) -> dict[str, float | None]:
    """The rendered summary (`render.summary_text`) against the reference: ROUGE-L whole and
    per part, and the share of the reference's result numbers its results part states
    (one-to-one)."""
    reference = case.reference
    rendered = parse_reference(text)
    stated_here = [quantity(n) for n in rendered.numbers]
    refs = [quantity(n) for n in reference.numbers]
    recalled = assign(len(refs), len(stated_here), lambda i, j: matches(refs[i], stated_here[j]))
    scores: dict[str, float | None] = {"digest_rouge": rouge_l(text, reference.text)}
    for part in PARTS:
        scores[f"digest_rouge_{part}"] = rouge_l(rendered.part(part), reference.part(part))
    scores["digest_numbers_recalled"] = _share(len(recalled), len(refs))
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


def label_match(metric: Metric, reference: Reference, number: Mention) -> float:
    """How well a metric's labels agree with the reference's words around the number it matched.

    F1 of two sets of content words (lower-cased, stop words dropped, compared by their first
    five letters): those of the metric's `metric`, `benchmark` and `subject`, and those within
    `LABEL_WINDOW` words either side of `number` in its reference sentence. A short label that
    names one word of the clause scores low on recall; a long one that names what is not there
    scores low on precision. 0 when either side has no content word.
    """
    label = " ".join(p for p in (metric.metric, metric.benchmark, metric.subject) if p)
    words = _content(label)
    near = _content(_window(reference.results, number.start, number.end))
    common = len(words & near)
    return 2 * common / (len(words) + len(near)) if common else 0.0


def _content(text: str) -> set[str]:
    return {w[:5] for w in _WORD.findall(text.lower()) if w not in _STOPWORDS}


def _window(text: str, start: int, end: int) -> str:
    """The words within `LABEL_WINDOW` of `[start, end)`, not crossing a sentence end."""
    left = re.split(r"[.;!?]\s", text[:start])[-1].split()[-LABEL_WINDOW:]
    right = re.split(r"[.;!?]\s", text[end:])[0].split()[:LABEL_WINDOW]
    return " ".join([*left, *right])


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def estimates(cases: list[CaseScore]) -> dict[str, Estimate]:
    """Every aggregate of `METRICS` that the cases define, with its 95% bootstrap interval."""
    rows = [c.scores for c in cases]
    found = {m.name: estimate(m.how, rows) for m in METRICS}
    return {name: e for name, e in found.items() if e is not None}


def case_violations(cases: list[CaseScore]) -> dict[str, list[str]]:
    """Per check, every violation as `CASE: what`, for the checks any case breaks."""
    out: dict[str, list[str]] = {}
    for case in cases:
        for name, problems in case.checks.items():
            out.setdefault(name, []).extend(f"{case.id}: {p}" for p in problems)
    return out
