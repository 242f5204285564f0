from __future__ import annotations

import pytest

from summarizer.text.redact import MASK, redact

KEY = "sk-proj-0123456789abcdefghijKLMN"


@pytest.mark.parametrize(
    "text",
    [
        f"bad request headers: Authorization: Bearer {KEY}; Host: x",
        f'{{"authorization": "Bearer {KEY}"}}',
        f"api-key: {KEY}",
        f"the key {KEY} is invalid",
        f"Cookie: session={KEY}",
    ],
)
def test_credentials_are_masked(text: str) -> None:
    out = redact(text)
    assert KEY not in out
    assert KEY[8:] not in out
    assert MASK in out


def test_the_configured_key_is_masked_whatever_its_shape() -> None:
    assert redact("echo: plainsecretvalue42 here", "plainsecretvalue42") == (f"echo: {MASK} here")


def test_url_userinfo_is_masked() -> None:
    assert redact("summarize eval --base-url http://user:hunter2@host:8080/v1") == (
        f"summarize eval --base-url http://{MASK}@host:8080/v1"
    )


def test_ordinary_text_is_left_alone() -> None:
    text = "HTTP 401: invalid key; see https://example.com/docs (token limit 700)"
    assert redact(text) == text


def test_the_environment_key_is_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "envsecret-abcdef")
    assert redact("got envsecret-abcdef") == f"got {MASK}"


def test_a_key_straddling_the_cut_of_an_error_line_never_shows_a_prefix() -> None:
    from summarizer.providers.transport import first_line  # noqa: PLC0415

    key = "sk-test-SECRETSECRETSECRET0123456789"
    for at in range(280, 310):  # the key across the 300-character cut, at every offset
        message = first_line(RuntimeError("x" * at + key + " and more"), key)
        assert "SEC" not in message, at
        assert "sk-test" not in message, at
