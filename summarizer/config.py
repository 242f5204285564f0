"""Settings for an extraction run: one frozen object instead of long keyword lists."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from summarizer.errors import ConfigError
from summarizer.prompt import DEFAULT_PROMPT

ProviderName = Literal["auto", "openai", "local", "rules"]
ModeName = Literal["auto", "tools", "json_schema", "json_object_schema", "json", "md_json"]
Scalar = str | int | float | bool


class Settings(BaseModel):
    """Everything that decides how items are extracted. Build with `Settings.from_env(...)`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    provider: ProviderName = "auto"
    model: str | None = Field(
        default=None, description="Model name; the provider's default if unset."
    )
    base_url: str | None = None
    api_key: SecretStr | None = None
    model_path: Path | None = Field(default=None, description="A GGUF file for the local provider.")
    mode: ModeName = Field(
        default="auto", description="Structured-output mode; auto picks per endpoint."
    )
    prompt: str = DEFAULT_PROMPT
    metrics_only: bool = Field(
        default=False, description="Ask only for headline metrics (faster bulk runs)."
    )
    max_tokens: int = Field(default=700, ge=16)
    temperature: float = Field(default=0.0, ge=0, le=2)
    max_reasks: int = Field(default=2, ge=0, le=10, description="Re-asks after invalid output.")
    max_transport_retries: int = Field(default=4, ge=0, le=20)
    retry_max_wait_s: float = Field(default=30.0, gt=0)
    timeout_s: float | None = Field(
        default=None,
        gt=0,
        description="Seconds one request may take, body included; None: the endpoint's default "
        "(180 for a remote endpoint, 600 for the embedded model).",
    )
    item_timeout_s: float | None = Field(
        default=None,
        gt=0,
        description="Seconds one item may take over all its requests and retries; None: three "
        "times timeout_s.",
    )
    concurrency: int = Field(default=4, ge=1, le=256)
    request_options: dict[str, Scalar] = Field(
        default_factory=dict, description="Extra request-body fields, e.g. repeat_penalty."
    )
    cache: bool = Field(
        default=False,
        description="Answer a request whose body was answered before from the call log.",
    )
    budget: int | None = Field(
        default=None, ge=1, description="Tokens a run may spend; it stops before passing them."
    )
    ledger: Path | None = Field(
        default=None,
        description="The SQLite call log; None: SUMMARIZE_LEDGER, else calls.sqlite in the "
        "cache folder ('off': no log).",
    )

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from explicit overrides, then `OPENAI_*` and `SUMMARIZE_*` variables."""
        env = dict(os.environ if env is None else env)
        given = {k: v for k, v in overrides.items() if v is not None}
        if "base_url" not in given and env.get("OPENAI_BASE_URL"):
            given["base_url"] = env["OPENAI_BASE_URL"]
        if "api_key" not in given and env.get("OPENAI_API_KEY"):
            given["api_key"] = env["OPENAI_API_KEY"]
        if "model_path" not in given and env.get("SUMMARIZE_MODEL_PATH"):
            given["model_path"] = env["SUMMARIZE_MODEL_PATH"]
        if "model" not in given and env.get("SUMMARIZE_MODEL"):
            given["model"] = env["SUMMARIZE_MODEL"]
        try:
            return cls(**given)
        except ValidationError as exc:
            raise config_error(exc) from None

    def key_value(self) -> str | None:
        """The API key in clear text, for the HTTP client only."""
        return self.api_key.get_secret_value() if self.api_key else None


def config_error(exc: ValidationError) -> ConfigError:
    """One line per bad setting, named as its command-line option."""
    problems = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "settings"
        option = "--" + name.removesuffix("_s").replace("_", "-")
        got = error.get("input")
        secret = name.startswith("api_key")  # a key never reaches a message
        shown = "" if secret or isinstance(got, dict) else f" (got {got!r})"
        problems.append(f"{option}: {error['msg'].lower()}{shown}")
    return ConfigError("; ".join(problems))
