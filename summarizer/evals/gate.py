"""The regression gate: committed baselines, read, compared with a new report, and re-blessed.

A baseline holds, per gated aggregate (see `scoring.METRICS`), the value of a blessed run and its
tolerance, and the per-case scores of that run. The rule: a gated aggregate regresses when the
paired bootstrap 95% interval of (new - baseline), over the cases both runs scored, lies wholly on
the worse side of zero *and* the change is worse than the tolerance. A real but immaterial drift
and a large change on one or two cases (an interval that still holds zero) both pass. A case of
the baseline missing from the new run is named, never scored as 0. A baseline without per-case
scores falls back to the value alone (worse than value minus tolerance).
Baselines live in one folder as `DATASET.PROVIDER.json`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ValidationError

from summarizer.errors import ConfigError
from summarizer.evals.aggregate import paired_difference
from summarizer.evals.run import EvalReport
from summarizer.evals.scoring import METRICS, spec


class Bound(BaseModel):
    """A baseline value and how far an aggregate may fall behind it."""

    value: float
    tolerance: float


class Baseline(BaseModel):
    """Committed aggregates of one dataset and provider, with tolerances, and per-case scores
    (by case id) for the paired comparison."""

    dataset: str
    provider: str
    model: str
    metrics: dict[str, Bound]
    cases: dict[str, dict[str, float | None]] = {}


def baseline_path(where: Path, report: EvalReport) -> Path:
    """The baseline file for `report`: `where` itself, or `where/DATASET.PROVIDER.json` when
    `where` is a folder."""
    return where / f"{report.dataset}.{report.provider}.json" if where.is_dir() else where


def read_baseline(path: Path) -> Baseline | None:
    """The baseline in `path`, or None when there is none yet."""
    if not path.exists():
        return None
    try:
        return Baseline.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, ValueError) as exc:
        raise ConfigError(
            f"{path} is not a baseline written by `summarize eval --bless`: {exc}"
        ) from None


def write_baseline(path: Path, baseline: Baseline) -> None:
    """Write `baseline` to `path` as indented JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(baseline.model_dump_json(indent=2) + "\n", encoding="utf-8")


def regressions(report: EvalReport, baseline: Baseline) -> list[str]:
    """The gated aggregates that regressed from the baseline (see module docstring), and the
    baseline's cases the report lacks."""
    failed = []
    scored = {c.id: c.scores for c in report.cases}
    shared = [cid for cid in baseline.cases if cid in scored]
    missing = [cid for cid in baseline.cases if cid not in scored]
    if missing:
        failed.append(f"cases of the baseline missing from this run: {', '.join(missing)}")
    for name, bound in baseline.metrics.items():
        metric = spec(name)
        value = report.aggregates.get(name)
        if value is None:
            failed.append(f"{name}: missing (baseline {bound.value:.3f})")
            continue
        sign = 1 if metric.higher_is_better else -1
        if not shared:
            if sign * (value - bound.value) < -bound.tolerance:
                failed.append(f"{name}: {value:.3f} against baseline {bound.value:.3f} "
                              f"(tolerance {bound.tolerance})")  # fmt: skip
            continue
        before = [baseline.cases[cid] for cid in shared]
        delta = paired_difference(metric.how, before, [scored[cid] for cid in shared])
        if delta is None or delta.low is None or delta.high is None:
            continue
        worse_side = delta.high < 0 if sign > 0 else delta.low > 0
        if worse_side and sign * delta.value < -bound.tolerance:
            failed.append(
                f"{name}: {value:.3f} against baseline {bound.value:.3f}, paired change "
                f"{delta.value:+.3f} [{delta.low:+.3f}, {delta.high:+.3f}] (tolerance "
                f"{bound.tolerance})"
            )
    return failed


def bless(report: EvalReport, previous: Baseline | None) -> Baseline:
    """A baseline from `report`, keeping the tolerances of `previous`."""
    tolerances = {k: b.tolerance for k, b in previous.metrics.items()} if previous else {}
    gated = [m for m in METRICS if m.gated and m.name in report.aggregates]
    metrics = {
        m.name: Bound(
            value=round(report.aggregates[m.name], 4),
            tolerance=tolerances.get(m.name, m.tolerance),
        )
        for m in gated
    }
    keys = {k for m in gated for k in (m.how.of, m.how.over) if k}
    cases = {
        c.id: {k: c.scores[k] for k in sorted(keys) if c.scores.get(k) is not None}
        for c in report.cases
    }
    return Baseline(
        dataset=report.dataset,
        provider=report.provider,
        model=report.model,
        metrics=metrics,
        cases=cases,
    )


def gate(report: EvalReport, where: Path, bless_it: bool = False) -> tuple[Path, list[str]]:
    """Compare `report` with its baseline under `where` (or rewrite it with `bless_it`).

    Returns the baseline's path and the regressions found (none when blessing). A missing
    baseline is a `ConfigError` that says how to create one.
    """
    path = baseline_path(where, report)
    previous = read_baseline(path)
    if bless_it:
        write_baseline(path, bless(report, previous))
        return path, []
    if previous is None:
        raise ConfigError(f"no baseline at {path}; create it with --bless")
    return path, regressions(report, previous)
