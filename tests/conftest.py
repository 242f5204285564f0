"""Shared fixtures: real fixture files, a loopback-only network guard, and cassette replay."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest
import vcr

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
CASSETTES = ROOT / "cassettes"
RECORDING = os.environ.get("SUMMARIZE_RECORD") == "1"
# Rows in each archive variant (and the seed), as counted by hand from the files.
ARCHIVE_ROWS = [
    ("2024-09-05.md", 8),
    ("2024-09-09.md", 5),
    ("2025-03-11.md", 39),
    ("2025-10-30.md", 24),
    ("seed_digest.txt", 20),
]

# Only these headers survive in a cassette: no keys, cookies, organisations or client versions.
_KEEP_HEADERS = {"content-type"}


def _scrub_request(request: Any) -> Any:
    for name in list(request.headers):
        if name.lower() not in _KEEP_HEADERS:
            del request.headers[name]
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {
        k: v for k, v in response["headers"].items() if k.lower() in _KEEP_HEADERS
    }
    return response


def cassette_recorder(library: Path = CASSETTES, record: bool = RECORDING) -> vcr.VCR:
    """Replays by default; `SUMMARIZE_RECORD=1` re-records against a live endpoint."""
    return vcr.VCR(
        cassette_library_dir=str(library),
        record_mode="all" if record else "none",
        match_on=["method", "path", "body"],
        filter_headers=["authorization", "api-key", "openai-organization", "openai-project",
                        "cookie", "set-cookie"],
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )  # fmt: skip


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


def read_json(path: Path) -> Any:
    """Load a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


# Variables that configure an endpoint, a key or the toolkit: tests start without them.
_CONFIG_PREFIXES = ("OPENAI_", "SUMMARIZE_")


def clean_env() -> dict[str, str]:
    """This process's environment without OPENAI_* or SUMMARIZE_* variables, for a child."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_CONFIG_PREFIXES)}


@pytest.fixture
def no_openai_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A clean environment without OPENAI_* or SUMMARIZE_* variables."""
    for name in list(os.environ):
        if name.startswith(_CONFIG_PREFIXES):
            monkeypatch.delenv(name)
