"""The exception hierarchy, split by who is at fault. Every error the toolkit raises descends
from `SummarizerError`, and its message says what to do next.

SummarizerError
├── ConfigError            the user's settings are bad or missing; the message says what to set
├── OutputError            the user's output file cannot be used: another run owns it, it is not
│                          a regular file, or it cannot be written (permissions, full disk)
├── BudgetSpentError       the user's --budget would not cover the next call: the run stops
│                          before it, the rest pending
├── ProviderError          the endpoint failed after retries (keeps provider and original error)
│   └── FatalProviderError     no item can get past it (bad key, unknown model or URL, endpoint
│       │                      down): the run stops instead of failing every item
│       └── ServerDiedError    the embedded llama.cpp server exited (keeps how, and its log)
└── ExtractionError        the model's output never became a valid record (keeps the last raw
    │                      output, attempts and usage)
    └── TruncatedOutputError   it hit the token limit before finishing, every time

A run stops (`RunResult.stopped`) on a `FatalProviderError` or a `BudgetSpentError`; a
`ProviderError` or an `ExtractionError` costs one item. Errors that carry what an item spent are
raised complete: `spent` builds a copy with the totals instead of changing one in flight.
Unreadable input is not raised: readers report it as a `Problem` (file, line, message) and go on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:  # imported when an error is made: pydantic stays out of the CLI's start-up
    from summarizer.usage import Usage


def _usage(usage: Usage | None) -> Usage:
    from summarizer.usage import Usage  # noqa: PLC0415 - see the import above

    return usage or Usage()


class SummarizerError(Exception):
    """Root of every error raised by summarizer."""


class _Spending(SummarizerError):
    """An error that carries what the item's calls spent and the model last said."""

    usage: Usage
    last_output: str | None

    attempts: int

    def spent(
        self, usage: Usage, last_output: str | None = None, attempts: int | None = None
    ) -> Self:
        """This error with `usage` (and `last_output` and `attempts`, when given) as its
        totals: a new exception, with this one's cause and traceback, to raise or record in its
        place."""
        new = type(self).__new__(type(self))
        new.args = self.args
        new.__dict__.update(self.__dict__, usage=usage)
        if last_output is not None:
            new.last_output = last_output
        if attempts is not None:
            new.attempts = attempts
        new.__cause__, new.__suppress_context__ = self.__cause__, self.__suppress_context__
        return new.with_traceback(self.__traceback__)


class ConfigError(SummarizerError):
    """Settings are missing or contradictory."""


class ProviderError(_Spending):
    """The model endpoint failed (HTTP error, timeout, refused connection) after retries.
    `usage` counts the tokens the item's answered calls spent before it failed."""

    def __init__(
        self,
        message: str,
        provider: str,
        attempts: int = 1,
        *,
        unreachable: bool = False,
        usage: Usage | None = None,
        last_output: str | None = None,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.attempts = attempts
        # True when no connection could be made at all on any attempt (refused, unknown host).
        self.unreachable = unreachable
        self.usage = _usage(usage)
        self.last_output = last_output


class FatalProviderError(ProviderError):
    """The endpoint cannot serve any item; a batch stops at once and keeps the rest pending."""


class ServerDiedError(FatalProviderError):
    """The embedded llama.cpp server exited; the message names the cause and its log."""

    def __init__(self, message: str, provider: str, returncode: int | None, log: str) -> None:
        super().__init__(message, provider)
        self.returncode = returncode  # negative: killed by that signal
        self.log = log


class BudgetSpentError(SummarizerError):
    """The run's token budget would not cover the next call; the run stops before it."""


class ExtractionError(_Spending):
    """The model's output never validated against the record schema."""

    def __init__(
        self,
        message: str,
        attempts: int,
        last_output: str | None = None,
        usage: Usage | None = None,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_output = last_output
        self.usage = _usage(usage)


class TruncatedOutputError(ExtractionError):
    """The completion stopped at the token limit (`finish_reason=length`) on the item's last
    call: the model's output, not the endpoint's failure."""


class OutputError(SummarizerError):
    """The output file cannot be opened, locked or written; the message names the path."""
