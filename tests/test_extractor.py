"""Extraction replayed from cassettes recorded against a real llama.cpp server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]  # comes with vcrpy; its stubs are not needed
from grounding_check import grounding_violations
from jsonschema import Draft202012Validator
from recorded import ENDPOINT, cassette_path, extract_recorded, recorded_extractor, seed_items
from stub_server import Stub
from typer.testing import CliRunner

from summarizer import Extractor, Item, Location, Record, Settings, read, record_json_schema
from summarizer.candidates import find_candidates
from summarizer.cli import app
from summarizer.extractor import record_key
from summarizer.numbers import find_numbers
from summarizer.prompt import load_prompt, parse_prompt
from summarizer.sentences import split_sentences

DIGEST = seed_items("seed_digest")
ABSTRACTS = seed_items("seed_abstracts")
VALIDATOR = Draft202012Validator(record_json_schema())
RECORDED_WITH = json.loads(ENDPOINT.read_text())


@pytest.fixture(scope="module")
def extractor() -> Iterator[Extractor]:
    with recorded_extractor() as active:
        yield active


def check(line: object) -> Record:
    assert isinstance(line, Record), line
    VALIDATOR.validate(line.model_dump(mode="json"))
    assert grounding_violations(line) == []
    assert line.provenance.provider == RECORDED_WITH["provider"]
    assert line.provenance.usage.completion_tokens > 0
    return line


@pytest.mark.parametrize("item", DIGEST, ids=[i.arxiv_id or "" for i in DIGEST])
def test_seed_digest_row(extractor: Extractor, item: Item) -> None:
    record = check(extract_recorded(extractor, "seed_digest", item))
    assert record.source.kind == "digest"


@pytest.mark.parametrize("item", ABSTRACTS, ids=[i.arxiv_id or "" for i in ABSTRACTS])
def test_seed_abstract(extractor: Extractor, item: Item) -> None:
    record = check(extract_recorded(extractor, "seed_abstracts", item))
    assert record.source.kind == "abstract"


def test_tools_mode_works_on_the_real_server_too() -> None:
    """The default for llama.cpp is JSON mode with a schema; tool calling, where the chat
    template also writes the schema into the prompt, goes through the same path."""
    item = DIGEST[0]
    with recorded_extractor(mode="tools") as extractor:
        record = check(extract_recorded(extractor, "tools_mode", item))
    recorded = yaml.safe_load(cassette_path("tools_mode", item).read_text())
    body = json.loads(recorded["interactions"][0]["request"]["body"])
    assert body["tool_choice"]["function"]["name"] == body["tools"][0]["function"]["name"]
    assert "response_format" not in body
    offered = sent_schema(body)["properties"]["headline_metrics"]["items"]["properties"]
    assert {m.value_text for m in record.headline_metrics} <= set(offered["value_text"]["enum"])


def test_output_file_from_cassettes_validates(extractor: Extractor, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    lines = [extract_recorded(extractor, "seed_digest", item) for item in DIGEST]
    out.write_text("".join(line.model_dump_json() + "\n" for line in lines))
    result = CliRunner().invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "20 valid record(s), 0 error line(s), 0 invalid line(s)" in result.stderr


NO_NUMBERS = Item(
    kind="abstract",
    title="On alignment",
    text="We study alignment of language models. It matters for safe deployment.",
    location=Location(path="x.txt", line=1),
)


def stub_extractor(stub: Stub, metrics_only: bool = False) -> Extractor:
    settings = Settings(
        base_url=stub.base_url, api_key="k", model="stub", metrics_only=metrics_only
    )
    return Extractor(settings)


def test_a_paper_without_numbers_gets_no_metrics_and_a_schema_allowing_none() -> None:
    stub = Stub().start()
    try:
        with stub_extractor(stub) as extractor:
            record = extractor.extract(NO_NUMBERS)
        tool = stub.requests[0]["tools"][0]["function"]["parameters"]
        assert tool["properties"]["headline_metrics"]["maxItems"] == 0
        assert record.headline_metrics == []
    finally:
        stub.stop()


def test_metrics_only_asks_nothing_when_there_is_no_number() -> None:
    stub = Stub().start()
    try:
        with stub_extractor(stub, metrics_only=True) as extractor:
            record = extractor.extract(NO_NUMBERS)
            assert not extractor.opened
        assert stub.requests == []
        assert (record.headline_metrics, record.one_line_summary) == ([], "")
        assert record.provenance.attempts == 0
    finally:
        stub.stop()


def test_metrics_only_shows_only_the_sentences_with_numbers(fixtures: Path) -> None:
    item = read([fixtures / "seed_digest.txt"]).items[0]
    stub = Stub().start()
    try:
        with stub_extractor(stub, metrics_only=True) as extractor:
            record = extractor.extract(item)
        sent = stub.requests[0]
        assert list(sent["tools"][0]["function"]["parameters"]["properties"]) == [
            "headline_metrics"
        ]
        user = sent["messages"][-1]["content"]
        shown = [s.text for s in split_sentences(item.text) if s.text in user]
        assert all(find_numbers(text) for text in shown)
        assert record.headline_metrics
        assert all(m.grounded for m in record.headline_metrics)
    finally:
        stub.stop()


def sent_schema(body: dict[str, object]) -> dict[str, Any]:
    """The answer schema a recorded request carried, in tools or JSON mode."""
    tools: Any = body.get("tools")
    if tools:
        schema: dict[str, Any] = tools[0]["function"]["parameters"]
        return schema
    response_format: Any = body["response_format"]
    if "json_schema" in response_format:
        return dict(response_format["json_schema"]["schema"])
    return dict(response_format["schema"])


@pytest.mark.parametrize("item", ABSTRACTS, ids=[i.arxiv_id or "" for i in ABSTRACTS])
def test_recorded_request_offers_only_the_papers_numbers(item: Item) -> None:
    """The schema in the recorded request (what the real server turned into a grammar) allows
    exactly the paper's numbers as values, and no metric at all when it states none."""
    recorded = yaml.safe_load(cassette_path("seed_abstracts", item).read_text())
    body = json.loads(recorded["interactions"][0]["request"]["body"])
    metrics = sent_schema(body)["properties"]["headline_metrics"]
    value = metrics["items"]["properties"]["value_text"]
    offered = value.get("enum", [value.get("const")])
    numbers = [c.text for c in find_candidates(split_sentences(item.text))]
    if numbers:
        assert offered == numbers
        assert metrics["maxItems"] == min(4, len(numbers))
    else:
        assert metrics["maxItems"] == 0


def test_the_resume_key_covers_everything_that_changes_the_answer() -> None:
    item, prompt, settings = DIGEST[0], load_prompt(), Settings(provider="rules")
    text = (resources.files("summarizer.prompts") / f"{prompt.id}.txt").read_text("utf-8")
    reworded = parse_prompt(prompt.id, text.replace("Answer again in full.", "Answer in full."))
    assert (reworded.system, reworded.user) == (prompt.system, prompt.user)
    key = record_key(item, prompt, "m", settings)
    assert key == record_key(item, load_prompt(), "m", Settings(provider="rules"))

    def other(**changes: object) -> str:
        return record_key(item, prompt, "m", settings.model_copy(update=changes))

    changed = {
        "grounding re-ask text": record_key(item, reworded, "m", settings),
        "input text": record_key(item.model_copy(update={"text": "Other."}), prompt, "m", settings),
        "model": record_key(item, prompt, "other", settings),
        "temperature": other(temperature=0.7),
        "max tokens": other(max_tokens=300),
        "request options": other(request_options={"repeat_penalty": 1.1}),
        "mode": other(mode="json"),
        "fields": other(metrics_only=True),
        "re-ask budget": other(max_reasks=0),
    }
    assert key not in changed.values()
    assert len(set(changed.values())) == len(changed)


def test_a_key_the_answer_echoes_never_reaches_the_record(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer import FakeBackend  # noqa: PLC0415
    from summarizer.schema import Extraction  # noqa: PLC0415

    key = "sk-echoed-0123456789abcdefghij"
    monkeypatch.setenv("OPENAI_API_KEY", key)
    answer = Extraction.model_validate(
        {"one_line_summary": f"The key is {key}.", "objective": "A token embeddings study.",
         "headline_metrics": [{"metric": key, "value_text": "74.8%", "evidence": [1]}]}
    )  # fmt: skip
    item = Item(
        kind="abstract", title="t", text="It reaches 74.8%.", location=Location(path="x", line=1)
    )
    with Extractor(Settings(provider="rules"), backend=FakeBackend([answer])) as extractor:
        record = extractor.extract(item)
    assert key not in record.model_dump_json()
    assert record.one_line_summary == "The key is [redacted]."
    assert record.objective == "A token embeddings study."  # ordinary words stay
