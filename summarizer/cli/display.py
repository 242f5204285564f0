"""What `summarize` shows on stderr: progress of a run, start-up steps, problems, errors.

Imported by the commands that need it, so that `summarize --help` stays fast.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from summarizer.item import Problem
from summarizer.records.schema import Record
from summarizer.text.redact import redact

if TYPE_CHECKING:  # for types only: `summarize results` and `read` need no extraction code
    from summarizer.item import Item
    from summarizer.pipeline import RunSummary
    from summarizer.records.store import Line

err = Console(stderr=True)


def say(message: str) -> None:
    """One plain line on stderr, never wrapped."""
    err.print(redact(message), highlight=False, soft_wrap=True)


def report(problem: Problem) -> None:
    """An unreadable-input problem, coloured by severity."""
    colour = "yellow" if problem.severity == "warning" else "red"
    err.print(Text(str(problem), style=colour), highlight=False, soft_wrap=True)


def error(label: str, message: str) -> None:
    """A red label and a message."""
    err.print(
        Text.assemble((f"{label}: ", "red"), redact(message)), highlight=False, soft_wrap=True
    )


class Bar:
    """Progress on stderr: a rich bar on a terminal, the plan and failures everywhere."""

    def __init__(self, provider: str, output: Path) -> None:
        self.provider = provider
        self.output = output
        self.total = 0
        self.finished = 0
        self._progress = Progress(
            TextColumn("{task.fields[paper]}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("elapsed"),
            TimeElapsedColumn(),
            Eta(),
            TextColumn("{task.fields[status]}"),
            console=err,
            disable=not err.is_terminal,
        )
        self._task = self._progress.add_task(
            "extract", total=None, start=False, paper="", status=""
        )
        self._failed = 0

    def plan(self, todo: int, summary: RunSummary) -> None:
        self.total = todo
        earlier = f", {summary.skipped} already in {self.output}" if summary.skipped else ""
        if summary.failed_earlier:
            earlier += f" ({summary.failed_earlier} of them failed; --retry-failed re-runs them)"
        starting = (
            " (starting the embedded llama.cpp server)" if todo and self.provider == "local" else ""
        )
        say(f"{todo} item(s) to run{earlier}; provider {self.provider}{starting}")

    def start(self, total: int) -> None:
        self._progress.update(self._task, total=total, paper="extracting")
        self._progress.start_task(self._task)  # elapsed time excludes the server's start-up
        self._progress.start()

    def begin(self, item: Item) -> None:
        if self._progress.disable:  # no terminal: nothing to draw, so nothing to update
            return
        title = item.title if len(item.title) <= 40 else item.title[:39] + "…"
        self._progress.update(self._task, paper=title or item.arxiv_id or "")

    def advance(self, line: Line) -> None:
        self.finished += 1
        if not isinstance(line, Record):
            self._failed += 1
            message = f"{line.source.location}: {line.error.message}"
            err.print(Text.assemble(("failed ", "red"), message), highlight=False, soft_wrap=True)
        if not self._progress.disable:
            status = f"{self._failed} failed" if self._failed else ""
            self._progress.update(self._task, advance=1, status=status)

    def stop(self) -> None:
        self._progress.stop()


class Eta(ProgressColumn):
    """Time left from the mean time per finished paper (rich's own estimate needs a steady
    stream; a paper can take a minute)."""

    def render(self, task: Task) -> Text:
        if not task.completed or not task.elapsed or task.total is None:
            return Text("eta -:--:--")
        left = task.elapsed / task.completed * (task.total - task.completed)
        return Text(f"eta {timedelta(seconds=round(left))}")


class Say(logging.Handler):
    """Shows the toolkit's start-up steps and warnings (model assembly, loading, self-test)."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.WARNING:
            err.print(Text.assemble(("warning: ", "yellow"), record.getMessage()), soft_wrap=True)
        else:
            say(f"  {record.getMessage()}")
