"""The embedded default: llama.cpp's OpenAI-compatible server as a child process.

Requests go through the same `OpenAIBackend` as any remote endpoint. The server runs on a free
loopback port, one request at a time (so its KV cache keeps the shared instruction prefix between
papers), and is stopped on close, at interpreter exit, and, on Linux, when this process dies.

llama.cpp's fast CPU path (weights repacked into extra buffer types, AMX tiles included) crashes
with SIGILL on some CPUs that advertise AMX. So the server proves itself with a short completion
before any item is sent; if it dies, it is restarted on the portable path (weights not repacked),
the user is told once, and the choice is remembered for this CPU and llama.cpp build. A server
that dies later stops the run with `ServerDiedError` instead of failing every remaining item.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

from summarizer.config import Settings
from summarizer.errors import ConfigError, ProviderError, ServerDiedError
from summarizer.providers import openai
from summarizer.providers.base import Completion, Request
from summarizer.providers.codec import Wire
from summarizer.providers.openai import OpenAIBackend
from summarizer.providers.weights import DEFAULT, cache_dir, ensure_model

log = logging.getLogger("summarizer.local")

# llama.cpp-specific request fields.
LOCAL_OPTIONS: dict[str, str | int | float | bool] = {"repeat_penalty": 1.1}
CONTEXT_TOKENS = 4096
LOCAL_TIMEOUT_S = 600.0
STARTUP_TIMEOUT_S = 180.0
KEEP_LOGS = 5
# Long enough that prompt evaluation runs the batched matrix kernels, not only the
# one-token path: the fast path's crash shows up in either.
_SELF_TEST = " ".join(
    ["The model reports 74.8% accuracy on MathVista, 3.1 points above GPT-4o."] * 8
)
_CPU_NOTE = "llama-cpu.json"


def create(settings: Settings) -> LocalBackend:
    """Start the embedded server for `settings.model_path` or the default model."""
    if settings.model_path is not None:
        path = Path(settings.model_path).expanduser()
        if not path.is_file():
            raise ConfigError(f"--model-path {path} does not exist")
    else:
        path = ensure_model(DEFAULT)
    return LocalBackend(path, settings)


def model_name(settings: Settings) -> str:
    """The model name records carry, known without starting anything."""
    return Path(settings.model_path or DEFAULT.file).stem


def wire(settings: Settings) -> Wire:
    """How requests to the embedded server are encoded (its port is not part of them)."""
    return openai.wire(local_settings(settings, "http://127.0.0.1/v1", model_name(settings)))


def local_settings(settings: Settings, base_url: str, model: str) -> Settings:
    """The settings the embedded server is called with (shared with the recorded tests)."""
    options = {**LOCAL_OPTIONS, **settings.request_options}
    # JSON mode with a schema: the server builds the same grammar as in tools mode, but
    # does not write the schema into the prompt (about 250 tokens, re-evaluated per paper
    # from the first per-paper enum on: prompt time 17.2 against 8.4 s a paper).
    mode = "json_object_schema" if settings.mode == "auto" else settings.mode
    # A paper takes 30-80 s on 2 cores; slower machines and long texts need more.
    timeout = settings.timeout_s or LOCAL_TIMEOUT_S
    return settings.model_copy(
        update={
            "base_url": base_url,
            "model": model,
            "mode": mode,
            "request_options": options,
            "timeout_s": timeout,
        }
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


def describe_exit(returncode: int) -> str:
    """'killed by SIGILL (illegal instruction)' or 'exited with code 1'."""
    if returncode >= 0:
        return f"exited with code {returncode}"
    number = -returncode
    try:
        name = signal.Signals(number).name
    except ValueError:
        return f"was killed by signal {number}"
    meaning = (signal.strsignal(number) or "").lower()
    return f"was killed by {name} ({meaning})" if meaning else f"was killed by {name}"


def _advice(returncode: int, repack: bool) -> str:
    if returncode == -signal.SIGILL:
        if repack:
            return "the next run starts llama.cpp on its portable CPU path; re-run to resume."
        return (
            "this llama.cpp build uses instructions this CPU cannot run; rebuild it portably: "
            'CMAKE_ARGS="-DGGML_NATIVE=OFF" pip install --no-cache-dir --force-reinstall '
            "llama-cpp-python==0.3.36"
        )
    if returncode == -signal.SIGKILL:
        return (
            "something killed it (often the kernel when memory runs out: see `dmesg`); "
            "free memory or use a smaller --model-path, then re-run to resume."
        )
    return "see the log above; re-run to resume, or use --base-url for another endpoint."


def cpu_fingerprint() -> str:
    """This CPU's model and flags and the llama.cpp build: what decides if the fast path runs."""
    cpu = ""
    with contextlib.suppress(OSError):
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = "\n".join(sorted({ln for ln in lines if ln.startswith(("model name", "flags"))}))
    try:
        build = importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        build = "?"
    return hashlib.sha256(f"{build}\n{cpu}".encode()).hexdigest()[:16]


def fast_path_refused() -> str | None:
    """Why the fast path crashed here before, if it did on this CPU and build."""
    with contextlib.suppress(OSError, ValueError, TypeError):
        note = json.loads((cache_dir() / _CPU_NOTE).read_text())
        if note.get("fingerprint") == cpu_fingerprint():
            return str(note.get("reason", "it crashed"))
    return None


def refuse_fast_path(reason: str) -> None:
    """Remember that the fast path crashed on this CPU and build."""
    with contextlib.suppress(OSError):
        cache_dir().mkdir(parents=True, exist_ok=True)
        note = {"fingerprint": cpu_fingerprint(), "reason": reason}
        (cache_dir() / _CPU_NOTE).write_text(json.dumps(note) + "\n")


def prune_logs(keep: int) -> None:
    """Delete all but the newest `keep` server logs in the cache."""
    logs = sorted(cache_dir().glob("llama-server-*.log"), key=lambda p: p.stat().st_mtime)
    for old in logs[: max(0, len(logs) - keep)]:
        with contextlib.suppress(OSError):
            old.unlink()


class LocalBackend:
    """An `OpenAIBackend` talking to a llama.cpp server that this object owns.

    `repack=None` tries the fast CPU path after a self-test; True or False forces it.
    """

    provider = "local"
    max_concurrency: int | None = 1
    uses_prompt = True

    def __init__(self, model_path: Path, settings: Settings, repack: bool | None = None) -> None:
        self.model_path = model_path
        self.model = model_path.stem
        self.process: subprocess.Popen[bytes] | None = None
        started = time.monotonic()
        atexit.register(self.close)
        try:
            refused = fast_path_refused() if repack is None else None
            if refused:
                log.info("using llama.cpp's portable CPU path here (%s)", refused)
            self.repack = repack if repack is not None else not refused
            ready = self._start_checked()
            if not ready and repack is None and self.repack:
                reason = f"its fast CPU path {describe_exit(self._returncode())} in a self-test"
                log.warning(
                    "llama.cpp %s; restarting on the portable CPU path (weights not repacked: "
                    "slower, runs on every x86-64 CPU).",
                    reason,
                )
                self.repack = False
                ready = self._start_checked()
                if ready:  # only then was it the fast path's fault, not the model's or memory's
                    refuse_fast_path(reason)
                    log.info("the portable CPU path works here; later runs start on it")
            if not ready:
                raise self.died()
            url = f"http://127.0.0.1:{self.port}/v1"
            self._backend = OpenAIBackend(
                local_settings(settings, url, self.model), "local", healthy=self.alive
            )
            self.wire: Wire | None = self._backend.wire
        except BaseException:
            self.close()
            raise
        log.info("ready in %.1f s (%s CPU path)", time.monotonic() - started, self.path_name)

    @property
    def path_name(self) -> str:
        """'fast' or 'portable': which CPU path the server runs."""
        return "fast" if self.repack else "portable"

    def _start_checked(self) -> bool:
        """Start a server and self-test it; False if it died on the way."""
        try:
            self._launch()
        except ServerDiedError:
            return False
        return self._self_test()

    def _launch(self) -> None:
        """Start a server process and wait until it answers."""
        if self.process is not None:
            self._stop()
        if sys.platform == "win32":  # pragma: no cover
            raise ConfigError("the embedded model needs Linux or macOS; use --base-url instead")
        if importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError(
                "the embedded model needs llama-cpp-python: pip install 'summarizer[local]'"
            )
        self.port = free_port()
        self.log_path = cache_dir() / f"llama-server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        prune_logs(KEEP_LOGS - 1)
        command = [
            sys.executable, "-m", "summarizer.providers.llama_server",
            "--model", str(self.model_path),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(CONTEXT_TOKENS),
            "--n_threads", str(_threads()),
            "--n_batch", "512",
        ]  # fmt: skip
        if not self.repack:
            command.append("--no-repack")
        size = self.model_path.stat().st_size / 1e9
        log.info("loading %s (%.1f GB) into llama.cpp", self.model, size)
        linux = sys.platform.startswith("linux")
        with self.log_path.open("wb") as server_log:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=server_log,
                stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent if linux else None,  # noqa: PLW1509 - sets a signal only
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        url = f"http://127.0.0.1:{self.port}/v1/models"
        while time.monotonic() < deadline:
            if not self.alive():
                raise self.died()
            with contextlib.suppress(httpx2.HTTPError):
                if httpx2.get(url, timeout=2.0).status_code == 200:
                    return
            time.sleep(0.25)
        raise ProviderError(
            f"llama.cpp server did not answer within {STARTUP_TIMEOUT_S:.0f}s; see {self.log_path}",
            self.provider,
        )

    def _self_test(self) -> bool:
        """One short completion; False if the server died doing it."""
        log.info("self-test: one short completion on the %s CPU path", self.path_name)
        body = {
            "messages": [{"role": "user", "content": _SELF_TEST + " Say OK."}],
            "max_tokens": 2,
            "temperature": 0,
        }
        url = f"http://127.0.0.1:{self.port}/v1/chat/completions"
        try:
            response = httpx2.post(url, json=body, timeout=STARTUP_TIMEOUT_S)
        except httpx2.HTTPError as exc:
            if not self.alive(grace_s=2.0):
                return False
            raise ProviderError(f"llama.cpp self-test failed: {exc}", self.provider) from exc
        if not self.alive(grace_s=0.2):
            return False
        if response.status_code != 200:
            raise ProviderError(
                f"llama.cpp self-test answered HTTP {response.status_code}; see {self.log_path}",
                self.provider,
            )
        return True

    def alive(self, grace_s: float = 0.0) -> bool:
        """Whether the server process still runs; waits up to `grace_s` for a dying one."""
        if self.process is None:
            return False
        if grace_s > 0:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=grace_s)
        return self.process.poll() is None

    def _returncode(self) -> int:
        code = self.process.returncode if self.process is not None else None
        return code if code is not None else 0

    def died(self) -> ServerDiedError:
        """The error that says how the server ended, with its log and what to try."""
        code = self._returncode()
        tail = self._log_tail()
        message = (
            f"the llama.cpp server {describe_exit(code)}; the run stopped and unfinished items "
            f"stay pending.\nlog: {self.log_path}, last lines:\n{tail}\n"
            f"what to try: {_advice(code, self.repack)}"
        )
        return ServerDiedError(message, self.provider, code, tail)

    def _log_tail(self, lines: int = 10) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "  (no log)"
        return "\n".join(f"  {line}" for line in text.splitlines()[-lines:])

    def complete(self, request: Request) -> Completion:
        """Extract through the embedded server; `ServerDiedError` once it has exited."""
        if not self.alive():
            raise self._died_serving()
        try:
            return self._backend.complete(request)
        except ProviderError as exc:
            if not self.alive(grace_s=1.0):
                raise self._died_serving() from exc
            raise

    def _died_serving(self) -> ServerDiedError:
        """`died()`, remembering a SIGILL on the fast path: it passed its self-test, so only
        real work shows that it cannot run here. (Crashes at start-up are handled apart.)"""
        code = self._returncode()
        if code == -signal.SIGILL and self.repack:
            refuse_fast_path(f"its fast CPU path {describe_exit(code)}")
        return self.died()

    def _stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            # uvicorn lets a running generation finish before exiting; nobody waits for it.
            process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 3 s) and the HTTP client."""
        backend = getattr(self, "_backend", None)
        if backend is not None:
            backend.close()
        self._stop()
        atexit.unregister(self.close)
