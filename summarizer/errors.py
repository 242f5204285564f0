"""The exception hierarchy. Every error the toolkit raises descends from `SummarizerError`.

SummarizerError
├── ConfigError            bad or missing settings; the message says what to set
├── ProviderError          the endpoint failed after retries (keeps provider and original error)
│   ├── TruncatedOutputError   the model hit its token limit before finishing
│   └── FatalProviderError     no item can succeed (bad key, unknown model or URL, endpoint down):
│       │                      the run stops instead of failing every item
│       ├── ServerDiedError    the embedded llama.cpp server exited (keeps how, and its log)
│       └── BudgetSpentError   the next call could pass the run's --budget: it stops the same
│                              way, the rest pending
├── ExtractionError        the model never produced a valid record (keeps last raw output,
│                          attempts and usage)
└── OutputError            the output file cannot be used: another run owns it, it is not a
                           regular file, or it cannot be written (permissions, full disk)

Unreadable input is not raised: readers report it as a `Problem` (file, line, message) and go on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when an error is made: pydantic stays out of the CLI's start-up
    from summarizer.usage import Usage


def _usage(usage: Usage | None) -> Usage:
    from summarizer.usage import Usage  # noqa: PLC0415 - see the import above

    return usage or Usage()


class SummarizerError(Exception):
    """Root of every error raised by summarizer."""


class ConfigError(SummarizerError):
    """Settings are missing or contradictory."""


class ProviderError(SummarizerError):
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


class TruncatedOutputError(ProviderError):
    """The completion stopped at the token limit (`finish_reason=length`)."""


class FatalProviderError(ProviderError):
    """The endpoint cannot serve any item; a batch stops at once and keeps the rest pending."""


class ServerDiedError(FatalProviderError):
    """The embedded llama.cpp server exited; the message names the cause and its log."""

    def __init__(self, message: str, provider: str, returncode: int | None, log: str) -> None:
        super().__init__(message, provider)
        self.returncode = returncode  # negative: killed by that signal
        self.log = log


class BudgetSpentError(FatalProviderError):
    """The run's token budget would not cover the next call; the run stops before it."""


class ExtractionError(SummarizerError):
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


class OutputError(SummarizerError):
    """The output file cannot be opened, locked or written; the message names the path."""
