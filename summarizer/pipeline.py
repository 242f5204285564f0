"""Run many items with bounded concurrency, writing each result the moment it is finished."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from summarizer.config import Settings
from summarizer.extract import Extractor
from summarizer.item import Item
from summarizer.schema import ErrorLine, Record
from summarizer.store import Output, open_output

Line = Record | ErrorLine


class Progress(Protocol):
    """Receives progress events; the CLI draws a bar from them."""

    def start(self, total: int) -> None: ...

    def advance(self, line: Line) -> None: ...


@dataclass
class RunSummary:
    """Counts and costs of one run."""

    done: int = 0
    failed: int = 0
    skipped: int = 0
    duplicates: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    wall_s: float = 0.0

    def __str__(self) -> str:
        return (
            f"done {self.done}, failed {self.failed}, skipped {self.skipped} (already in output), "
            f"duplicates {self.duplicates}, tokens {self.prompt_tokens} prompt + "
            f"{self.completion_tokens} completion, wall {self.wall_s:.1f}s"
        )


@dataclass
class RunResult:
    """Records and error lines produced by this run (not those skipped), and the summary."""

    records: list[Record] = field(default_factory=list)
    errors: list[ErrorLine] = field(default_factory=list)
    summary: RunSummary = field(default_factory=RunSummary)


def extract_many(
    items: Iterable[Item],
    settings: Settings | None = None,
    *,
    output: Path | None = None,
    retry_failed: bool = False,
    progress: Progress | None = None,
    extractor: Extractor | None = None,
) -> RunResult:
    """Extract every item; with `output`, append JSONL lines and skip items already there.

    A failing item becomes an `ErrorLine` and the run goes on. Pass an open `extractor` to
    reuse its backend across calls.
    """
    started = time.perf_counter()
    result = RunResult()
    own = extractor is None
    active = extractor or Extractor(settings)
    sink = None
    try:
        sink = open_output(output, retry_failed) if output is not None else None
        todo = _pending(items, active, sink, result.summary)
        if progress is not None:
            progress.start(len(todo))
        for line in _run(todo, active):
            if sink is not None:
                sink.write(line)
            _count(line, result)
            if progress is not None:
                progress.advance(line)
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
    seen = set(sink.done | sink.failed) if sink is not None else set()
    previous = set(seen)
    todo = []
    for item in items:
        key = extractor.key(item)
        if key in seen:
            if key in previous:
                summary.skipped += 1
            else:
                summary.duplicates += 1
            continue
        seen.add(key)
        todo.append(item)
    return todo


def _run(items: list[Item], extractor: Extractor) -> Iterator[Line]:
    """Yield lines in completion order, keeping at most two batches of work queued."""
    cap = extractor.backend.max_concurrency
    limit = min(extractor.settings.concurrency, cap) if cap else extractor.settings.concurrency
    if limit == 1:  # no threads to pay for when only one item may run at a time
        yield from (_one(extractor, item) for item in items)
        return
    pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="extract")
    queued: set[Future[Line]] = set()
    try:
        for item in items:
            if len(queued) >= 2 * limit:
                finished, queued = wait(queued, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in finished)
            queued.add(pool.submit(_one, extractor, item))
        while queued:
            finished, queued = wait(queued, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in finished)
    finally:
        # On Ctrl-C, drop queued items instead of waiting for them; finished lines are written.
        pool.shutdown(wait=not queued, cancel_futures=True)


def _one(extractor: Extractor, item: Item) -> Line:
    try:
        return extractor.extract(item)
    except Exception as exc:  # any failure, even a bug, costs this item only
        return extractor.error_line(item, exc)


def _count(line: Line, result: RunResult) -> None:
    summary = result.summary
    if isinstance(line, Record):
        result.records.append(line)
        summary.done += 1
        summary.prompt_tokens += line.provenance.usage.prompt_tokens
        summary.completion_tokens += line.provenance.usage.completion_tokens
    else:
        result.errors.append(line)
        summary.failed += 1
