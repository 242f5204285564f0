"""The transport: which failures are retried, how long it waits, what it tells the caller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

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
        Deadline(30.0), {"model": "m", "messages": [{"role": "user", "content": "[1] A text."}]}
    )


def _wait_for(transport: Transport, retry_after: str) -> float:
    response = httpx2.Response(
        429, headers={"retry-after": retry_after}, request=httpx2.Request("POST", "http://x")
    )
    error = openai.RateLimitError("slow down", response=response, body=None)
    state = RetryCallState(Retrying(), None, (), {})
    state.set_exception((type(error), error, None))
    return transport._wait(state)


def test_retry_after_header_sets_the_wait(stub: Stub) -> None:
    transport = transport_for(stub, retry_max_wait_s=60)
    assert _wait_for(transport, "7") == 7.0
    # An HTTP date (RFC 9110): the seconds until then, capped like any wait.
    soon = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= _wait_for(transport, soon) <= 30
    later = format_datetime(datetime.now(UTC) + timedelta(hours=2), usegmt=True)
    assert _wait_for(transport, later) == 60
    past = format_datetime(datetime.now(UTC) - timedelta(hours=2), usegmt=True)
    assert _wait_for(transport, past) == 0.0


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


@pytest.mark.parametrize("fault", ["garbage", "choices_str", "error200", "no_choices"])
def test_a_200_that_is_no_completion_is_retried_and_then_answered(stub: Stub, fault: str) -> None:
    stub.faults.extend([fault, fault])
    ask(transport_for(stub))
    assert len(stub.requests) == 3


@pytest.mark.parametrize("fault", ["choices_str", "error200", "no_choices"])
def test_a_200_that_is_never_a_completion_is_one_clear_provider_error(
    stub: Stub, fault: str
) -> None:
    stub.always = fault
    with pytest.raises(ProviderError, match="something other than a chat completion") as raised:
        ask(transport_for(stub, max_transport_retries=2))
    assert "attribute" not in str(raised.value)
    assert len(stub.requests) == 3
