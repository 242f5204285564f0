"""No secret reaches a cassette: the committed ones are clean, and the scrubber really scrubs."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import CASSETTES, cassette_recorder
from stub_server import Stub

from summarizer import Settings, read
from summarizer.extractor import build_request
from summarizer.prompt import load_prompt
from summarizer.providers.openai import OpenAIBackend

KEY_LIKE = re.compile(
    r"sk-[A-Za-z0-9_-]{16,}|Bearer\s+\S{8,}|^\s*-?\s*(authorization|api-key|openai-organization"
    r"|openai-project|cookie|set-cookie)\s*:",
    re.IGNORECASE | re.MULTILINE,
)


def scan(folder: Path) -> list[str]:
    return [
        f"{path}: {match.group(0)}"
        for path in sorted(folder.rglob("*.yaml"))
        for match in KEY_LIKE.finditer(path.read_text(encoding="utf-8"))
    ]


def test_committed_cassettes_hold_no_secrets() -> None:
    assert len(list(CASSETTES.rglob("*.yaml"))) >= 25
    assert scan(CASSETTES) == []


def test_recording_scrubs_keys_and_identity_headers(
    tmp_path: Path, fixtures: Path, stub: Stub
) -> None:
    secret = "sk-live-THISMUSTNOTLEAK-0123456789"
    backend = OpenAIBackend(
        Settings(base_url=stub.base_url, api_key=secret, model="m", retry_max_wait_s=0.01)
    )
    backend.transport.client = backend.transport.client.with_options(
        default_headers={
            "OpenAI-Organization": "org-secret",
            "OpenAI-Project": "proj-secret",
            "Cookie": "session=secret",
            "api-key": secret,
        }
    )
    item = read([fixtures / "seed_digest.txt"]).items[0]
    request = build_request(item, load_prompt())
    with cassette_recorder(tmp_path, record=True).use_cassette("scrub.yaml"):
        backend.complete(request)
    text = (tmp_path / "scrub.yaml").read_text()
    assert "one_line_summary" in text  # the interaction was recorded
    for leaked in (secret, "org-secret", "proj-secret", "session=secret"):
        assert leaked not in text
    assert scan(tmp_path) == []
