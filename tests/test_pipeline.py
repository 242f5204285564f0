"""Runs of many items: failures recorded as lines, resume, the circuit breaker, concurrency,
a kill midway.

What the run decides (resume, duplicates, which failures stop it, an item's own failure) is
tested on `FakeBackend`, which answers or raises from a queue; what needs a wire (HTTP faults,
token counts, overlapping requests, a killed process) runs against the stub server."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from helpers import OUTPUTS, clean_env
from stub_server import Stub

from summarizer import (
    Extraction,
    ExtractionError,
    Extractor,
    FakeBackend,
    Item,
    ProviderError,
    RunResult,
    Settings,
    TruncatedOutputError,
    extract_many,
    read,
)
from summarizer.pipeline import BREAKER_LIMIT
from summarizer.providers.local import free_port
from summarizer.records.schema import SCHEMA_VERSION
from summarizer.records.store import read_lines

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def items(fixtures: Path) -> list[Item]:
    return read([fixtures / "seed_digest.txt"]).items


def settings_for(stub: Stub, **extra: object) -> Settings:
    fields: dict[str, object] = {
        "base_url": stub.base_url,
        "model": "stub-model",
        "timeout_s": 5.0,
        "retry_max_wait_s": 0.01,
        "max_transport_retries": 1,
        "max_reasks": 0,
    }
    return Settings.model_validate({**fields, **extra})


def fake_run(
    items: list[Item],
    answers: list[Extraction | Exception],
    out: Path | None = None,
    retry_failed: bool = False,
) -> tuple[RunResult, FakeBackend]:
    """`extract_many` of `items` with `FakeBackend(answers)`: one item at a time, in order."""
    backend = FakeBackend(answers)
    with Extractor(Settings(provider="rules"), backend=backend) as extractor:
        run = extract_many(items, output=out, retry_failed=retry_failed, extractor=extractor)
    return run, backend


OK = Extraction(objective="Measure it.")


def endpoint_down() -> ProviderError:
    return ProviderError("HTTP 500 after 2 attempts", "fake", 2)


def seed_extract(fixtures: Path, out: Path, url: str, *flags: str) -> list[str]:
    """`summarize extract` over the seed digest against a stub at `url` (`flags` default to
    `--concurrency 2`)."""
    return [
        sys.executable, "-m", "summarizer.cli", "extract", str(fixtures / "seed_digest.txt"),
        "-o", str(out), "--base-url", url, "--model", "stub-model",
        *(flags or ("--concurrency", "2")),
    ]  # fmt: skip


def lines_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_item_written_once_and_failures_recorded(
    stub: Stub, items: list[Item], tmp_path: Path
) -> None:
    stub.faults.extend(["500", "500"])  # the first item exhausts its one transport retry
    out = tmp_path / "out.jsonl"
    result = extract_many(items, settings_for(stub, concurrency=1), output=out)
    assert (result.summary.done, result.summary.failed) == (19, 1)
    written = lines_of(out)
    assert len(written) == 20
    assert Counter(line["status"] for line in written) == {"ok": 19, "error": 1}
    error = next(line for line in written if line["status"] == "error")
    assert error["error"]["type"] == "ProviderError"  # type: ignore[index]
    assert error["source"]["location"]["line"] == 7  # type: ignore[index]
    spent = sum(r.provenance.usage.prompt_tokens for r in result.records)
    assert result.summary.usage.prompt_tokens == spent >= 19 * 100


def test_without_keep_lines_are_written_and_counted_not_held(
    stub: Stub, items: list[Item], tmp_path: Path
) -> None:
    stub.faults.extend(["500", "500"])
    out = tmp_path / "out.jsonl"
    streamed = iter(items)  # any iterable: the CLI passes the reader's stream
    result = extract_many(streamed, settings_for(stub, concurrency=1), output=out, keep=False)
    assert (result.records, result.errors) == ([], [])
    assert (result.summary.done, result.summary.failed, len(lines_of(out))) == (19, 1, 20)
    assert result.summary.usage.prompt_tokens >= 19 * 100


def test_an_output_written_before_schema_3_0_is_not_resumed_and_says_so(
    items: list[Item], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`records.v2.0.jsonl` holds lines of the seed digest written by schema 2.0 (three by the
    embedded model, one error line)."""
    out = tmp_path / "out.jsonl"
    out.write_text((OUTPUTS / "records.v2.0.jsonl").read_text())
    result = extract_many(items, Settings(provider="rules"), output=out)
    assert (result.summary.done, result.summary.skipped, result.summary.outdated) == (20, 0, 4)
    assert "4 lines of an older schema set aside" in str(result.summary)
    assert sum("record schema 2.0" in r.getMessage() for r in caplog.records) == 1
    assert {line.schema_version for line in read_lines(out).lines} == {SCHEMA_VERSION}
    assert len(read_lines(tmp_path / "out.v2.0.jsonl").lines) == 4
    again = extract_many(items, Settings(provider="rules"), output=out)
    assert (again.summary.done, again.summary.skipped, again.summary.outdated) == (0, 20, 0)


def test_failed_items_count_their_tokens(stub: Stub, items: list[Item]) -> None:
    stub.faults.extend(["invalid"] * 3)  # the first item's three calls
    result = extract_many(items[:2], settings_for(stub, concurrency=1, max_reasks=2))
    assert (result.summary.done, result.summary.failed) == (1, 1)
    error = result.errors[0]
    assert error.usage.prompt_tokens == 300  # three calls, the stub's 100 prompt tokens each
    assert error.error.last_output is not None
    assert result.summary.failed_usage == error.usage
    assert result.summary.usage == error.usage + result.records[0].provenance.usage
    assert "on failed items" in str(result.summary)


def test_concurrency_overlaps_requests(stub: Stub, items: list[Item]) -> None:
    extract_many(items[:1], settings_for(stub))  # imports openai and instructor: not timed
    stub.delay = 0.2
    started = time.perf_counter()
    result = extract_many(items[1:9], settings_for(stub, concurrency=8))
    assert result.summary.done == 8
    assert time.perf_counter() - started < 0.2 * 8 / 2  # far from sequential


@pytest.mark.slow
def test_sigkill_midway_then_resume_gives_each_item_once(
    stub: Stub, fixtures: Path, tmp_path: Path
) -> None:
    stub.delay = 0.15
    out = tmp_path / "out.jsonl"
    command = seed_extract(fixtures, out, stub.base_url)
    env = clean_env()
    first = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL, cwd=tmp_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if out.exists() and out.read_text().count("\n") >= 6:
            break
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = out.read_text().count("\n")
    assert 6 <= killed_at < 20
    second = subprocess.run(
        command, env=env, capture_output=True, text=True, cwd=tmp_path, check=False
    )
    assert second.returncode == 0, second.stderr
    assert f"skipped {killed_at}" in second.stderr
    keys = [line["key"] for line in lines_of(out)]
    assert len(keys) == 20
    assert len(set(keys)) == 20


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = clean_env()
    command = [sys.executable, "-m", "summarizer.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, cwd=cwd, check=False)


def test_rejected_key_stops_the_run_with_one_message(
    stub: Stub, fixtures: Path, tmp_path: Path
) -> None:
    stub.always = "401"
    out = tmp_path / "out.jsonl"
    seed = str(fixtures / "seed_digest.txt")
    run = cli("extract", seed, "-o", str(out), "--base-url", stub.base_url, cwd=tmp_path)
    assert run.returncode == 3, run.stderr
    assert run.stderr.count("HTTP 401") == 1
    assert "check OPENAI_API_KEY" in run.stderr
    assert not [x for x in run.stderr.splitlines() if x.startswith("failed ")]  # none per item
    assert "20 not yet run" in run.stderr
    assert len(stub.requests) <= 4  # those in flight at once (--concurrency 4); no retries
    assert not out.exists() or out.read_text() == ""


@pytest.mark.slow
def test_refused_connection_stops_at_the_first_item(fixtures: Path, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    out = tmp_path / "out.jsonl"
    seed = str(fixtures / "seed_digest.txt")
    started = time.monotonic()
    run = cli(
        "extract", seed, "-o", str(out), "--base-url", closed, "--concurrency", "1",
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 3, run.stderr
    assert "refused the connection" in run.stderr
    assert "20 not yet run" in run.stderr
    assert not out.exists() or out.read_text() == ""
    assert time.monotonic() - started < 60  # one item's retries, not twenty


@pytest.mark.parametrize("fault", ["garbage", "choices_str", "error200", "no_choices"])
def test_an_endpoint_answering_200_without_completions_trips_the_breaker(
    stub: Stub, items: list[Item], tmp_path: Path, fault: str
) -> None:
    stub.always = fault
    result = extract_many(items, settings_for(stub, concurrency=1), output=tmp_path / "out")
    assert result.stopped is not None
    assert "something other than a chat completion" in str(result.stopped)
    assert (result.summary.failed, result.summary.pending) == (0, 20)


@pytest.mark.slow
def test_failed_items_keep_the_exit_status_nonzero_until_retried(
    stub: Stub, fixtures: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    stub.faults.extend(["500"] * 5)  # the first item fails all 5 tries (the CLI's default)
    args = ["extract", str(fixtures / "seed_digest.txt"), "-o", str(out),
            "--base-url", stub.base_url, "--concurrency", "1", "--limit", "5"]  # fmt: skip
    first = cli(*args, cwd=tmp_path)
    assert first.returncode == 1
    assert "done 4, failed 1" in first.stderr
    again = cli(*args, cwd=tmp_path)
    assert again.returncode == 1
    assert "1 failed earlier (--retry-failed re-runs them)" in again.stderr
    assert "0 item(s) to run, 5 already in" in again.stderr
    retried = cli(*args, "--retry-failed", cwd=tmp_path)
    assert retried.returncode == 0, retried.stderr
    assert "done 1, failed 0" in retried.stderr
    assert [line["status"] for line in lines_of(out)] == ["ok"] * 5


@pytest.mark.slow
def test_no_work_starts_no_model(stub: Stub, fixtures: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    seed = str(fixtures / "seed_digest.txt")
    args = ["extract", seed, "-o", str(out), "--base-url", stub.base_url, "--limit", "3"]
    assert cli(*args, cwd=tmp_path).returncode == 0
    sent = len(stub.requests)
    stub.stop()  # a backend that connected now would fail the run
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "0 item(s) to run" in done.stderr
    missing = tmp_path / "missing.gguf"  # the embedded model would fail to start from this
    for extra in (["--limit", "0"], []):
        run = cli("extract", seed, "-o", str(tmp_path / "none.jsonl"), "--provider", "local",
                  "--model-path", str(missing), *extra, cwd=tmp_path)  # fmt: skip
        if extra:
            assert run.returncode == 0, run.stderr
            assert "0 item(s) to run" in run.stderr
        else:
            assert run.returncode == 2
            assert "does not exist" in run.stderr
    assert len(stub.requests) == sent


@pytest.mark.slow
@pytest.mark.parametrize("second_flags", [[], ["--retry-failed"]], ids=["plain", "retry-failed"])
def test_a_second_run_on_the_same_output_refuses_and_loses_nothing(
    stub: Stub, fixtures: Path, tmp_path: Path, second_flags: list[str]
) -> None:
    stub.delay = 0.2
    out = tmp_path / "out.jsonl"
    command = seed_extract(fixtures, out, stub.base_url)
    env = clean_env()
    first = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    time.sleep(1.0)
    second = subprocess.run(
        [*command, *second_flags],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    _, first_err = first.communicate(timeout=60)
    assert second.returncode == 2, second.stderr
    assert f"another run (process {first.pid})" in second.stderr
    assert "Traceback" not in second.stderr
    assert first.returncode == 0, first_err
    keys = Counter(line["key"] for line in lines_of(out))
    assert len(keys) == 20
    assert set(keys.values()) == {1}


def _hung_run(
    tmp_path: Path, fixtures: Path, *flags: str
) -> tuple[subprocess.Popen[str], subprocess.Popen[bytes]]:
    """A `summarize extract` against a stub process that never answers, and that stub."""
    port_file = tmp_path / "port"
    stub = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "stub_server.py"), "--port-file", str(port_file),
         "--always", "hang", "--log", str(tmp_path / "requests.log")],
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not (port_file.exists() and port_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port_file.read_text()}/v1"
    command = seed_extract(fixtures, tmp_path / "out.jsonl", url, *flags)
    run = subprocess.Popen(
        command, env=clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    return run, stub


@pytest.mark.slow
@pytest.mark.parametrize("concurrency", ["1", "4"])
@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_ends_a_hung_run_within_seconds(
    fixtures: Path, tmp_path: Path, sent: signal.Signals, concurrency: str
) -> None:
    run, stub = _hung_run(tmp_path, fixtures, "--concurrency", concurrency)
    try:
        log = tmp_path / "requests.log"
        deadline = time.monotonic() + 30
        while not (log.exists() and log.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the requests are in flight, and hang
        sent_at = time.monotonic()
        run.send_signal(sent)
        _, err = run.communicate(timeout=30)
        took = time.monotonic() - sent_at
    finally:
        for process in (run, stub):
            process.kill()
            process.wait()
    assert took < 5, f"{took:.1f}s"
    assert run.returncode == (143 if sent == signal.SIGTERM else 130), err
    assert "Run the same command to resume" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_timeout_bounds_an_item_against_a_server_that_never_answers(
    fixtures: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    run, stub = _hung_run(tmp_path, fixtures, "--limit", "1", "--timeout", "5")
    try:
        _, err = run.communicate(timeout=60)
    finally:
        for process in (run, stub):
            process.kill()
            process.wait()
    assert time.monotonic() - started < 30
    lines = lines_of(tmp_path / "out.jsonl")
    assert [line["status"] for line in lines] == ["error"], err
    assert "Traceback" not in err


def test_rerun_skips_done_and_retry_failed_reruns_errors(items: list[Item], tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    first, _ = fake_run(items[:5], [endpoint_down(), *[OK] * 4], out)
    assert (first.summary.done, first.summary.failed) == (4, 1)
    again, asked = fake_run(items[:5], [], out)
    assert (again.summary.done, again.summary.skipped, again.summary.failed_earlier) == (0, 5, 1)
    assert asked.requests == []
    retried, asked = fake_run(items[:5], [OK], out, retry_failed=True)
    assert (retried.summary.done, retried.summary.skipped) == (1, 4)
    assert [r.item for r in asked.requests] == [items[0]]
    written = lines_of(out)
    assert len(written) == 5
    assert {line["status"] for line in written} == {"ok"}


def test_duplicate_items_run_once(items: list[Item]) -> None:
    result, backend = fake_run([items[0], items[0], items[1]], [OK, OK])
    assert (result.summary.done, result.summary.duplicates) == (2, 1)
    assert len(backend.requests) == 2


def test_an_outage_trips_the_breaker_and_blames_no_item(items: list[Item], tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result, backend = fake_run(items, [endpoint_down() for _ in items], out)
    assert result.stopped is not None
    assert f"{BREAKER_LIMIT} items in a row failed" in str(result.stopped)
    assert (result.summary.failed, result.summary.pending) == (0, 20)
    assert out.read_text() == ""
    assert len(backend.requests) == BREAKER_LIMIT


def test_a_failure_between_successes_is_the_items_own(items: list[Item]) -> None:
    answers: list[Extraction | Exception] = [OK, endpoint_down(), endpoint_down(), OK, OK, OK]
    result, _ = fake_run(items[:6], answers)
    assert result.stopped is None
    assert (result.summary.done, result.summary.failed, result.summary.pending) == (4, 2, 0)


def test_the_models_failures_never_trip_the_breaker(items: list[Item]) -> None:
    """A cut-off or invalid answer is the model's output, not the endpoint's failure: however
    many come in a row, each costs its own item and the run goes on."""
    model_failures: list[Extraction | Exception] = [
        TruncatedOutputError("output hit the token limit", attempts=3),
        ExtractionError("output did not validate", attempts=3),
    ] * BREAKER_LIMIT
    result, _ = fake_run(items[: len(model_failures) + 1], [*model_failures, OK])
    assert result.stopped is None
    assert (result.summary.done, result.summary.failed) == (1, len(model_failures))
    kinds = {error.error.type for error in result.errors}
    assert kinds == {"TruncatedOutputError", "ExtractionError"}


def test_a_bug_in_one_item_does_not_stop_the_batch(items: list[Item]) -> None:
    answers: list[Extraction | Exception] = [OK, OK, KeyError("boom"), OK]
    result, _ = fake_run(items[:4], answers)
    assert (result.summary.done, result.summary.failed) == (3, 1)
    assert "unexpected KeyError while extracting: 'boom'" in result.errors[0].error.message
