"""Batch files: the request bodies are the online requests, byte for byte after JSON
normalisation, and the recorded answers read back from a response file give the online records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # comes with vcrpy
from helpers import comparable
from recorded import cassette_path, extract_recorded, recorded_extractor, seed_items

from summarizer import ErrorLine, Record, read_lines
from summarizer.batch.files import (
    collect_responses,
    load_state,
    request_lines,
    save_state,
    write_requests,
)

ITEMS = seed_items("seed_digest")


def interactions(path: Path) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = yaml.safe_load(path.read_text())["interactions"]
    return loaded


def test_each_request_body_is_the_request_the_online_path_recorded() -> None:
    with recorded_extractor() as extractor:
        lines = list(request_lines(ITEMS, extractor))
    assert len(lines) == 20
    for item, line in zip(ITEMS, lines, strict=True):
        recorded = interactions(cassette_path("seed_digest", item))[0]["request"]
        assert recorded["uri"].endswith(line["url"])
        assert line["body"] == json.loads(recorded["body"])
        assert line["method"] == "POST"


def response_file(path: Path, keys: dict[str, str]) -> Path:
    """A batch response file holding the answers the real server gave, as recorded."""
    out = []
    for item in ITEMS:
        answer = interactions(cassette_path("seed_digest", item))[0]["response"]
        body = json.loads(answer["body"]["string"])
        key = keys[item.arxiv_id or ""]
        out.append({"id": f"batch_req_{key}", "custom_id": key, "error": None,
                    "response": {"status_code": 200, "request_id": key, "body": body}})  # fmt: skip
    path.write_text("".join(json.dumps(line) + "\n" for line in out))
    return path


def test_collected_answers_give_the_online_records(tmp_path: Path) -> None:
    with recorded_extractor() as extractor:
        online = [extract_recorded(extractor, "seed_digest", item) for item in ITEMS]
        keys = {item.arxiv_id or "": extractor.key(item) for item in ITEMS}
        responses = response_file(tmp_path / "responses.jsonl", keys)
        out = tmp_path / "out.jsonl"
        first = collect_responses(responses, ITEMS, extractor, out)
        again = collect_responses(responses, ITEMS, extractor, out)
    assert (first.done, first.failed, first.pending) == (20, 0, 0)
    assert (again.done, again.skipped) == (0, 20)  # collected twice: nothing duplicated
    batch = read_lines(out).lines
    assert len(batch) == 20
    for made, recorded in zip(batch, online, strict=True):
        assert isinstance(made, Record)
        assert isinstance(recorded, Record)
        assert comparable(made) == comparable(recorded)


def test_failed_requests_stay_pending_and_bad_answers_are_re_asked(tmp_path: Path) -> None:
    with recorded_extractor() as extractor:
        keys = {item.arxiv_id or "": extractor.key(item) for item in ITEMS[:3]}
        lines = [json.loads(t) for t in response_file(tmp_path / "r.jsonl", keys | {
            i.arxiv_id or "": "x" for i in ITEMS[3:]}).read_text().splitlines()[:3]]  # fmt: skip
        lines[0]["response"]["status_code"] = 500
        content = lines[1]["response"]["body"]["choices"][0]["message"]
        content["content"] = '{"objective": 3}'
        responses = tmp_path / "partial.jsonl"
        responses.write_text("".join(json.dumps(line) + "\n" for line in lines))
        result = collect_responses(responses, ITEMS[:3], extractor, tmp_path / "out.jsonl")
    assert (result.done, result.failed, result.reasks, result.pending) == (1, 0, 1, 1)
    follow = load_state(tmp_path / "out.jsonl").followups[keys[ITEMS[1].arxiv_id or ""]]
    assert (follow.round, follow.calls, follow.sent) == (2, 1, False)
    sent: list[dict[str, str]] = next(request_lines(ITEMS[1:2], extractor))["body"]["messages"]
    answer, fix = follow.body["messages"][len(sent) :]
    assert follow.body["messages"][: len(sent)] == sent  # the conversation, then
    assert answer["role"] == "assistant"  # the answer, then what to fix in it
    assert answer["content"] == '{"objective": 3}'
    assert "objective" in fix["content"]
    assert "validation error" in fix["content"]


def test_an_answer_invalid_until_the_budget_is_spent_is_an_error_line(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with recorded_extractor() as extractor:
        key = extractor.key(ITEMS[0])
        line = json.loads(response_file(tmp_path / "r.jsonl", {
            i.arxiv_id or "": key for i in ITEMS}).read_text().splitlines()[0])  # fmt: skip
        line["response"]["body"]["choices"][0]["message"]["content"] = '{"objective": 3}'
        counts = []
        for round_ in (1, 2, 3):
            line["custom_id"] = key if round_ == 1 else f"{key}.r{round_}"
            (tmp_path / "answer.jsonl").write_text(json.dumps(line) + "\n")
            result = collect_responses(tmp_path / "answer.jsonl", ITEMS[:1], extractor, out)
            counts.append((result.done, result.failed, result.reasks))
            state = load_state(out)
            for follow in state.followups.values():
                follow.sent = True  # as `submit --reask` does
            save_state(out, state)
    assert counts == [(0, 0, 1), (0, 0, 1), (0, 1, 0)]  # 1 + max_reasks calls, then an error
    (error,) = read_lines(out).lines
    assert isinstance(error, ErrorLine)
    assert "did not validate after 3 attempts" in error.error.message
    assert error.error.attempts == 3
    assert load_state(out).followups == {}


def test_a_bad_byte_or_line_in_a_response_file_costs_that_line_only(tmp_path: Path) -> None:
    with recorded_extractor() as extractor:
        keys = {item.arxiv_id or "": extractor.key(item) for item in ITEMS}
        good = response_file(tmp_path / "r.jsonl", keys).read_bytes().splitlines(keepends=True)
        responses = tmp_path / "damaged.jsonl"
        bad = [b'{"custom_id": "\xff\xfe"}\n', b"[1, 2]\n", b'{"n": 1' + b"1" * 4400 + b"}\n"]
        responses.write_bytes(b"".join([good[0], *bad, *good[1:3]]))
        result = collect_responses(responses, ITEMS[:3], extractor, tmp_path / "out.jsonl")
    assert (result.done, result.failed) == (3, 0)
    assert [(p.location.line, p.message.split(" (")[0]) for p in result.problems] == [
        (2, "not UTF-8"),
        (3, "not a JSON object"),
        (4, "not JSON: Exceeds the limit"),
    ]


def test_a_key_the_batch_answer_echoes_never_reaches_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-echoed-0123456789abcdefghij"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    with recorded_extractor() as extractor:
        keys = {item.arxiv_id or "": extractor.key(item) for item in ITEMS}
        line = json.loads(response_file(tmp_path / "r.jsonl", keys).read_text().splitlines()[0])
        message = line["response"]["body"]["choices"][0]["message"]
        answer = json.loads(message["content"])
        answer["one_line_summary"] = f"The key is {key}."
        message["content"] = json.dumps(answer)
        responses = tmp_path / "echo.jsonl"
        responses.write_text(json.dumps(line) + "\n")
        result = collect_responses(responses, ITEMS[:1], extractor, tmp_path / "out.jsonl")
    assert result.done == 1
    written = (tmp_path / "out.jsonl").read_text()
    assert key not in written
    assert "The key is [redacted]." in written


def test_the_request_file_has_one_line_per_item(tmp_path: Path) -> None:
    with recorded_extractor() as extractor:
        count = write_requests([*ITEMS[:3], ITEMS[0]], extractor, tmp_path / "requests.jsonl")
    lines = (tmp_path / "requests.jsonl").read_text().splitlines()
    assert count == len(lines) == 3
    assert len({json.loads(line)["custom_id"] for line in lines}) == 3


@pytest.mark.parametrize("provider", ["rules"])
def test_a_provider_without_an_endpoint_is_refused(provider: str, tmp_path: Path) -> None:
    from summarizer import ConfigError, Extractor, Settings  # noqa: PLC0415

    with Extractor(Settings(provider=provider)) as extractor, pytest.raises(ConfigError):
        write_requests(ITEMS[:1], extractor, tmp_path / "requests.jsonl")


def test_the_command_writes_the_request_file(tmp_path: Path) -> None:
    from typer.testing import CliRunner  # noqa: PLC0415

    from summarizer.cli import app  # noqa: PLC0415

    runner = CliRunner()
    seed = str(Path(__file__).parent / "fixtures" / "seed_digest.txt")
    requests = tmp_path / "requests.jsonl"
    made = runner.invoke(
        app, ["batch", "submit", seed, "--model", "gpt-4o-mini", "--write-only", str(requests)]
    )
    assert made.exit_code == 0, made.stderr
    assert "20 request(s)" in made.stderr
    first = json.loads(requests.read_text().splitlines()[0])
    assert first["body"]["model"] == "gpt-4o-mini"
    assert first["body"]["response_format"]["json_schema"]["strict"] is True  # as online
    refused = runner.invoke(app, ["batch", "collect", "--responses", str(requests)])
    assert refused.exit_code == 2
    assert "give the inputs the responses are for" in refused.stderr
