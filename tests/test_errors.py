"""The error hierarchy: split by who is at fault, and raised complete."""

from __future__ import annotations

import summarizer
from summarizer import (
    BudgetSpentError,
    ConfigError,
    ExtractionError,
    FatalProviderError,
    OutputError,
    ProviderError,
    ServerDiedError,
    SummarizerError,
    TruncatedOutputError,
    Usage,
)


def test_every_public_error_is_a_summarizer_error() -> None:
    errors = [getattr(summarizer, n) for n in summarizer.__all__ if n.endswith("Error")]
    assert len(errors) == 9
    assert all(issubclass(error, SummarizerError) for error in errors)


def test_errors_are_split_by_who_is_at_fault() -> None:
    # the model's output, not the endpoint: never counted by the circuit breaker
    assert issubclass(TruncatedOutputError, ExtractionError)
    assert not issubclass(TruncatedOutputError, ProviderError)
    # the endpoint's failure
    assert issubclass(ServerDiedError, FatalProviderError)
    assert issubclass(FatalProviderError, ProviderError)
    # the user's settings, output or budget
    for users in (ConfigError, OutputError, BudgetSpentError):
        assert not issubclass(users, ProviderError | ExtractionError)


def test_spent_builds_a_complete_copy_and_leaves_the_raised_error_alone() -> None:
    try:
        try:
            raise KeyError("socket")
        except KeyError as cause:
            raise ProviderError("HTTP 500", "openai", 3, unreachable=True) from cause
    except ProviderError as raised:
        error = raised
    total = Usage(prompt_tokens=300, completion_tokens=12)
    complete = error.spent(total, "last answer")
    assert complete is not error
    assert (error.usage, error.last_output) == (Usage(), None)
    assert (complete.usage, complete.last_output) == (total, "last answer")
    assert (str(complete), complete.provider, complete.attempts) == ("HTTP 500", "openai", 3)
    assert complete.unreachable is True
    assert isinstance(complete.__cause__, KeyError)
    assert complete.__traceback__ is error.__traceback__
    truncated = TruncatedOutputError("hit the token limit", attempts=2).spent(total)
    assert type(truncated) is TruncatedOutputError
    assert (truncated.attempts, truncated.usage) == (2, total)
    later = ExtractionError("no valid answer", attempts=1).spent(total, "{}", attempts=3)
    assert (later.attempts, later.usage, later.last_output) == (3, total, "{}")
