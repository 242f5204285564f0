"""The embedded default: llama.cpp's OpenAI-compatible server as a child process.

Requests go through the same `OpenAIBackend` as any remote endpoint. The server runs on a free
loopback port, one request at a time (so its KV cache keeps the shared instruction prefix between
papers), and is stopped on close, at interpreter exit, and, on Linux, when this process dies.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from summarizer.config import Settings
from summarizer.errors import ConfigError, ProviderError
from summarizer.providers.base import Completion, Request
from summarizer.providers.openai import OpenAIBackend
from summarizer.weights import DEFAULT, cache_dir, ensure_model

# llama.cpp-specific request fields; the server's tools mode turns the schema into a grammar.
LOCAL_OPTIONS: dict[str, str | int | float | bool] = {"repeat_penalty": 1.1}
CONTEXT_TOKENS = 4096
STARTUP_TIMEOUT_S = 180.0


def create(settings: Settings) -> LocalBackend:
    """Start the embedded server for `settings.model_path` or the default model."""
    if settings.model_path is not None:
        path = Path(settings.model_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"--model-path {path} does not exist")
    else:
        path = ensure_model(DEFAULT)
    return LocalBackend(path, settings)


def local_settings(settings: Settings, base_url: str, model: str) -> Settings:
    """The settings the embedded server is called with (shared with the recorded tests)."""
    options = {**LOCAL_OPTIONS, **settings.request_options}
    mode = "tools" if settings.mode == "auto" else settings.mode
    return settings.model_copy(
        update={"base_url": base_url, "model": model, "mode": mode, "request_options": options}
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _threads() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Ask Linux to kill the server if the process that started it dies, even by SIGKILL.

    SIGKILL, not SIGTERM: uvicorn would first finish a generation that nobody will read.
    """
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class LocalBackend:
    """An `OpenAIBackend` talking to a llama.cpp server that this object owns."""

    provider = "local"
    max_concurrency: int | None = 1

    def __init__(self, model_path: Path, settings: Settings) -> None:
        self.model_path = model_path
        self.model = model_path.stem
        self.port = free_port()
        self.log_path = cache_dir() / f"llama-server-{self.port}.log"
        self.process = self._start()
        atexit.register(self.close)
        try:
            self._wait_ready()
            url = f"http://127.0.0.1:{self.port}/v1"
            self._backend = OpenAIBackend(local_settings(settings, url, self.model), "local")
        except BaseException:
            self.close()
            raise

    def _start(self) -> subprocess.Popen[bytes]:
        if sys.platform == "win32":  # pragma: no cover
            raise ConfigError("the embedded model needs Linux or macOS; use --base-url instead")
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError(
                "the embedded model needs llama-cpp-python: pip install 'summarizer[local]'"
            )
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model_path),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(CONTEXT_TOKENS),
            "--n_threads", str(_threads()),
            "--n_batch", "512",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            return subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - only sets a signal, no locks if sys.platform.startswith("linux") else None,
            )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        url = f"http://127.0.0.1:{self.port}/v1/models"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ProviderError(
                    f"llama.cpp server exited with code {self.process.returncode}; "
                    f"see {self.log_path}:\n{self._log_tail()}",
                    self.provider,
                )
            with contextlib.suppress(httpx2.HTTPError):
                if httpx2.get(url, timeout=2.0).status_code == 200:
                    return
            time.sleep(0.25)
        raise ProviderError(
            f"llama.cpp server did not answer within {STARTUP_TIMEOUT_S:.0f}s; see {self.log_path}",
            self.provider,
        )

    def _log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-10:])
        except OSError:
            return ""

    def complete(self, request: Request) -> Completion:
        """Extract through the embedded server."""
        return self._backend.complete(request)

    def close(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 3 s) and the HTTP client."""
        backend = getattr(self, "_backend", None)
        if backend is not None:
            backend.close()
        process = self.process
        if process.poll() is None:
            process.terminate()
            try:
                # uvicorn lets a running generation finish before exiting; nobody waits for it.
                process.wait(timeout=3)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        atexit.unregister(self.close)
