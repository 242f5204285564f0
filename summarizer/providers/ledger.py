"""A log of every model call, in SQLite: what each cost, the answers a run may replay, and the
token budget of a run.

One row per call, online or a batch round, re-asks included: the run, the item's key, the
provider and model, how it was made (`online` or `batch`), the hash of the body sent, the tokens
the completion reports, the latency, the outcome (`valid`, `invalid`, `cut off`, `failed`) and
whether the answer came from the cache. No message content, no key and no URL is stored: a body
is known by its hash.

With `cache`, each answer (the completion's JSON, the API key masked in it) is kept under the
hash of the body it answered, and a request whose body was answered before is answered from
there without calling the model. The key is the body, so a change to the prompt, the schema,
the model or any request field misses by construction. A cached answer counts its tokens in the
record as the first call did (the records and reports stay the same); the log marks it `cached`
and `summarize log` counts it apart from the tokens spent.

With `budget`, a run stops before a call that could take its tokens past the budget: a call may
cost up to its `max_tokens` plus its prompt, counted as the body's characters over three (a
token is about four characters of English; three errs on the side of stopping). Calls in flight
reserve their estimate, so concurrent ones cannot overshoot together.

The log is for reading: when its file cannot be opened, the run goes on without it after one
warning (unless `cache` needs it).
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from summarizer.config import Settings
from summarizer.errors import BudgetSpentError, ConfigError
from summarizer.providers.weights import cache_dir
from summarizer.text.redact import mask_secrets
from summarizer.usage import Usage

log = logging.getLogger("summarizer.ledger")

OFF: Final = "off"
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    run TEXT NOT NULL,
    at TEXT NOT NULL,
    item TEXT NOT NULL,
    provider TEXT NOT NULL,
    model TEXT NOT NULL,
    how TEXT NOT NULL,
    body TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    latency_s REAL,
    outcome TEXT NOT NULL,
    cached INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_run ON calls (run, item);
CREATE TABLE IF NOT EXISTS answers (
    body TEXT PRIMARY KEY,
    completion TEXT NOT NULL,
    at TEXT NOT NULL
);
"""


def ledger_path(settings: Settings) -> Path | None:
    """Where calls are logged: `settings.ledger`, else `SUMMARIZE_LEDGER`, else `calls.sqlite`
    in the cache folder; None when either says `off`."""
    chosen = (
        str(settings.ledger) if settings.ledger is not None else os.environ.get("SUMMARIZE_LEDGER")
    )
    if chosen == OFF:
        return None
    return Path(chosen).expanduser() if chosen else cache_dir() / "calls.sqlite"


@dataclass(frozen=True)
class Call:
    """One model call, as the log keeps it."""

    item: str
    body: str  # the hash of the body sent (`codec.digest`)
    usage: Usage
    latency_s: float | None
    outcome: str
    cached: bool = False
    how: str = "online"


class Ledger:
    """The call log, answer cache and token budget of one run (one opened backend)."""

    def __init__(
        self, settings: Settings, provider: str, model: str, run: str | None = None
    ) -> None:
        self.provider, self.model = provider, model
        self.run = run or f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        self.cache = settings.cache
        self.budget = settings.budget
        self._secret = settings.key_value()
        self._lock = threading.Lock()
        self._spent = 0
        self._reserved = 0
        self.path = ledger_path(settings)
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self._db = self._open(self.path)
        if self.cache and self._db is None:
            raise ConfigError(
                "--cache keeps answers in the call log, which is off or cannot be opened; "
                "set SUMMARIZE_LEDGER to a writable file"
            )

    def _open(self, path: Path) -> sqlite3.Connection | None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, check_same_thread=False, timeout=30.0)
            db.execute("PRAGMA journal_mode=WAL")  # several runs may log at once
            db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            log.warning("the call log %s cannot be used (%s); calls are not logged", path, exc)
            return None
        return db

    def close(self) -> None:
        """Close the log's file."""
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    @property
    def spent(self) -> int:
        """Tokens this run's calls to the model spent (cached answers cost none)."""
        return self._spent

    def answer(self, body: str) -> str | None:
        """The completion JSON stored for the body hash `body`, with `cache` on (None, after
        a warning, when the log cannot be read: the call is then made)."""
        if not self.cache or self._db is None:
            return None
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT completion FROM answers WHERE body = ?", (body,)
                ).fetchone()
            except sqlite3.Error as exc:
                log.warning("the call log %s could not be read (%s)", self.path, exc)
                return None
        return str(row[0]) if row else None

    def keep(self, body: str, completion: str) -> None:
        """Store the answer to the body hash `body` (with `cache` on), the key masked."""
        if self.cache:
            masked = mask_secrets(completion, self._secret)
            self._write(
                "INSERT OR REPLACE INTO answers (body, completion, at) VALUES (?, ?, ?)",
                (body, masked, _now()),
            )

    def reserve(self, body: dict[str, Any], max_tokens: int) -> int:
        """Hold what the call of `body` may cost (see module docstring) and return it; 0, and
        nothing computed, without a budget. `BudgetSpentError` when it could take the run past
        the budget."""
        if self.budget is None:
            return 0
        estimate = max_tokens + len(json.dumps(body, ensure_ascii=False)) // 3
        with self._lock:
            if self._spent + self._reserved + estimate > self.budget:
                raise BudgetSpentError(
                    f"the next call could take this run past its --budget of {self.budget:,} "
                    f"tokens ({self._spent:,} spent, up to {estimate:,} for the call), so the "
                    "run stopped and unfinished items stay pending; raise --budget and run the "
                    "same command to resume"
                )
            self._reserved += estimate
        return estimate

    def settle(self, estimate: int, usage: Usage) -> None:
        """Release a reservation of `estimate` and count what the call spent."""
        with self._lock:
            self._reserved -= estimate
            self._spent += usage.total_tokens

    def record(self, call: Call) -> None:
        """Append `call` to the log."""
        row = (
            self.run, _now(), call.item, self.provider, self.model, call.how, call.body,
            call.usage.prompt_tokens, call.usage.completion_tokens,
            None if call.latency_s is None else round(call.latency_s, 3), call.outcome,
            int(call.cached),
        )  # fmt: skip
        self._write(
            "INSERT INTO calls (run, at, item, provider, model, how, body, prompt_tokens, "
            "completion_tokens, latency_s, outcome, cached) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            row,
        )

    def _write(self, statement: str, row: tuple[Any, ...]) -> None:
        """Run one write and commit it; a log that fails costs the log, not the item."""
        if self._db is None:
            return
        with self._lock:
            try:
                self._db.execute(statement, row)
                self._db.commit()
            except sqlite3.Error as exc:
                log.warning("the call log %s could not be written (%s)", self.path, exc)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Totals:
    """What a run, or one item of a run, cost, as the log counts it."""

    name: str  # the run, or the item's key
    started: str
    calls: int
    cached: int
    failed: int
    usage: Usage  # every answer's tokens, cached ones included: what the records count
    spent: int  # tokens of the calls made (not answered from the cache)
    latency_s: float
    outcomes: str


_TOTALS = """
SELECT {name}, MIN(at), COUNT(*), SUM(cached), SUM(outcome = 'failed'),
       SUM(prompt_tokens), SUM(completion_tokens),
       SUM(CASE WHEN cached THEN 0 ELSE prompt_tokens + completion_tokens END),
       COALESCE(SUM(latency_s), 0), GROUP_CONCAT(outcome, ', ')
FROM (SELECT * FROM calls {where} ORDER BY id) GROUP BY {name} ORDER BY MIN(id)
"""


def read_totals(path: Path, run: str | None = None) -> list[Totals]:
    """The totals of every run in the log at `path`, or with `run` of each of its items
    (`last`: the latest run). `ConfigError` when the file is not a call log."""
    if not path.is_file():
        raise ConfigError(f"no call log at {path} (runs log their calls there once they make one)")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if run == "last":
                found = db.execute("SELECT run FROM calls ORDER BY id DESC LIMIT 1").fetchone()
                run = found[0] if found else ""
            if run is None:
                rows = db.execute(_TOTALS.format(name="run", where="")).fetchall()
            else:
                query = _TOTALS.format(name="item", where="WHERE run = ?")
                rows = db.execute(query, (run,)).fetchall()
        finally:
            db.close()
    except sqlite3.Error as exc:
        raise ConfigError(f"{path} is not a call log this version can read ({exc})") from None
    return [
        Totals(
            name=r[0],
            started=r[1],
            calls=r[2],
            cached=r[3],
            failed=r[4],
            usage=Usage(prompt_tokens=r[5], completion_tokens=r[6]),
            spent=r[7],
            latency_s=round(r[8], 3),
            outcomes=r[9],
        )
        for r in rows
    ]
