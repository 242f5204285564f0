"""Send one chat completion request, retrying what the transport got wrong, never the answer.

Retried, with tenacity's exponential backoff and jitter (honouring `Retry-After`): 408, 409, 429
and 5xx answers, timeouts, dropped connections, and 2xx bodies that are not a chat completion
(not JSON, not UTF-8, an error object, `choices` missing, empty or not a list:
`codec.is_completion`).
Not retried: 401, 403 and 404, which no item can get past (`FatalProviderError`). Retries stop
at `max_transport_retries`, at the item's deadline, or as soon as the endpoint's process is known
to be gone. Every message is redacted of the key.
"""

from __future__ import annotations

import email.utils
import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import openai
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
from summarizer.errors import FatalProviderError, ProviderError
from summarizer.providers import codec
from summarizer.providers.codec import ChatCompletion
from summarizer.providers.deadline import Deadline, DeadlineClient
from summarizer.text.redact import redact

T = TypeVar("T")
_RETRY_STATUS = {408, 409, 429}
# No item can succeed while these hold: wrong key, no permission, unknown model or URL.
_FATAL_STATUS = {401: "check OPENAI_API_KEY", 403: "check the key's permissions",
                 404: "check --model and --base-url"}  # fmt: skip


# A remote endpoint answers non-streamed requests after generating the whole completion.
REMOTE_TIMEOUT_S = 180.0


def request_timeout(settings: Settings) -> float:
    """Seconds one request may take, body included: `timeout_s`, else the remote default."""
    return settings.timeout_s or REMOTE_TIMEOUT_S


class _NotACompletion(Exception):
    """A 2xx body that is not a chat completion (an HTML error page from a proxy, say)."""

    def __init__(self, body: object) -> None:
        text = body if isinstance(body, str) else type(body).__name__
        # Bounded for memory only; the message is cut short after redaction (`first_line`).
        super().__init__(" ".join(text[:10_000].split()))


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIConnectionError | openai.APIResponseValidationError):
        return True
    if isinstance(exc, _NotACompletion):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _RETRY_STATUS or exc.status_code >= 500
    return False


def _retry_after(exc: BaseException | None) -> float | None:
    """Seconds a `Retry-After` header asks for: a number of seconds or an HTTP date (RFC 9110
    section 10.2.3); None without a readable one."""
    response = getattr(exc, "response", None)
    header = response.headers.get("retry-after") if response is not None else None
    if header is None:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; an obsolete form may omit the zone
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Transport:
    """An `openai` client whose requests are retried as the module docstring says."""

    def __init__(
        self, settings: Settings, provider: str, healthy: Callable[[], bool] | None = None
    ) -> None:
        self.settings = settings
        self.provider = provider
        # Asked before each retry: retrying a server known to be gone only delays.
        self._healthy = healthy or (lambda: True)
        # The SDK's own retries are off: tenacity does them, so they are bounded in one place.
        self._timeout = request_timeout(settings)
        self.client = openai.OpenAI(
            base_url=settings.base_url,
            api_key=settings.key_value() or "unused",
            max_retries=0,
            timeout=self._timeout,
            http_client=DeadlineClient(),
        )
        self._backoff = wait_exponential_jitter(initial=1, max=settings.retry_max_wait_s)

    def close(self) -> None:
        """Close the HTTP client."""
        self.client.close()

    def send(self, deadline: Deadline, body: dict[str, Any]) -> ChatCompletion:
        """One chat completion for `body` (as `codec.encode` built it, posted as it is),
        retried within `deadline` (see module docstring)."""

        def create(timeout: float) -> ChatCompletion:
            try:
                response = self.client.post(
                    codec.PATH, body=body, cast_to=ChatCompletion, options={"timeout": timeout}
                )
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:  # a JSON type, bad bytes
                raise _NotACompletion(f"a body that is not JSON ({type(exc).__name__})") from exc
            if not codec.is_completion(response):
                raise _NotACompletion(response)
            return response

        return self.call(deadline, create)

    def call(
        self, deadline: Deadline, operation: Callable[[float], T], tries: int | None = None
    ) -> T:
        """`operation(timeout)`, one request of the SDK (a chat completion, or a Files or
        Batches call), retried within `deadline` as the module docstring says; its failure is
        one `ProviderError` line, redacted, never the SDK's traceback."""
        retrying = Retrying(
            retry=retry_if_exception(_is_transient),
            stop=stop_any(
                stop_after_attempt(tries or self.settings.max_transport_retries + 1),
                _stop_when_gone(self._healthy),
                _stop_at(deadline),
            ),
            wait=lambda state: min(self._wait(state), max(deadline.remaining(), 0.0)),
            reraise=True,
        )

        def attempt() -> T:
            left = deadline.remaining()
            if left <= 0:
                raise ProviderError(
                    f"the item took longer than its {deadline.seconds:g}s limit over all its "
                    "requests; raise --timeout if the endpoint is slow",
                    self.provider,
                    retrying.statistics.get("attempt_number", 1),
                )
            return operation(min(self._timeout, left))

        try:
            return retrying(attempt)
        except openai.APIStatusError as exc:
            fatal = exc.status_code in _FATAL_STATUS
            raise (FatalProviderError if fatal else ProviderError)(
                self._redact(
                    f"{self.provider} endpoint answered HTTP {exc.status_code}: "
                    f"{_status_message(exc, self.settings.key_value())}"
                ),
                self.provider,
                retrying.statistics.get("attempt_number", 1),
            ) from exc
        except _NotACompletion as exc:
            raise ProviderError(
                self._redact(
                    f"{self.provider} endpoint answered with something other than a chat "
                    f"completion: {first_line(exc, self.settings.key_value())}; check --base-url"
                ),
                self.provider,
                retrying.statistics.get("attempt_number", 1),
            ) from None
        except openai.APIError as exc:
            unreachable = _unreachable(exc)
            where = f" at {self.client.base_url}" if unreachable else ""
            hint = "; check --base-url and that the server is up" if unreachable else ""
            raise ProviderError(
                self._redact(
                    f"{self.provider} endpoint failed{where}: {type(exc).__name__}: {exc}{hint}"
                ),
                self.provider,
                retrying.statistics.get("attempt_number", 1),
                unreachable=unreachable,
            ) from exc

    def one_call(
        self, method: Callable[..., T], *args: Any, retry: bool = True, **kwargs: Any
    ) -> T:
        """`method(*args, **kwargs, timeout=...)`, an SDK call, through `call` with a deadline
        of its own: every retry's request time and its waits. Without `retry`, one attempt (for
        a call that must not be made twice, such as creating a batch), failing as one line."""
        tries = self.settings.max_transport_retries + 1 if retry else 1
        deadline = Deadline(tries * (self._timeout + self.settings.retry_max_wait_s))
        return self.call(
            deadline, lambda timeout: method(*args, **kwargs, timeout=timeout), tries=tries
        )

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


def first_line(exc: BaseException, secret: str | None = None) -> str:
    """The first line of `exc`'s message, redacted and then cut to 300 characters: cut first, a
    key straddling the cut would escape redaction as a prefix."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return redact(line, secret)[:300]


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


def _status_message(exc: openai.APIStatusError, secret: str | None) -> str:
    hint = _FATAL_STATUS.get(exc.status_code)
    message = first_line(exc, secret)
    return f"{message} ({hint})" if hint else message
