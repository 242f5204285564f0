"""Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp): bodies from `codec`, sent
by `transport`.

Two kinds of failure are handled apart and never fed to each other:
- transport failures (429 honouring Retry-After, 5xx, timeouts, dropped connections, unreadable
  bodies) are retried around the raw HTTP call, in `transport`;
- invalid output is re-asked with only its validation errors (`codec.reask`, instructor's
  message for the mode), and a completion cut off at the token limit is asked again with the
  prompt's request to be brief.
Re-asks of both kinds stay within `request.max_calls` (see `summarizer.reask`); a completion
still cut off when they are spent raises `TruncatedOutputError`.

Time is bounded twice (see `deadline`): each request, body included, by `timeout_s`, and each
item, over all its requests, retries and re-asks, by `item_timeout_s`.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlparse

from summarizer.config import Settings
from summarizer.errors import ConfigError, ExtractionError, ProviderError, TruncatedOutputError
from summarizer.providers import codec
from summarizer.providers.base import Completion, Request
from summarizer.providers.codec import ChatCompletion, InvalidAnswer, Wire
from summarizer.providers.deadline import Deadline
from summarizer.providers.ledger import Call, Ledger
from summarizer.providers.transport import Transport, request_timeout
from summarizer.records.schema import Extraction
from summarizer.usage import Usage


def create(settings: Settings) -> OpenAIBackend:
    """An `OpenAIBackend` for `settings.base_url` (OpenAI itself when unset); `ConfigError`
    before any call when that is OpenAI's API and no key is set."""
    if not settings.key_value() and _is_openai(settings):
        raise ConfigError(
            "OpenAI's API needs a key: set OPENAI_API_KEY, or give --base-url for an endpoint "
            "that needs none (vLLM, Ollama, llama.cpp)"
        )
    return OpenAIBackend(settings)


def _is_openai(settings: Settings) -> bool:
    host = urlparse(settings.base_url or "https://api.openai.com/v1").hostname or ""
    return host.endswith("openai.com")


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
    return "json_schema" if _is_openai(settings) else "tools"


def wire(settings: Settings) -> Wire:
    """How requests to the endpoint of `settings` are encoded (known without connecting)."""
    return Wire(
        model=model_name(settings),
        mode=pick_mode(settings),
        temperature=settings.temperature,
        max_tokens=settings.max_tokens,
        options=dict(settings.request_options),
    )


@dataclass(frozen=True)
class Again:
    """The body of the next call for a request, and what was wrong with the answer before it
    (as the call log names it: `invalid` or `cut off`)."""

    body: dict[str, Any]
    outcome: str


@dataclass
class _Tally:
    """Tokens and model calls of one request, summed over re-asks, and the last chat completion
    answered (for the raw text of a record or an error line)."""

    deadline: Deadline
    calls: int = 0
    usage: Usage = field(default_factory=Usage)
    last: ChatCompletion | None = None


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
        self.wire = wire(settings)
        self.transport = Transport(settings, provider, healthy)
        self.ledger = Ledger(settings, provider, self.model)

    def close(self) -> None:
        """Close the HTTP client and the call log."""
        self.transport.close()
        self.ledger.close()

    def complete(self, request: Request) -> Completion:
        """Extract from `request.messages` in at most `request.max_calls` model calls."""
        tally = _Tally(Deadline(item_timeout(self.settings)))
        try:
            return self._complete(request, tally)
        except (ProviderError, ExtractionError) as exc:
            raise exc.spent(tally.usage, codec.raw_text(tally.last)) from exc.__cause__

    def _complete(self, request: Request, tally: _Tally) -> Completion:
        body = codec.encode(request, self.wire)
        while True:
            started = time.perf_counter()
            digest = codec.digest(body)
            answer, cached = self._send(body, digest, tally, request.key)
            call = Call(
                request.key, digest, codec.usage_of(answer), time.perf_counter() - started,
                "valid", cached,
            )  # fmt: skip
            try:
                outcome = self.after(answer, request, body, tally.calls)
            except ExtractionError as exc:  # a truncation too
                self.ledger.record(replace(call, outcome=outcome_of(exc)))
                raise
            if isinstance(outcome, Again):
                self.ledger.record(replace(call, outcome=outcome.outcome))
                body = outcome.body
                continue
            self.ledger.record(call)
            return Completion(outcome, tally.usage, tally.calls, codec.raw_text(answer))

    def after(
        self, answer: ChatCompletion, request: Request, body: dict[str, Any], calls: int
    ) -> Extraction | Again:
        """What `answer` to `body` means after `calls` model calls for `request`: the extraction,
        or the body of the next call (a validation or truncation re-ask) while calls are left.
        Raises `TruncatedOutputError` or `ExtractionError` when none is. The online loop and a
        batch round both decide here."""
        if codec.cut_off(answer, self.wire.max_tokens):
            if calls >= request.max_calls:
                raise TruncatedOutputError(
                    f"output hit the token limit ({self.wire.max_tokens}) and no re-ask "
                    f"was left after {calls} call(s); raise --max-tokens",
                    attempts=calls,
                )
            # The conversation starts again, asking for brevity: a cut-off answer is no turn
            # to build on.
            brief = {"role": "user", "content": request.truncation_reask}
            again = codec.with_messages(request, [*request.messages, brief])
            return Again(codec.encode(again, self.wire), "cut off")
        try:
            return codec.decode(answer, request, self.wire)
        except InvalidAnswer as exc:
            if calls >= request.max_calls:
                raise ExtractionError(
                    f"output did not validate after {calls} attempts: {exc}", attempts=calls
                ) from None
            return Again(codec.reask(body, answer, exc, self.wire), "invalid")

    def _send(
        self, body: dict[str, Any], digest: str, tally: _Tally, item: str
    ) -> tuple[ChatCompletion, bool]:
        """One model call (transport retries aside), counted in `tally`: answered from the
        call log's cache when it holds this body's answer (True), else sent, within the run's
        budget."""
        stored = self.ledger.answer(digest)
        answer = None
        if stored is not None:
            with contextlib.suppress(ValueError):  # not JSON: asked for again, as not a completion
                answer = codec.read_completion(json.loads(stored))
        cached = answer is not None
        if answer is None:
            estimate = self.ledger.reserve(body, self.wire.max_tokens)
            started = time.perf_counter()
            try:
                answer = self.transport.send(tally.deadline, body)
            except ProviderError:
                self.ledger.settle(estimate, Usage())
                failed = Call(item, digest, Usage(), time.perf_counter() - started, "failed")
                self.ledger.record(failed)
                raise
            self.ledger.settle(estimate, codec.usage_of(answer))
            self.ledger.keep(digest, codec.to_json(answer))
        tally.calls += 1
        tally.last = answer
        tally.usage += codec.usage_of(answer)
        return answer, cached


def outcome_of(error: Exception) -> str:
    """How the call log names the last call of a request that failed with `error`."""
    return "cut off" if isinstance(error, TruncatedOutputError) else "invalid"
