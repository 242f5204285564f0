"""Settings: invalid values become one ConfigError line per option, never showing a key."""

from __future__ import annotations

import pytest

from summarizer import ConfigError, Settings


def test_each_bad_setting_is_named_as_its_option() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env={}, concurrency=0, max_tokens=3)
    message = str(caught.value)
    assert "--concurrency: input should be greater than or equal to 1 (got 0)" in message
    assert "--max-tokens: input should be greater than or equal to 16 (got 3)" in message


def test_a_bad_key_is_never_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(env={}, api_key=["sk-live-0123456789abcdef"])
    assert "--api-key" in str(caught.value)
    assert "sk-live" not in str(caught.value)
