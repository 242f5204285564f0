"""Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp) through `openai` + `instructor`.

Two kinds of failure are handled apart and never fed to each other:
- transport failures (429 honouring Retry-After, 5xx, timeouts, dropped connections, unreadable
  bodies) are retried around the raw HTTP call, in `transport`;
- invalid output is re-asked by instructor, feeding back only the validation errors, and a
  completion cut off at the token limit is re-asked with the prompt's request to be brief.
Re-asks of both kinds stay within `request.max_calls` (see `summarizer.reask`); a completion
still cut off when they are spent raises `TruncatedOutputError`.

Time is bounded twice (see `deadline`): each request, body included, by `timeout_s`, and each
item, over all its requests, retries and re-asks, by `item_timeout_s`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

import instructor
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from summarizer.config import Settings
from summarizer.errors import ExtractionError, ProviderError, TruncatedOutputError
from summarizer.prompt import Message
from summarizer.providers.base import Completion, Request
from summarizer.providers.deadline import Deadline
from summarizer.providers.formats import schema_object_response_format, strict_response_format
from summarizer.providers.transport import Transport, first_line, request_timeout
from summarizer.schema import Extraction, answer_model, invalid_because
from summarizer.usage import Usage

_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    # instructor's JSON Schema mode, sent in the dialect of llama-cpp-python's server (and of
    # Together's and Anyscale's JSON mode): {"type": "json_object", "schema": ...}.
    "json_object_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}


@lru_cache(maxsize=256)
def _response_model(answer: type[BaseModel]) -> type[BaseModel]:
    # Wrapped once per answer model: instructor wraps a plain model anew on every call, which
    # defeats its schema cache and regenerates the JSON schema per request. Same bytes sent.
    wrapped: type[BaseModel] = instructor.response_schema(answer)
    return wrapped


def response_model(request: Request) -> type[BaseModel]:
    """The structured-output model sent for `request` (see `schema.answer_model`)."""
    values = tuple(c.text for c in request.candidates)
    results = sum(c.kind == "result" for c in request.candidates)
    answer = answer_model(values, len(request.sentences), request.metrics_only, results)
    return _response_model(answer)


def create(settings: Settings) -> OpenAIBackend:
    """An `OpenAIBackend` for `settings.base_url` (OpenAI itself when unset)."""
    return OpenAIBackend(settings)


def model_name(settings: Settings) -> str:
    """The model requests name: `settings.model`, else OpenAI's small default."""
    return settings.model or "gpt-4o-mini"


def item_timeout(settings: Settings) -> float:
    """Seconds one item may take over all its requests: `item_timeout_s`, else three requests'."""
    return settings.item_timeout_s or 3 * request_timeout(settings)


def pick_mode(settings: Settings) -> str:
    """Strict JSON Schema on OpenAI's own API; elsewhere tool calling, which most servers
    constrain with a grammar."""
    if settings.mode != "auto":
        return settings.mode
    host = urlparse(settings.base_url or "https://api.openai.com/v1").hostname or ""
    return "json_schema" if host.endswith("openai.com") else "tools"


@dataclass
class _Tally:
    """Tokens and model calls of one request, summed over transport retries and re-asks, and
    the last chat completion answered (for the raw text of a record or an error line)."""

    deadline: Deadline
    calls: int = 0
    usage: Usage = field(default_factory=Usage)
    last: ChatCompletion | None = None


# The tally of the request this thread is serving: instructor calls the patched `create`
# with the request's own arguments only, so this is how each call finds its item's tally.
_TALLY: ContextVar[_Tally] = ContextVar("summarizer_openai_tally")


class OpenAIBackend:
    """Structured extraction through an OpenAI-compatible chat completions endpoint."""

    provider = "openai"
    max_concurrency: int | None = None
    uses_prompt = True

    def __init__(
        self,
        settings: Settings,
        provider: str = "openai",
        healthy: Callable[[], bool] | None = None,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.model = model_name(settings)
        self.mode_name = pick_mode(settings)
        self.mode = _MODES[self.mode_name]
        self._format = (
            schema_object_response_format
            if self.mode_name == "json_object_schema"
            else strict_response_format
        )
        self.transport = Transport(settings, provider, healthy)
        # Patched once: every request goes through `_create`, which finds its tally in _TALLY.
        self._structured = instructor.patch(create=self._create, mode=self.mode)

    def close(self) -> None:
        """Close the HTTP client."""
        self.transport.close()

    def complete(self, request: Request) -> Completion:
        """Extract from `request.messages` in at most `request.max_calls` model calls."""
        tally = _Tally(Deadline(item_timeout(self.settings)))
        token = _TALLY.set(tally)
        try:
            return self._complete(request, tally)
        except (ProviderError, ExtractionError) as exc:
            exc.usage, exc.last_output = tally.usage, raw_text(tally.last)
            raise
        finally:
            _TALLY.reset(token)

    def _complete(self, request: Request, tally: _Tally) -> Completion:
        answer = response_model(request)
        messages = list(request.messages)
        while True:
            try:
                extraction = self._ask(messages, answer, request.max_calls - tally.calls - 1)
            except (TruncatedOutputError, IncompleteOutputException) as exc:
                if tally.calls >= request.max_calls:
                    raise TruncatedOutputError(
                        f"output hit the token limit ({self.settings.max_tokens}) and no re-ask "
                        f"was left after {tally.calls} call(s); raise --max-tokens",
                        self.provider,
                        tally.calls,
                    ) from exc
                brief = {"role": "user", "content": request.truncation_reask}
                messages = [*request.messages, brief]
                continue
            return Completion(extraction, tally.usage, tally.calls, raw_text(tally.last))

    def _ask(self, messages: list[Message], answer: type[BaseModel], reasks: int) -> Extraction:
        """One structured call, with up to `reasks` validation re-asks."""
        try:
            result = self._structured(
                response_model=answer,
                messages=messages,
                model=self.model,
                max_retries=max(reasks, 0),
                temperature=self.settings.temperature,
                max_tokens=self.settings.max_tokens,
                extra_body=self.settings.request_options or None,
            )
        except InstructorRetryException as exc:
            cause = exc.__cause__
            if isinstance(cause, ProviderError | IncompleteOutputException):
                raise cause from None
            calls = _TALLY.get().calls
            raise ExtractionError(
                f"output did not validate after {calls} attempts: {_why(exc)}", attempts=calls
            ) from None
        return Extraction.model_validate(result.model_dump())

    def _create(self, **kwargs: Any) -> Any:
        """The raw call instructor makes: transport retries, usage counted, truncation caught."""
        tally = _TALLY.get()
        response_format = kwargs.get("response_format")
        if isinstance(response_format, dict) and "json_schema" in response_format:
            kwargs["response_format"] = self._format(response_format)
        response = self.transport.send(tally.deadline, **kwargs)
        tally.calls += 1
        tally.last = response
        tally.usage += usage_of(response)
        if cut_off(response, self.settings.max_tokens):
            raise TruncatedOutputError("completion hit the token limit", self.provider)
        return response


def usage_of(response: ChatCompletion) -> Usage:
    """The tokens a chat completion reports (none when it reports no usage)."""
    usage = response.usage
    if usage is None:
        return Usage()
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0, completion_tokens=usage.completion_tokens or 0
    )


def cut_off(response: ChatCompletion, max_tokens: int) -> bool:
    """Whether a completion stopped at the token limit. Some servers (llama.cpp in tools mode)
    report "tool_calls" even when the output was cut off, so the token count is checked too."""
    finish = response.choices[0].finish_reason if response.choices else None
    used = response.usage.completion_tokens if response.usage is not None else 0
    return finish == "length" or (used or 0) >= max_tokens


def _why(exc: InstructorRetryException) -> str:
    """What was wrong with the last answer, in one line (instructor's own message is XML)."""
    attempts = getattr(exc, "failed_attempts", None) or []
    last: BaseException = attempts[-1].exception if attempts else (exc.__cause__ or exc)
    if isinstance(last, ValidationError):
        return invalid_because(last)
    line = first_line(last)
    return line if not line.startswith("<") else type(last).__name__


def raw_text(completion: Any) -> str | None:
    """The text or tool-call arguments of a chat completion, for error reports."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    if message.tool_calls:
        return str(message.tool_calls[0].function.arguments)
    return str(message.content) if message.content is not None else None
