"""The regression gate: committed baselines, read, compared with a new report, and re-blessed.

A baseline holds, per gated aggregate (see `scoring.METRICS`), the value of a blessed run and how
far a later run may fall behind it. Baselines live in one folder as `DATASET.PROVIDER.json`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ValidationError

from summarizer.errors import ConfigError
from summarizer.evals.run import EvalReport
from summarizer.evals.scoring import METRICS, spec


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
    """The gated aggregates that fell behind the baseline by more than its tolerance."""
    failed = []
    for name, bound in baseline.metrics.items():
        value = report.aggregates.get(name)
        lower = not spec(name).higher_is_better
        if value is None:
            failed.append(f"{name}: missing (baseline {bound.value:.3f})")
        elif lower and value > bound.value + bound.tolerance:
            failed.append(f"{name}: {value:.3f} > baseline {bound.value:.3f} + {bound.tolerance}")
        elif not lower and value < bound.value - bound.tolerance:
            failed.append(f"{name}: {value:.3f} < baseline {bound.value:.3f} - {bound.tolerance}")
    return failed


def bless(report: EvalReport, previous: Baseline | None) -> Baseline:
    """A baseline from `report`, keeping the tolerances of `previous`."""
    tolerances = {k: b.tolerance for k, b in previous.metrics.items()} if previous else {}
    metrics = {
        m.name: Bound(
            value=round(report.aggregates[m.name], 4),
            tolerance=tolerances.get(m.name, m.tolerance),
        )
        for m in METRICS
        if m.gated and m.name in report.aggregates
    }
    return Baseline(
        dataset=report.dataset, provider=report.provider, model=report.model, metrics=metrics
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
