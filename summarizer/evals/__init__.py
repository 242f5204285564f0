"""The eval harness: score extractions against the digests' hand-written summaries and gold tuples.

`dataset` (cases and the shipped datasets) → `reference` (a summary split into parts) and `gold`
(result tuples) → `matching` (the one rule for numbers) → `scoring` (per-case scores, the
`METRICS` table; `checks`, the promises) → `aggregate` (means and pooled ratios with bootstrap
intervals) → `run` (extract or reuse predictions, then score) → `gate` (baselines, paired) and
`report` (JSON, Markdown, HTML, compare).
"""

from __future__ import annotations

from summarizer.evals.aggregate import Estimate
from summarizer.evals.checks import CHECKS
from summarizer.evals.dataset import Case, find_dataset, load_dataset
from summarizer.evals.gate import Baseline, gate
from summarizer.evals.gold import GoldTuple
from summarizer.evals.run import EvalReport, evaluate
from summarizer.evals.scoring import METRICS, CaseScore, MetricSpec

__all__ = [
    "CHECKS",
    "METRICS",
    "Baseline",
    "Case",
    "CaseScore",
    "Estimate",
    "EvalReport",
    "GoldTuple",
    "MetricSpec",
    "evaluate",
    "find_dataset",
    "gate",
    "load_dataset",
]
