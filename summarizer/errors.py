"""The exception hierarchy. Every error the toolkit raises descends from `SummarizerError`.

SummarizerError
├── ConfigError            bad or missing settings; the message says what to set
├── InputError             a source file or row that cannot be read (carries the location)
├── ProviderError          the endpoint failed after retries (keeps provider and original error)
│   └── TruncatedOutputError   the model hit its token limit before finishing
└── ExtractionError        the model never produced a valid record (keeps last raw output,
                           attempts and usage)
"""

from __future__ import annotations


class SummarizerError(Exception):
    """Root of every error raised by summarizer."""


class ConfigError(SummarizerError):
    """Settings are missing or contradictory."""


class InputError(SummarizerError):
    """A source could not be parsed; `path` and `line` say where."""

    def __init__(self, message: str, path: str, line: int) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.reason = message


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
