"""Submit, status, collect and cancel against a stub of the Files and Batches endpoints: every
item is written exactly once, also after an expired batch, failed requests, an interrupted
collect and a second collect."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from batch_stub import BatchStub
from helpers import comparable, seed_rows
from stub_server import Stub

from summarizer import Extractor, ProviderError, Record, Settings, read_lines
from summarizer.batch import api as batch_api
from summarizer.batch.api import cancel, collect, statuses, submit, submit_reasks
from summarizer.batch.files import load_state
from summarizer.item import Item, Location
from summarizer.pipeline import extract_many

ITEMS = seed_rows()


@pytest.fixture
def api() -> Iterator[BatchStub]:
    with BatchStub() as stub:
        yield stub


def extractor_for(stub: BatchStub, **more: Any) -> Extractor:
    settings = Settings(provider="openai", base_url=stub.base_url, model="stub-model",
                        max_transport_retries=0, retry_max_wait_s=0.01, **more)  # fmt: skip
    return Extractor(settings)


def written(out: Path) -> Counter[str]:
    return Counter(line.key for line in read_lines(out).lines)


def test_submit_status_collect_writes_each_item_once(api: BatchStub, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with extractor_for(api) as extractor:
        made = submit(ITEMS, extractor, out, max_requests=8)
        assert [len(b.items) for b in made] == [8, 8, 4]  # split at the request limit
        assert submit(ITEMS, extractor, out) == []  # waiting batches are not submitted twice
        assert {batch.status for _, batch in statuses(out, extractor)} == {"in_progress"}
        first = collect(out, extractor)
        second = collect(out, extractor)
    assert (first.done, first.failed, first.pending) == (20, 0, 0)
    assert first.usage.prompt_tokens == 20 * 100
    assert (second.done, second.pending) == (0, 0)
    assert set(written(out).values()) == {1}
    assert len(written(out)) == 20


def test_an_expired_batch_and_failed_requests_are_finished_by_another(
    api: BatchStub, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    with extractor_for(api) as extractor:
        api.expire_after, api.fail_every = 5, 2  # of each batch: 5 looked at, every 2nd fails
        submit(ITEMS, extractor, out, max_requests=10)
        statuses(out, extractor)
        partial = collect(out, extractor)
        assert (partial.done, partial.pending) == (6, 14)  # 3 answered of each batch's 5
        api.expire_after, api.fail_every = None, 0
        again = submit(ITEMS, extractor, out)
        assert [len(b.items) for b in again] == [14]  # only what is not written yet
        statuses(out, extractor)
        rest = collect(out, extractor)
    assert (rest.done, rest.pending) == (14, 0)
    assert len(written(out)) == 20
    assert set(written(out).values()) == {1}


def test_an_interrupted_collect_runs_again_without_duplicates(
    api: BatchStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out.jsonl"
    real = batch_api.collect_responses

    def half_then_stop(responses: Path, items: list, extractor: Extractor, output: Path) -> object:  # type: ignore[type-arg]
        real(responses, items[:4], extractor, output)
        raise KeyboardInterrupt

    with extractor_for(api) as extractor:
        submit(ITEMS, extractor, out)
        statuses(out, extractor)
        monkeypatch.setattr(batch_api, "collect_responses", half_then_stop)
        with pytest.raises(KeyboardInterrupt):
            collect(out, extractor)
        assert len(written(out)) == 4
        assert not load_state(out).batches[0].collected
        monkeypatch.setattr(batch_api, "collect_responses", real)
        resumed = collect(out, extractor)
    assert (resumed.done, resumed.skipped) == (16, 4)
    assert len(written(out)) == 20
    assert set(written(out).values()) == {1}


def test_cancelled_batches_leave_their_items_pending(api: BatchStub, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with extractor_for(api) as extractor:
        made = submit(ITEMS, extractor, out, max_requests=10)
        assert cancel(out, extractor) == [b.id for b in made]
        result = collect(out, extractor)
        assert (result.done, result.pending) == (0, 20)
        assert [len(b.items) for b in submit(ITEMS, extractor, out)] == [20]


def test_the_commands_need_only_the_output_after_submit(api: BatchStub, tmp_path: Path) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from summarizer.cli import app  # noqa: PLC0415

    runner = CliRunner()
    out = str(tmp_path / "out.jsonl")
    seed = str(Path(__file__).parent / "fixtures" / "seed_digest.txt")
    made = runner.invoke(app, ["batch", "submit", seed, "-o", out, "--base-url", api.base_url,
                               "--model", "stub-model"])  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert "1 batch(es), 20 request(s): batch_1" in made.stderr
    shown = runner.invoke(app, ["batch", "status", "-o", out])
    assert shown.stdout.strip() == "batch_1: in_progress, 20 item(s)"
    done = runner.invoke(app, ["batch", "collect", "-o", out])
    assert done.exit_code == 0, done.stderr
    assert "done 20, failed 0, to re-ask 0, pending 0" in done.stderr
    assert "2000 prompt + 1000 completion tokens" in done.stderr
    again = runner.invoke(app, ["batch", "collect", "-o", out])
    assert "done 0, failed 0, to re-ask 0, pending 0" in again.stderr
    after = runner.invoke(app, ["batch", "status", "-o", out])
    assert after.stdout.strip() == (
        "batch_1: completed, 20 item(s), 20/20 done, 0 failed, "
        "tokens 2000 prompt + 1000 output, collected"
    )
    nothing = runner.invoke(app, ["batch", "cancel", "-o", out])
    assert "cancelled 0 batch(es)" in nothing.stderr
    missing = runner.invoke(app, ["batch", "status", "-o", str(tmp_path / "other.jsonl")])
    assert missing.exit_code == 2
    assert "no batch was submitted" in missing.stderr


def test_url_credentials_never_reach_the_state_file(api: BatchStub, tmp_path: Path) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from summarizer.cli import app  # noqa: PLC0415

    out = tmp_path / "out.jsonl"
    seed = str(Path(__file__).parent / "fixtures" / "seed_digest.txt")
    secret = "s3cret-pass-word-123"
    with_password = api.base_url.replace("://", f"://user:{secret}@")
    made = CliRunner().invoke(app, ["batch", "submit", seed, "-o", str(out), "--base-url",
                                    with_password, "--model", "stub-model"])  # fmt: skip
    assert made.exit_code == 0, made.stderr
    state = (tmp_path / "out.jsonl.batches.json").read_text()
    assert secret not in state
    assert "user:" not in state
    assert api.base_url in state
    assert secret not in made.stderr


def test_a_500_on_status_collect_or_download_is_retried(api: BatchStub, tmp_path: Path) -> None:
    settings = Settings(provider="openai", base_url=api.base_url, model="stub-model",
                        max_transport_retries=2, retry_max_wait_s=0.01)  # fmt: skip
    extractor = Extractor(settings)
    out = tmp_path / "out.jsonl"
    api.errors = [500]  # the upload
    submit(ITEMS, extractor, out)
    api.errors = [500, 502]  # the status
    assert [batch.status for _, batch in statuses(out, extractor)] == ["in_progress"]
    api.errors = [500, 500]  # retrieve, then the file download after another 500
    assert collect(out, extractor).done == len(ITEMS)
    assert written(out) == Counter({extractor.key(item): 1 for item in ITEMS})


def test_an_endpoint_that_cannot_be_used_is_one_line_on_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from summarizer.cli import app  # noqa: PLC0415
    from summarizer.providers.transport import Transport  # noqa: PLC0415

    monkeypatch.setattr(Transport, "_wait", lambda self, state: 0.0)  # the retries, not the waits

    runner = CliRunner()
    out = str(tmp_path / "out.jsonl")
    seed = str(Path(__file__).parent / "fixtures" / "seed_digest.txt")
    closed = "http://127.0.0.1:9/v1"  # the discard port: nothing listens
    made = runner.invoke(app, ["batch", "submit", seed, "-o", out, "--base-url", closed,
                               "--model", "m"])  # fmt: skip
    assert made.exit_code == 2
    assert made.stderr.strip().splitlines() == [
        f"error: openai endpoint failed at {closed}/: APIConnectionError: Connection error.; "
        "check --base-url and that the server is up"
    ]


def test_no_key_for_openai_and_a_missing_response_file_are_one_line_before_any_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from summarizer.cli import app  # noqa: PLC0415
    from summarizer.providers.transport import Transport  # noqa: PLC0415

    def no_call(*args: object, **kwargs: object) -> None:
        raise AssertionError("a call was made")

    monkeypatch.setattr(Transport, "call", no_call)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    runner = CliRunner()
    out = str(tmp_path / "out.jsonl")
    seed = str(Path(__file__).parent / "fixtures" / "seed_digest.txt")
    made = runner.invoke(app, ["batch", "submit", seed, "-o", out, "--model", "gpt-4o-mini"])
    assert made.exit_code == 2
    (line,) = made.stderr.strip().splitlines()
    assert line.startswith(
        "error: OpenAI's API needs a key: set OPENAI_API_KEY, or give --base-url"
    )
    missing = tmp_path / "nope.jsonl"
    read = runner.invoke(app, ["batch", "collect", seed, "--responses", str(missing), "-o", out,
                               "--model", "m", "--base-url", "http://127.0.0.1:9/v1"])  # fmt: skip
    assert read.exit_code == 2
    assert read.stderr.strip().splitlines() == [
        f"error: cannot read the response file {missing}: No such file or directory"
    ]


def test_a_create_that_fails_is_not_retried_and_leaves_its_items_to_submit(
    api: BatchStub, tmp_path: Path
) -> None:
    settings = Settings(provider="openai", base_url=api.base_url, model="stub-model",
                        max_transport_retries=2, retry_max_wait_s=0.01)  # fmt: skip
    extractor = Extractor(settings)
    out = tmp_path / "out.jsonl"
    api.errors = [0, 500]  # the upload is answered, the create fails once
    with pytest.raises(ProviderError, match="HTTP 500"):
        submit(ITEMS, extractor, out)
    assert api.batches == {}  # one create asked, none made: not retried into a duplicate
    assert load_state(out).batches == []
    assert len(submit(ITEMS, extractor, out)) == 1  # the next submit sends them


def synthetic(count: int) -> list[Item]:
    """`count` distinct papers, each stating two results."""
    where = Location(path="synthetic.jsonl", line=1)
    texts = (
        f"We propose Method{n}. It reaches {50 + n % 40}.{n % 10}% accuracy on BenchA. "
        f"It is {2 + n % 7}x faster than the baseline."
        for n in range(count)
    )
    return [
        Item(kind="abstract", title=f"Paper {n}", location=where, text=text)
        for n, text in enumerate(texts)
    ]


@pytest.mark.slow
def test_a_thousand_items_with_bad_first_answers_are_done_in_two_rounds(
    api: BatchStub, tmp_path: Path
) -> None:
    items = synthetic(1000)
    out, ledger = tmp_path / "out.jsonl", tmp_path / "calls.sqlite"
    with extractor_for(api, ledger=ledger) as extractor:
        index = {extractor.key(item): n for n, item in enumerate(items)}

        def spoil(line: dict[str, Any]) -> str | None:
            n = index.get(line["custom_id"])  # first rounds only: re-asks are `KEY.rN`
            if n is None or n % 20 > 2:
                return None
            # 10 %: an answer that does not validate; 5 %: a number the text does not state
            return "invalid" if n % 20 < 2 else "unstated"

        api.spoil = spoil
        submit(items, extractor, out)
        statuses(out, extractor)  # the stub's batches run at the second look
        first = collect(out, extractor)
        assert (first.done, first.failed, first.reasks, first.pending) == (850, 0, 150, 0)
        (round_two,) = submit_reasks(out, extractor)
        assert submit(items, extractor, out) == []  # nothing is sent twice
        statuses(out, extractor)
        second = collect(out, extractor)
    assert (second.done, second.failed, second.reasks, second.pending) == (150, 0, 0, 0)
    sent = [json.loads(t) for t in api.files[round_two.input_file_id].splitlines()]
    keys = {extractor.key(items[n]) for n in range(1000) if n % 20 <= 2}
    assert {line["custom_id"] for line in sent} == {f"{key}.r2" for key in keys}
    lines = read_lines(out).lines
    assert Counter(line.key for line in lines) == Counter(dict.fromkeys(index, 1))
    records = [line for line in lines if isinstance(line, Record)]
    assert len(records) >= 990
    assert all(m.grounded for r in records for m in r.headline_metrics)
    reasked = [r for r in records if r.key in keys]
    assert {r.provenance.attempts for r in reasked} == {2}
    assert load_state(out).followups == {}
    with sqlite3.connect(ledger) as db:  # every answer of both rounds is a call in the log
        outcomes = dict(db.execute("SELECT outcome, COUNT(*) FROM calls WHERE how = 'batch' "
                                   "GROUP BY outcome").fetchall())  # fmt: skip
        tokens = db.execute("SELECT SUM(prompt_tokens + completion_tokens) FROM calls").fetchone()
    # Round 1: 100 invalid answers, 900 valid (50 of them re-asked for grounding); round 2: 150.
    assert outcomes == {"valid": 1050, "invalid": 100}
    assert tokens[0] == sum(r.provenance.usage.total_tokens for r in records)


def test_a_partial_batch_then_extract_gives_each_item_once(api: BatchStub, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with extractor_for(api) as extractor:
        api.expire_after = 5
        submit(ITEMS, extractor, out)
        statuses(out, extractor)
        partial = collect(out, extractor)
    assert (partial.done, partial.pending) == (5, 15)
    with Stub() as online:  # the follow-up: the same items, online, the provider left to `auto`
        settings = Settings(base_url=online.base_url, model="stub-model", retry_max_wait_s=0.01)
        result = extract_many(ITEMS, settings, output=out)
    assert (result.summary.skipped, result.summary.done) == (5, 15)
    assert len(written(out)) == 20
    assert set(written(out).values()) == {1}


def test_the_same_answers_online_and_in_a_batch_give_the_same_records(
    api: BatchStub, tmp_path: Path
) -> None:
    faults = {0: "invalid", 1: "truncated", 2: "unstated", 3: None}  # item -> first answer
    items = ITEMS[:4]
    first_answers = [f for n in faults for f in (faults[n] or "none", "none")][:7]
    with Stub(faults=first_answers) as online:
        settings = Settings(base_url=online.base_url, model="stub-model", retry_max_wait_s=0.01)
        with Extractor(settings) as extractor:
            records = [extractor.extract(item) for item in items]
    assert [r.provenance.attempts for r in records] == [2, 2, 2, 1]
    out = tmp_path / "out.jsonl"
    with extractor_for(api) as extractor:
        index = {extractor.key(item): n for n, item in enumerate(items)}
        api.spoil = lambda line: faults.get(index.get(line["custom_id"], -1))
        submit(items, extractor, out)
        statuses(out, extractor)
        first = collect(out, extractor)
        (again,) = submit_reasks(out, extractor)
        statuses(out, extractor)
        second = collect(out, extractor)
    assert (first.done, first.reasks, second.done, second.reasks) == (1, 3, 3, 0)
    # What each path sent: the same bodies, round by round.
    sent = [json.loads(t)["body"] for t in api.files[again.input_file_id].splitlines()]
    assert sent == [online.requests[1], online.requests[3], online.requests[5]]
    batch = {line.key: line for line in read_lines(out).lines}
    for record in records:
        made = batch[record.key]
        assert isinstance(made, Record)
        assert comparable(made) == comparable(record)
