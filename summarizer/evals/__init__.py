"""The eval harness: score extractions against the digests' hand-written summaries.

`dataset` (cases and the shipped datasets) → `reference` (a summary split into parts) →
`scoring` (per-case scores, aggregates, the `METRICS` table) → `run` (extract or reuse
predictions, then score) → `gate` (baselines) and `report` (JSON, Markdown, HTML).
"""

from __future__ import annotations

from summarizer.evals.dataset import Case, find_dataset, load_dataset
from summarizer.evals.gate import Baseline, gate
from summarizer.evals.run import EvalReport, evaluate
from summarizer.evals.scoring import METRICS, CaseScore, MetricSpec

__all__ = [
    "METRICS",
    "Baseline",
    "Case",
    "CaseScore",
    "EvalReport",
    "MetricSpec",
    "evaluate",
    "find_dataset",
    "gate",
    "load_dataset",
]
