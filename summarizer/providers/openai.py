"""Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp) through `openai` + `instructor`.

Two kinds of failure are handled apart and never fed to each other:
- transport failures (429 honouring Retry-After, 5xx, timeouts, dropped connections, unreadable
  bodies) are retried around the raw HTTP call with tenacity's exponential backoff and jitter;
- invalid output is re-asked by instructor, feeding back only the validation errors, and a
  completion cut off at the token limit is re-asked with the prompt's request to be brief.
Re-asks of both kinds stay within `request.max_calls` (see `summarizer.reask`); a completion
still cut off when they are spent raises `TruncatedOutputError`.

Time is bounded twice (see `deadline`): each request, body included, by `timeout_s`, and each
item, over all its requests, retries and re-asks, by `item_timeout_s`.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

import instructor
import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from summarizer.config import Settings
from summarizer.errors import (
    ExtractionError,
    FatalProviderError,
    ProviderError,
    TruncatedOutputError,
)
from summarizer.prompt import Message
from summarizer.providers.base import Completion, Request
from summarizer.providers.deadline import Deadline, DeadlineClient
from summarizer.providers.formats import schema_object_response_format, strict_response_format
from summarizer.redact import redact
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
_RETRY_STATUS = {408, 409, 429}
# No item can succeed while these hold: wrong key, no permission, unknown model or URL.
_FATAL_STATUS = {401: "check OPENAI_API_KEY", 403: "check the key's permissions",
                 404: "check --model and --base-url"}  # fmt: skip


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


# A remote endpoint answers non-streamed requests after generating the whole completion.
REMOTE_TIMEOUT_S = 180.0


def request_timeout(settings: Settings) -> float:
    """Seconds one request may take, body included: `timeout_s`, else the remote default."""
    return settings.timeout_s or REMOTE_TIMEOUT_S


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


class _NotACompletion(Exception):
    """A 2xx body that is not a chat completion (an HTML error page from a proxy, say)."""

    def __init__(self, body: object) -> None:
        text = body if isinstance(body, str) else type(body).__name__
        super().__init__(" ".join(text.split())[:200])


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError | openai.APIResponseValidationError):
        return True
    if isinstance(exc, json.JSONDecodeError | _NotACompletion):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _RETRY_STATUS or exc.status_code >= 500
    return False


def _retry_after(exc: BaseException | None) -> float | None:
    response = getattr(exc, "response", None)
    header = response.headers.get("retry-after") if response is not None else None
    try:
        return max(0.0, float(header)) if header is not None else None
    except ValueError:
        return None


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

    def __init__(
        self,
        settings: Settings,
        provider: str = "openai",
        healthy: Callable[[], bool] | None = None,
    ) -> None:
        self.provider = provider
        # Asked before each transport retry: retrying a server known to be gone only delays.
        self._healthy = healthy or (lambda: True)
        self.settings = settings
        self.model = model_name(settings)
        self.mode_name = pick_mode(settings)
        self.mode = _MODES[self.mode_name]
        self._format = (
            schema_object_response_format
            if self.mode_name == "json_object_schema"
            else strict_response_format
        )
        # The SDK's own retries are off: tenacity does them, so they are bounded in one place.
        self._timeout = request_timeout(settings)
        self._client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=settings.key_value() or "unused",
            max_retries=0,
            timeout=self._timeout,
            http_client=DeadlineClient(),
        )
        self._backoff = wait_exponential_jitter(initial=1, max=settings.retry_max_wait_s)
        # Patched once: every request goes through `_create`, which finds its tally in _TALLY.
        self._structured = instructor.patch(create=self._create, mode=self.mode)

    def close(self) -> None:
        """Close the HTTP client."""
        self._client.close()

    def complete(self, request: Request) -> Completion:
        """Extract from `request.messages` in at most `request.max_calls` model calls."""
        tally = _Tally(Deadline(item_timeout(self.settings)))
        token = _TALLY.set(tally)
        try:
            return self._complete(request, tally)
        except (ProviderError, ExtractionError) as exc:
            exc.usage, exc.last_output = tally.usage, _raw_text(tally.last)
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
            return Completion(extraction, tally.usage, tally.calls, _raw_text(tally.last))

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
        response = self._create_with_retries(tally.deadline, **kwargs)
        tally.calls += 1
        tally.last = response
        usage = response.usage
        if usage is not None:
            tally.usage += Usage(
                prompt_tokens=usage.prompt_tokens or 0,
                completion_tokens=usage.completion_tokens or 0,
            )
        # Some servers (llama.cpp in tools mode) report "tool_calls" even when the output was
        # cut off, so the token count is checked as well.
        finish = response.choices[0].finish_reason if response.choices else None
        used = usage.completion_tokens if usage is not None else 0
        if finish == "length" or (used or 0) >= self.settings.max_tokens:
            raise TruncatedOutputError("completion hit the token limit", self.provider)
        return response

    def _create_with_retries(self, deadline: Deadline, **kwargs: Any) -> Any:
        retrying = Retrying(
            retry=retry_if_exception(_is_transient),
            stop=stop_any(
                stop_after_attempt(self.settings.max_transport_retries + 1),
                _stop_when_gone(self._healthy),
                _stop_at(deadline),
            ),
            wait=lambda state: min(self._wait(state), max(deadline.remaining(), 0.0)),
            reraise=True,
        )

        def send(**kwargs: Any) -> Any:
            left = deadline.remaining()
            if left <= 0:
                raise ProviderError(
                    f"the item took longer than its {deadline.seconds:g}s limit over all its "
                    "requests; raise --timeout if the endpoint is slow",
                    self.provider,
                    retrying.statistics.get("attempt_number", 1),
                )
            response = self._client.chat.completions.create(
                **kwargs, timeout=min(self._timeout, left)
            )
            if not isinstance(response, ChatCompletion):  # the SDK passes non-JSON bodies on
                raise _NotACompletion(response)
            return response

        try:
            return retrying(send, **kwargs)
        except openai.APIStatusError as exc:
            fatal = exc.status_code in _FATAL_STATUS
            raise (FatalProviderError if fatal else ProviderError)(
                self._redact(
                    f"{self.provider} endpoint answered HTTP {exc.status_code}: "
                    f"{_status_message(exc)}"
                ),
                self.provider,
                retrying.statistics.get("attempt_number", 1),
            ) from exc
        except _NotACompletion as exc:
            raise ProviderError(
                self._redact(
                    f"{self.provider} endpoint answered with something other than a chat "
                    f"completion: {_first_line(exc)}; check --base-url"
                ),
                self.provider,
                retrying.statistics.get("attempt_number", 1),
            ) from None
        except (openai.APIError, json.JSONDecodeError) as exc:
            raise ProviderError(
                self._redact(f"{self.provider} endpoint failed: {type(exc).__name__}: {exc}"),
                self.provider,
                retrying.statistics.get("attempt_number", 1),
                unreachable=_unreachable(exc),
            ) from exc

    def _redact(self, message: str) -> str:
        return redact(message, self.settings.key_value())

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = _retry_after(exc)
        if after is not None:
            return min(after, self.settings.retry_max_wait_s)
        return float(self._backoff(state))


class _stop_at(stop_base):
    """Stop retrying once the item's deadline has passed."""

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.deadline.passed()


class _stop_when_gone(stop_base):
    """Stop retrying once the endpoint is known to be gone (its process exited)."""

    def __init__(self, healthy: Callable[[], bool]) -> None:
        self.healthy = healthy

    def __call__(self, retry_state: RetryCallState) -> bool:
        return not self.healthy()


def _why(exc: InstructorRetryException) -> str:
    """What was wrong with the last answer, in one line (instructor's own message is XML)."""
    attempts = getattr(exc, "failed_attempts", None) or []
    last: BaseException = attempts[-1].exception if attempts else (exc.__cause__ or exc)
    if isinstance(last, ValidationError):
        return invalid_because(last)
    line = _first_line(last)
    return line if not line.startswith("<") else type(last).__name__


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _unreachable(exc: BaseException) -> bool:
    """True when no connection was made at all (refused, unknown host), not a timeout."""
    if not isinstance(exc, openai.APIConnectionError) or isinstance(exc, openai.APITimeoutError):
        return False
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ConnectionRefusedError | socket.gaierror):
            return True
        text = str(cause).lower()
        if "connection refused" in text or "name or service not known" in text:
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _status_message(exc: openai.APIStatusError) -> str:
    hint = _FATAL_STATUS.get(exc.status_code)
    message = _first_line(exc)
    return f"{message} ({hint})" if hint else message


def _raw_text(completion: Any) -> str | None:
    """The text or tool-call arguments of a chat completion, for error reports."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    if message.tool_calls:
        return str(message.tool_calls[0].function.arguments)
    return str(message.content) if message.content is not None else None
