"""Shared fixtures: real fixture files, a loopback-only network guard, a clean environment and
the fault-injecting stub server. Plain helpers live in `helpers.py`."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import CONFIG_PREFIXES, FIXTURES, KEPT
from stub_server import Stub


@pytest.fixture(autouse=True, scope="session")
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What tests leave in a cache (server logs, the CPU-path note, the call log) goes to a
    folder of their own, never the user's: a test run must not prune a user's server logs."""
    kept = {name: os.environ.get(name) for name in KEPT}
    os.environ["SUMMARIZE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    os.environ["SUMMARIZE_LEDGER"] = str(tmp_path_factory.mktemp("ledger") / "calls.sqlite")
    yield
    for name, value in kept.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to reach a host other than this machine."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and host not in {
            "127.0.0.1",
            "::1",
            "localhost",
        }:
            raise OSError(f"tests must not reach the network (tried {host})")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def fixtures() -> Path:
    """The folder of real input files used by the tests."""
    return FIXTURES


@pytest.fixture
def no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean environment without OPENAI_* or SUMMARIZE_* variables."""
    for name in list(os.environ):
        if name.startswith(CONFIG_PREFIXES) and name not in KEPT:
            monkeypatch.delenv(name)


@pytest.fixture
def stub() -> Iterator[Stub]:
    """The fault-injecting OpenAI-compatible stub (see `stub_server.py`), stopped after."""
    with Stub() as server:
        yield server
