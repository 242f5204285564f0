"""The exception hierarchy. Every error the toolkit raises descends from `SummarizerError`.

SummarizerError
├── ConfigError            bad or missing settings; the message says what to set
├── ProviderError          the endpoint failed after retries (keeps provider and original error)
│   └── TruncatedOutputError   the model hit its token limit before finishing
└── ExtractionError        the model never produced a valid record (keeps last raw output,
                           attempts and usage)

Unreadable input is not raised: readers report it as a `Problem` (file, line, message) and go on.
"""

from __future__ import annotations


class SummarizerError(Exception):
    """Root of every error raised by summarizer."""


class ConfigError(SummarizerError):
    """Settings are missing or contradictory."""


class ProviderError(SummarizerError):
    """The model endpoint failed (HTTP error, timeout, refused connection) after retries."""

    def __init__(self, message: str, provider: str, attempts: int = 1) -> None:
        super().__init__(message)
        self.provider = provider
        self.attempts = attempts


class TruncatedOutputError(ProviderError):
    """The completion stopped at the token limit (`finish_reason=length`)."""


class ExtractionError(SummarizerError):
    """The model's output never validated against the record schema."""

    def __init__(
        self,
        message: str,
        attempts: int,
        last_output: str | None = None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_output = last_output
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
