"""The embedded server's entry point, in-process: its own flags are taken out of the server's
arguments, and the sampler header is read per request. Needs llama-cpp-python (not a model)."""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import pytest

if os.environ.get("SUMMARIZE_REQUIRE_LOCAL") != "1":  # in CI, its absence is a failure
    pytest.importorskip("llama_cpp")

from summarizer.providers import llama_server, sampler


def test_its_own_flags_are_taken_out_and_the_rest_reach_the_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done: list[str] = []
    monkeypatch.setattr(llama_server, "disable_repack", lambda: done.append("no repack"))
    monkeypatch.setattr(sampler, "install", lambda: done.append("sampler"))
    monkeypatch.setattr(llama_server, "with_sampler_choice", lambda: done.append("header"))
    monkeypatch.setattr(llama_server, "serve", lambda: done.append("serve"))
    monkeypatch.setitem(sampler._server, "default", sampler._server["default"])
    monkeypatch.setattr("sys.argv", ["x"])
    llama_server.main(["--model", "m.gguf", "--no-repack", "--sampler", "full", "--port", "9"])
    assert sys.argv == ["llama_cpp.server", "--model", "m.gguf", "--port", "9"]
    assert done == ["no repack", "sampler", "header", "serve"]
    assert sampler.design() == "full"
    with pytest.raises(ValueError, match="unknown sampler 'fastest'"):
        llama_server.main(["--sampler", "fastest"])


def call(headers: list[tuple[bytes, bytes]]) -> tuple[list[dict[str, Any]], str | None]:
    """What the middleware sends for one request with `headers`, and the sampler the app saw."""
    seen: list[str | None] = []
    sent: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(sampler._chosen.get())

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {}

    scope = {"type": "http", "headers": headers}
    asyncio.run(llama_server.ChooseSampler(app)(scope, receive, send))
    return sent, (seen[0] if seen else None)


def test_the_header_chooses_the_sampler_of_one_request() -> None:
    assert call([(sampler.HEADER.encode(), b"top-64")]) == ([], "top-64")
    assert call([]) == ([], None)  # the server's default
    refused, seen = call([(sampler.HEADER.encode(), b"fastest")])
    assert seen is None  # the app never ran
    assert refused[0]["status"] == 400
    assert b"unknown sampler 'fastest'" in refused[1]["body"]
