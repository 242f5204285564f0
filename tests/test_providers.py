"""Provider resolution: explicit flags, then OPENAI_* variables, then the embedded model."""

from __future__ import annotations

import importlib

import pytest

from summarizer import ConfigError, Settings
from summarizer.providers import PROVIDERS, resolve_provider


def test_explicit_provider_wins() -> None:
    settings = Settings(provider="rules", base_url="http://127.0.0.1:1/v1")
    assert resolve_provider(settings) == "rules"


def test_endpoint_settings_come_before_the_embedded_model(no_openai_env: None) -> None:
    assert resolve_provider(Settings.from_env({"OPENAI_BASE_URL": "http://x/v1"})) == "openai"
    assert resolve_provider(Settings.from_env({"OPENAI_API_KEY": "sk-x"})) == "openai"


def test_embedded_model_when_nothing_else_is_set(
    no_openai_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: object())
    assert resolve_provider(Settings.from_env({})) == "local"


def test_nothing_available_says_what_to_do(
    no_openai_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *a: None)
    with pytest.raises(ConfigError) as caught:
        resolve_provider(Settings.from_env({}))
    message = str(caught.value)
    assert "pip install 'summarizer[local]'" in message
    assert "OPENAI_BASE_URL" in message
    assert "--provider rules" in message


def test_flags_override_environment() -> None:
    settings = Settings.from_env(
        {"OPENAI_BASE_URL": "http://env/v1", "SUMMARIZE_MODEL_PATH": "/env.gguf"},
        base_url="http://flag/v1",
    )
    assert settings.base_url == "http://flag/v1"
    assert str(settings.model_path) == "/env.gguf"


def test_every_registered_provider_module_has_create() -> None:
    for module in PROVIDERS.values():
        assert callable(importlib.import_module(module).create)
