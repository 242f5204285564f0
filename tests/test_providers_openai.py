"""The OpenAI-compatible backend against a local stub that injects faults on demand."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path

import pytest
from stub_server import Stub

from summarizer import ExtractionError, ProviderError, Settings, TruncatedOutputError, read
from summarizer.extractor import build_request
from summarizer.prompt import load_prompt
from summarizer.providers.base import Request
from summarizer.providers.openai import OpenAIBackend, pick_mode
from summarizer.usage import Usage

SECRET = "sk-test-0123456789abcdefSECRET"


@pytest.fixture
def request_(fixtures: Path) -> Request:
    item = read([fixtures / "seed_digest.txt"]).items[1]
    return build_request(item, load_prompt())


def backend_for(stub: Stub, **overrides: object) -> OpenAIBackend:
    fields: dict[str, object] = {
        "base_url": stub.base_url,
        "api_key": SECRET,
        "model": "stub-model",
        "timeout_s": 1.0,
        "item_timeout_s": 30.0,  # the tests of the item limit set their own
        "retry_max_wait_s": 0.01,
    }
    return OpenAIBackend(Settings.model_validate({**fields, **overrides}))


def test_valid_answer(stub: Stub, request_: Request) -> None:
    completion = backend_for(stub).complete(request_)
    assert completion.extraction.headline_metrics[0].value_text == "3x"
    assert completion.attempts == 1
    assert completion.usage == Usage(prompt_tokens=100, completion_tokens=50)
    sent = stub.requests[0]
    assert sent["model"] == "stub-model"
    assert sent["tool_choice"]["function"]["name"] == sent["tools"][0]["function"]["name"]


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["429", "500", "timeout", "drop", "malformed"])
def test_transport_faults_are_retried(stub: Stub, request_: Request, fault: str) -> None:
    stub.faults.extend([fault, fault])
    completion = backend_for(stub).complete(request_)
    assert len(stub.requests) == 3
    assert completion.attempts == 1  # one answer was parsed; transport retries are not re-asks
    assert all(len(r["messages"]) == 2 for r in stub.requests)  # nothing fed back to the model


def test_transport_retries_are_bounded(stub: Stub, request_: Request) -> None:
    stub.faults.extend(["500"] * 10)
    with pytest.raises(ProviderError, match="HTTP 500") as caught:
        backend_for(stub, max_transport_retries=2).complete(request_)
    assert len(stub.requests) == 3
    assert caught.value.provider == "openai"
    assert not isinstance(caught.value, TruncatedOutputError)


def test_invalid_output_is_reasked_with_only_the_validation_errors(
    stub: Stub, request_: Request
) -> None:
    stub.faults.append("invalid")
    completion = backend_for(stub).complete(request_)
    assert completion.attempts == 2
    reask = stub.requests[1]["messages"]
    feedback = " ".join(str(m.get("content")) for m in reask[2:])
    assert "objective" in feedback
    assert "Field required" in feedback
    assert "HTTP" not in feedback


def test_reasks_are_bounded_and_keep_the_last_output(stub: Stub, request_: Request) -> None:
    stub.faults.extend(["invalid"] * 5)
    with pytest.raises(ExtractionError) as caught:
        backend_for(stub).complete(replace(request_, max_calls=2))
    assert caught.value.attempts == 2
    assert caught.value.last_output is not None
    assert "one_line_summary" in caught.value.last_output
    assert caught.value.usage == Usage(prompt_tokens=200, completion_tokens=100)


def test_truncation_is_its_own_error_and_is_retried_briefly(stub: Stub, request_: Request) -> None:
    stub.faults.append("truncated")
    completion = backend_for(stub).complete(request_)
    assert completion.attempts == 2
    assert "cut off at the token limit" in stub.requests[1]["messages"][-1]["content"]


def test_repeated_truncation_raises(stub: Stub, request_: Request) -> None:
    stub.faults.extend(["truncated"] * 5)
    with pytest.raises(TruncatedOutputError, match="token limit"):
        backend_for(stub).complete(replace(request_, max_calls=2))
    assert len(stub.requests) == 2


@pytest.mark.parametrize(
    "faults",
    [["invalid", "truncated", "invalid", "invalid"], ["truncated", "invalid", "truncated"]],
)
def test_every_kind_of_reask_draws_on_one_budget(
    stub: Stub, request_: Request, faults: list[str]
) -> None:
    """Validation re-asks inside a truncation re-ask once allowed (n+1)^2 calls."""
    stub.faults.extend(faults * 3)
    with pytest.raises((ExtractionError, TruncatedOutputError)) as caught:
        backend_for(stub).complete(replace(request_, max_calls=3))
    assert len(stub.requests) == 3
    assert isinstance(caught.value, ExtractionError | TruncatedOutputError)
    assert caught.value.usage.prompt_tokens == 300


def test_the_key_never_reaches_logs_or_errors(
    stub: Stub, request_: Request, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stub.faults.extend(["500"] * 10)
    backend = backend_for(stub, max_transport_retries=1)
    with pytest.raises(ProviderError) as caught:
        backend.complete(request_)
    assert SECRET not in str(caught.value)
    assert SECRET not in caplog.text
    assert SECRET not in repr(backend.settings)


def test_mode_is_chosen_per_endpoint() -> None:
    assert pick_mode(Settings()) == "json_schema"
    assert pick_mode(Settings(base_url="https://api.openai.com/v1")) == "json_schema"
    assert pick_mode(Settings(base_url="http://127.0.0.1:8080/v1")) == "tools"
    assert pick_mode(Settings(base_url="http://127.0.0.1:8080/v1", mode="json")) == "json"


def test_json_schema_mode_sends_a_strict_schema_with_the_enum(
    stub: Stub, request_: Request
) -> None:
    backend = backend_for(stub, mode="json_schema")
    with pytest.raises(ExtractionError):  # the stub answers in tools form only
        backend.complete(replace(request_, max_calls=1))
    sent = stub.requests[0]["response_format"]["json_schema"]
    assert sent["strict"] is True
    schema = sent["schema"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])
    metric = schema["properties"]["headline_metrics"]["items"]
    assert metric["additionalProperties"] is False
    assert set(metric["required"]) == set(metric["properties"])
    assert metric["properties"]["comparison"] == {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert [c.text for c in request_.candidates] == ["3x"]
    assert metric["properties"]["value_text"] == {"enum": ["3x"], "type": "string"}


@pytest.mark.slow
def test_a_trickled_body_times_out_as_a_whole(stub: Stub, request_: Request) -> None:
    """One byte a second never trips a per-read timeout; the request's limit covers the body."""
    stub.always = "trickle"
    started = time.monotonic()
    with pytest.raises(ProviderError, match="endpoint failed: APITimeoutError"):
        backend_for(stub, timeout_s=2.0, max_transport_retries=0).complete(request_)
    assert time.monotonic() - started < 6


@pytest.mark.slow
def test_the_item_limit_bounds_retries_of_a_hung_endpoint(stub: Stub, request_: Request) -> None:
    stub.always = "hang"
    started = time.monotonic()
    with pytest.raises(ProviderError):
        backend_for(stub, timeout_s=1.0, item_timeout_s=2.5, max_transport_retries=10).complete(
            request_
        )
    assert time.monotonic() - started < 4.5
    assert len(stub.requests) <= 3


def test_a_body_that_is_not_a_completion_is_retried_then_named(
    stub: Stub, request_: Request
) -> None:
    stub.faults.append("html")
    assert backend_for(stub).complete(request_).attempts == 1  # retried like a garbled body
    stub.always = "html"
    with pytest.raises(ProviderError, match="something other than a chat completion: <html>"):
        backend_for(stub, max_transport_retries=1).complete(request_)


def test_invalid_output_is_named_not_wrapped_in_xml(stub: Stub, request_: Request) -> None:
    stub.faults.extend(["invalid"] * 5)
    with pytest.raises(ExtractionError) as caught:
        backend_for(stub, max_reasks=0).complete(request_)
    message = str(caught.value)
    assert "<failed_attempts>" not in message
    assert message.endswith("objective: Field required"), message


def test_a_key_echoed_by_the_server_is_redacted(stub: Stub, request_: Request) -> None:
    stub.always = "echo401"
    with pytest.raises(ProviderError) as caught:
        backend_for(stub).complete(request_)
    message = str(caught.value)
    assert "HTTP 401" in message
    assert "authorization" in message.lower()  # the echo is there, its value is not
    assert SECRET not in message
    assert SECRET[3:] not in message
