"""The call log: a row per model call, totals that are the records' usage, a cache that answers
an unchanged request without a call, and a budget that stops a run before it is passed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from helpers import seed_rows
from stub_server import Stub
from typer.testing import CliRunner

from summarizer import BudgetSpentError, Extractor, Record, Settings, read_lines
from summarizer.cli import app
from summarizer.pipeline import extract_many
from summarizer.providers.ledger import read_totals

ITEMS = seed_rows()


def settings_for(stub: Stub, ledger: Path, **more: Any) -> Settings:
    return Settings(base_url=stub.base_url, model="stub-model", retry_max_wait_s=0.01,
                    ledger=ledger, **more)  # fmt: skip


def test_every_call_is_a_row_and_a_run_totals_its_records_usage(stub: Stub, tmp_path: Path) -> None:
    ledger, out = tmp_path / "calls.sqlite", tmp_path / "out.jsonl"
    stub.faults.extend(["invalid", "none", "500", "none"])  # a re-ask, a retried 500
    result = extract_many(ITEMS[:5], settings_for(stub, ledger), output=out)
    assert result.summary.done == 5
    records = [line for line in read_lines(out).lines if isinstance(line, Record)]
    (run,) = read_totals(ledger)
    assert run.calls == 6  # 5 items, one re-asked; the 500 was a transport retry of one call
    assert run.usage.total_tokens == sum(r.provenance.usage.total_tokens for r in records)
    assert run.spent == run.usage.total_tokens
    items = {t.name: t for t in read_totals(ledger, "last")}
    assert items.keys() == {r.key for r in records}
    reasked = next(r for r in records if r.provenance.attempts == 2)
    assert items[reasked.key].outcomes == "invalid, valid"
    assert items[reasked.key].usage == reasked.provenance.usage


def stored(ledger: Path) -> bytes:
    """Every byte of the log's files, as a reader of the disk would find them."""
    files = [ledger, *ledger.parent.glob(ledger.name + "-*")]
    return b"".join(p.read_bytes() for p in files).replace(b"\x00", b"")


@pytest.mark.parametrize("cache", [False, True])
def test_the_log_holds_no_key_or_url_and_without_the_cache_no_text(
    stub: Stub, tmp_path: Path, cache: bool
) -> None:
    ledger = tmp_path / "calls.sqlite"
    secret = "sk-live-THISMUSTNOTLEAK-0123456789"
    item = ITEMS[0].model_copy(update={"text": f"{ITEMS[0].text} Our key {secret} works."})
    extract_many([item], settings_for(stub, ledger, api_key=secret, cache=cache))
    raw = stored(ledger)
    assert secret.encode() not in raw  # the stub's answer quotes the text, key included
    assert b"127.0.0.1" not in raw
    assert (item.text[:40].encode() in raw) is cache  # only a cached answer holds its words
    with sqlite3.connect(ledger) as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(calls)")]
        (count,) = db.execute("SELECT COUNT(*) FROM answers").fetchone()
    assert "body" in columns  # the body's hash, not the body
    assert count == int(cache)


def test_a_second_eval_with_the_cache_makes_no_request_and_writes_the_same_report(
    stub: Stub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUMMARIZE_LEDGER", str(tmp_path / "calls.sqlite"))
    runner = CliRunner()
    reports = []
    for run in ("first", "second"):
        made = runner.invoke(app, ["eval", "seed_abstracts", "--provider", "openai",
                                   "--base-url", stub.base_url, "--model", "stub-model",
                                   "--cache", "--out", str(tmp_path / run)])  # fmt: skip
        assert made.exit_code == 0, made.stderr
        if run == "first":
            sent = len(stub.requests)
        (report,) = (tmp_path / run).rglob("report.json")
        reports.append(json.loads(report.read_text()))
    assert sent >= 20  # 20 papers, a few re-asked
    assert len(stub.requests) == sent  # the second eval made none
    assert comparable(reports[0]) == comparable(reports[1])
    first, second = read_totals(tmp_path / "calls.sqlite")
    assert (first.calls, first.cached) == (sent, 0)
    assert (second.calls, second.cached, second.spent) == (sent, sent, 0)
    assert second.usage == first.usage  # records count the tokens as when first spent


def comparable(report: Any) -> Any:
    """A report without what differs between two runs of the same answers: how long they took
    and when."""
    if isinstance(report, dict):
        return {
            k: comparable(v)
            for k, v in report.items()
            if not k.startswith("latency") and k not in {"created_at", "wall_s"}
        }
    if isinstance(report, list):
        return [comparable(v) for v in report]
    return report


def test_a_budget_stops_the_run_before_the_call_that_could_pass_it(
    stub: Stub, tmp_path: Path
) -> None:
    ledger, out = tmp_path / "calls.sqlite", tmp_path / "out.jsonl"
    budget = 9000  # a few calls: each may take up to 700 tokens out plus its prompt
    result = extract_many(ITEMS, settings_for(stub, ledger, budget=budget), output=out)
    assert isinstance(result.stopped, BudgetSpentError)
    assert "past its --budget of 9,000 tokens" in str(result.stopped)
    assert "unfinished items stay pending" in str(result.stopped)
    (run,) = read_totals(ledger)
    assert 0 < run.spent <= budget
    assert 0 < result.summary.done < len(ITEMS)
    assert len(stub.requests) == run.calls == result.summary.done  # no call past the budget
    again = extract_many(ITEMS, settings_for(stub, ledger), output=out)  # resumes the rest
    assert again.summary.done == len(ITEMS) - result.summary.done


def test_summarize_log_prints_runs_and_items(stub: Stub, tmp_path: Path) -> None:
    ledger = tmp_path / "calls.sqlite"
    extract_many(ITEMS[:3], settings_for(stub, ledger))
    runner = CliRunner()
    runs = runner.invoke(app, ["log", "--ledger", str(ledger)])
    assert runs.exit_code == 0, runs.stderr
    lines = runs.stdout.splitlines()
    assert lines[0].split()[:3] == ["RUN", "STARTED", "CALLS"]
    assert lines[-1].startswith("total: 1 run(s), 3 call(s) (0 from the cache), 450 tokens")
    items = runner.invoke(app, ["log", "--ledger", str(ledger), "--run", "last"])
    assert items.stdout.splitlines()[-1].startswith("total: 3 item(s), 3 call(s)")
    missing = runner.invoke(app, ["log", "--ledger", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2
    assert missing.stderr.startswith("error: no call log at")


def test_an_unreadable_stored_answer_is_asked_for_again_and_logged_as_sent(
    stub: Stub, tmp_path: Path
) -> None:
    ledger = tmp_path / "calls.sqlite"
    extract_many(ITEMS[:2], settings_for(stub, ledger, cache=True))
    with sqlite3.connect(ledger) as db:  # one answer not JSON, one JSON but no completion
        bodies = [row[0] for row in db.execute("SELECT body FROM answers ORDER BY at, body")]
        db.execute("UPDATE answers SET completion = 'not json' WHERE body = ?", (bodies[0],))
        db.execute(
            "UPDATE answers SET completion = '{\"choices\": 1}' WHERE body = ?", (bodies[1],)
        )
    sent = len(stub.requests)
    again = extract_many(ITEMS[:2], settings_for(stub, ledger, cache=True))
    assert again.summary.done == 2
    assert len(stub.requests) == sent + 2  # both asked again
    last = read_totals(ledger)[-1]
    assert (last.calls, last.cached, last.spent) == (2, 0, last.usage.total_tokens)


def test_a_log_that_breaks_mid_run_costs_the_log_not_the_items(
    stub: Stub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ledger = tmp_path / "calls.sqlite"
    with Extractor(settings_for(stub, ledger, cache=True)) as extractor:
        extractor.extract(ITEMS[0])  # the log is open, with its tables
        with sqlite3.connect(ledger) as db:  # what another program, or a bad disk, could do
            db.execute("DROP TABLE answers")
            db.execute("DROP TABLE calls")
        result = extract_many(ITEMS[1:4], extractor=extractor)
    assert (result.summary.done, result.summary.failed) == (3, 0)
    warnings = [r.getMessage() for r in caplog.records if "call log" in r.getMessage()]
    assert any("could not be written" in w for w in warnings)
    assert any("could not be read" in w for w in warnings)
