"""Run many items with bounded concurrency, writing each result the moment it is finished.

An item that fails becomes an error line and the run goes on, unless the endpoint itself is
unusable: a `FatalProviderError` (bad key, unknown model or URL, the embedded server died), a
first item that cannot connect at all, or `BREAKER_LIMIT` items in a row failing at the endpoint.
Then the run stops at once, no item is blamed for the outage, and the unfinished ones stay
pending for the next run.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from summarizer.config import Settings
from summarizer.errors import BudgetSpentError, FatalProviderError, ProviderError
from summarizer.extractor import Extractor
from summarizer.item import Item
from summarizer.records.schema import ErrorLine, Record
from summarizer.records.store import Line, Output, open_output
from summarizer.usage import Usage

# Items in a row whose requests failed at the endpoint (after their own retries) before the
# run stops: one is bad luck, three with nothing between them is an outage.
BREAKER_LIMIT = 3


class Progress(Protocol):
    """Receives progress events; the CLI draws a bar from them."""

    def plan(self, todo: int, summary: RunSummary) -> None:
        """Work is known (`summary` holds the skipped counts); the backend is not open yet."""

    def start(self, total: int) -> None:
        """The backend is ready; the first of `total` items starts now."""

    def begin(self, item: Item) -> None:
        """`item` is sent to the model (called from worker threads)."""

    def advance(self, line: Line) -> None:
        """A line was written."""


@dataclass
class RunSummary:
    """Counts and costs of one run."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    failed_earlier: int = 0
    duplicates: int = 0
    pending: int = 0
    outdated: int = 0
    usage: Usage = field(default_factory=Usage)
    failed_usage: Usage = field(default_factory=Usage)
    wall_s: float = 0.0

    def __str__(self) -> str:
        usage = self.usage
        spent = f"tokens {usage.prompt_tokens} prompt + {usage.completion_tokens} completion"
        if self.failed_usage != Usage():
            failed = self.failed_usage
            spent += f" ({failed.prompt_tokens} + {failed.completion_tokens} on failed items)"
        text = (
            f"done {self.done}, failed {self.failed}, skipped {self.skipped} (already in output), "
            f"duplicates {self.duplicates}, {spent}, wall {self.wall_s:.1f}s"
        )
        if self.outdated:
            text += f"; {self.outdated} lines of an older schema set aside, their items run again"
        if self.pending:
            text += f"; {self.pending} not yet run (re-run to resume)"
        if self.failed_earlier:
            text += f"; {self.failed_earlier} failed earlier (--retry-failed re-runs them)"
        return text

    @property
    def complete(self) -> bool:
        """True when every item of the input has a record: nothing failed or pending."""
        return not (self.failed or self.failed_earlier or self.pending)


@dataclass
class RunResult:
    """Records and error lines produced by this run (not those skipped), and the summary.

    `stopped` is the error that ended the run early (the endpoint became unusable, or the
    budget was spent); the items it left are counted in `summary.pending` and run on the next
    call with the same output.
    """

    records: list[Record] = field(default_factory=list)
    errors: list[ErrorLine] = field(default_factory=list)
    summary: RunSummary = field(default_factory=RunSummary)
    stopped: FatalProviderError | BudgetSpentError | None = None


@dataclass
class _Outcome:
    line: Line | None  # None: not run, because the run was stopping
    error: Exception | None = None


def extract_many(
    items: Iterable[Item],
    settings: Settings | None = None,
    *,
    output: str | os.PathLike[str] | None = None,
    retry_failed: bool = False,
    progress: Progress | None = None,
    extractor: Extractor | None = None,
    keep: bool = True,
) -> RunResult:
    """Extract every item; with `output`, append JSONL lines and skip items already there.
    Without `keep`, the lines are written and counted but not kept in the result (a run over a
    large input then holds only the items left to run and those in flight).

    A failing item becomes an `ErrorLine` and the run goes on; an unusable endpoint stops the
    run (see `RunResult.stopped`). The model is only started when there is work. Pass an
    `extractor` to reuse its backend across calls.
    """
    started = time.perf_counter()
    result = RunResult()
    own = extractor is None
    active = extractor or Extractor(settings)
    sink = None
    try:
        sink = open_output(Path(output), retry_failed) if output is not None else None
        if sink is not None:
            result.summary.outdated = sink.outdated
        todo = _pending(items, active, sink, result.summary)
        result.summary.pending = len(todo)
        if progress is not None:
            progress.plan(len(todo), result.summary)
        if not todo:
            return result
        active.backend  # noqa: B018 - open it now, so start-up is not counted as item time
        if progress is not None:
            progress.start(len(todo))
        stopping = threading.Event()  # once set, workers send no new request
        outcomes = _run(todo, active, progress, stopping)
        for line in _supervised(outcomes, result, stopping):
            if sink is not None:
                sink.write(line)
            _count(line, result, keep)
            if progress is not None:
                progress.advance(line)
    except FatalProviderError as exc:  # the backend could not even start
        result.stopped = exc
    finally:
        if sink is not None:
            sink.close()
        if own:
            active.close()
        result.summary.wall_s = time.perf_counter() - started
    return result


def _pending(
    items: Iterable[Item], extractor: Extractor, sink: Output | None, summary: RunSummary
) -> list[Item]:
    done = sink.done if sink is not None else set()
    failed = sink.failed if sink is not None else set()
    seen: set[str] = set()
    todo = []
    for item in items:
        key, legacy = extractor.keys(item)  # a line an earlier version wrote counts too
        if key in seen:
            summary.duplicates += 1
            continue
        seen.add(key)
        if key in done or legacy in done:
            summary.skipped += 1
        elif key in failed or legacy in failed:
            summary.skipped += 1
            summary.failed_earlier += 1
        else:
            todo.append(item)
    return todo


def _supervised(
    outcomes: Generator[_Outcome, None, None], result: RunResult, stopping: threading.Event
) -> Iterator[Line]:
    """Pass lines through until the endpoint looks unusable; then set `result.stopped`.

    Endpoint failures are held back while they come in a row, so that an outage that stops
    the run blames none of the items it hit; any other outcome releases them.
    """
    held: list[Line] = []
    succeeded = False
    spent: BudgetSpentError | None = None
    try:
        for outcome in outcomes:
            error, line = outcome.error, outcome.line
            if isinstance(error, BudgetSpentError):
                # No item starts after this one; those in flight had their tokens reserved,
                # so they finish and are written, and the run stops then.
                spent = spent or error
                continue
            if line is None:
                continue
            if isinstance(error, FatalProviderError):
                result.stopped = error
            elif isinstance(error, ProviderError):  # the endpoint's; the model's never count
                held.append(line)
                if not succeeded and error.unreachable:
                    result.stopped = _outage(error, "the endpoint refused the connection")
                elif len(held) >= BREAKER_LIMIT:
                    result.stopped = _outage(error, f"{len(held)} items in a row failed")
                if result.stopped is None:
                    continue
            if result.stopped is not None:
                return
            succeeded = succeeded or error is None
            yield from held
            held.clear()
            yield line
        yield from held  # the run ended on a short streak: those items did fail
        result.stopped = spent
    finally:
        stopping.set()  # also on Ctrl-C: no worker starts another request
        outcomes.close()


def _outage(error: ProviderError, what: str) -> FatalProviderError:
    stop = FatalProviderError(
        f"{what} at the {error.provider} endpoint, so the run stopped and unfinished items "
        f"stay pending. Last error: {str(error).rstrip('.')}. Check that the endpoint is up "
        "(--base-url, OPENAI_BASE_URL), then run the same command to resume.",
        error.provider,
        error.attempts,
        unreachable=error.unreachable,
    )
    stop.__cause__ = error
    return stop


def _run(
    items: list[Item], extractor: Extractor, progress: Progress | None, stopping: threading.Event
) -> Generator[_Outcome, None, None]:
    """Yield outcomes in completion order.

    Workers are daemon threads: on Ctrl-C, SIGTERM or a stop, the run returns at once with
    every finished line written, and a request hanging in a worker neither delays the exit
    nor sends anything further (`stopping` is set, so no worker starts another item).
    """
    cap = extractor.backend.max_concurrency
    limit = min(extractor.settings.concurrency, cap) if cap else extractor.settings.concurrency
    if limit == 1:  # no threads to pay for when only one item may run at a time
        yield from (_one(extractor, item, progress, stopping) for item in items)
        return
    todo: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
    done: queue.SimpleQueue[_Outcome] = queue.SimpleQueue()
    for item in items:
        todo.put(item)

    def work() -> None:
        while (item := todo.get()) is not None:
            done.put(_one(extractor, item, progress, stopping))

    workers = min(limit, len(items))
    for number in range(workers):
        todo.put(None)
        threading.Thread(target=work, name=f"extract-{number}", daemon=True).start()
    for _ in items:
        yield done.get()


def _one(
    extractor: Extractor, item: Item, progress: Progress | None, stopping: threading.Event
) -> _Outcome:
    if stopping.is_set():  # the run is stopping: this item stays pending
        return _Outcome(None)
    if progress is not None:
        progress.begin(item)
    try:
        return _Outcome(extractor.extract(item))
    except BudgetSpentError as exc:  # this item was not asked: it stays pending
        stopping.set()
        return _Outcome(None, exc)
    except Exception as exc:  # any failure, even a bug, costs this item only
        if isinstance(exc, FatalProviderError):
            stopping.set()  # here, so that this worker does not start the next item
        return _Outcome(extractor.error_line(item, exc), exc)


def _count(line: Line, result: RunResult, keep: bool) -> None:
    summary = result.summary
    summary.pending -= 1
    if isinstance(line, Record):
        if keep:
            result.records.append(line)
        summary.done += 1
        summary.usage += line.provenance.usage
    else:
        if keep:
            result.errors.append(line)
        summary.failed += 1
        summary.usage += line.usage
        summary.failed_usage += line.usage
