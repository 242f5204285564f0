"""Run an evaluation: extract (or reuse predictions) for every case of a dataset, and score it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, Field

from summarizer.config import Settings
from summarizer.errors import ConfigError
from summarizer.evals.aggregate import Estimate
from summarizer.evals.dataset import Case, load_dataset
from summarizer.evals.scoring import CaseScore, case_violations, estimates, score_case
from summarizer.pipeline import extract_many
from summarizer.records.schema import ErrorLine, Record
from summarizer.records.store import read_lines
from summarizer.text.redact import redact

_log = logging.getLogger(__name__)


class EvalReport(BaseModel):
    """A scored run: what was run, the aggregates with their 95% intervals, the checks that
    cases broke, and every case."""

    dataset: str
    provider: str
    model: str
    command: str
    predictions: str | None = Field(
        default=None, description="The scored extract output; None when the run extracted."
    )
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    aggregates: dict[str, float]
    intervals: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="95% bootstrap interval of each aggregate, by name."
    )
    checks: dict[str, list[str]] = Field(
        default_factory=dict, description="Violations of each broken check, as 'CASE: what'."
    )
    cases: list[CaseScore]

    def estimate(self, name: str) -> Estimate | None:
        """Aggregate `name` with its interval (None when the run does not define it)."""
        if name not in self.aggregates:
            return None
        low, high = self.intervals.get(name, (None, None))
        return Estimate(self.aggregates[name], low, high)


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
    """Read a `summarize extract` output file; a line that is neither a record nor an error
    line is named in a warning and scored as a missing prediction."""
    reading = read_lines(path)
    for problem in reading.problems:
        _log.warning("%s (skipped)", problem)
    return reading.lines


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
    found = estimates(scored)
    return EvalReport(
        dataset=dataset.stem,
        provider=first.provenance.provider if first else (settings.provider if settings else "?"),
        model=first.provenance.model if first else "?",
        command=redact(command),
        predictions=str(predictions.resolve()) if predictions is not None else None,
        aggregates={name: e.value for name, e in found.items()},
        intervals={
            name: (e.low, e.high)
            for name, e in found.items()
            if e.low is not None and e.high is not None
        },
        checks=case_violations(scored),
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
