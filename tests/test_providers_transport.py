"""The transport: which failures are retried, how long it waits, what it tells the caller."""

from __future__ import annotations

import httpx2
import openai
import pytest
from stub_server import Stub
from tenacity import RetryCallState, Retrying

from summarizer import FatalProviderError, ProviderError, Settings
from summarizer.providers.deadline import Deadline
from summarizer.providers.transport import Transport


def transport_for(stub: Stub, **overrides: object) -> Transport:
    fields: dict[str, object] = {"base_url": stub.base_url, "retry_max_wait_s": 0.01}
    return Transport(Settings.model_validate({**fields, **overrides}), "openai")


def ask(transport: Transport) -> object:
    return transport.send(
        Deadline(30.0), model="m", messages=[{"role": "user", "content": "[1] A text."}]
    )


def test_retry_after_header_sets_the_wait(stub: Stub) -> None:
    transport = transport_for(stub, retry_max_wait_s=60)
    response = httpx2.Response(
        429, headers={"retry-after": "7"}, request=httpx2.Request("POST", stub.base_url)
    )
    error = openai.RateLimitError("slow down", response=response, body=None)
    state = RetryCallState(Retrying(), None, (), {})
    state.set_exception((type(error), error, None))
    assert transport._wait(state) == 7.0


def test_a_server_error_is_retried_and_then_answered(stub: Stub) -> None:
    stub.faults.extend(["500", "html"])
    ask(transport_for(stub))
    assert len(stub.requests) == 3


def test_a_bad_key_is_fatal_at_once(stub: Stub) -> None:
    stub.faults.extend(["401"] * 3)
    with pytest.raises(FatalProviderError, match=r"HTTP 401.*check OPENAI_API_KEY"):
        ask(transport_for(stub))
    assert len(stub.requests) == 1


def test_retries_stop_at_their_bound(stub: Stub) -> None:
    stub.faults.extend(["500"] * 5)
    with pytest.raises(ProviderError, match="HTTP 500") as caught:
        ask(transport_for(stub, max_transport_retries=2))
    assert caught.value.attempts == 3
    assert len(stub.requests) == 3
