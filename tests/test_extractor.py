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
from summarizer.cli import app
from summarizer.pipeline import extract_many
from summarizer.prompt import Prompt, load_prompt, parse_prompt
from summarizer.text.candidates import find_candidates
from summarizer.text.numbers import find_numbers
from summarizer.text.sentences import split_sentences

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


def test_a_paper_without_numbers_gets_no_metrics_and_a_schema_allowing_none(stub: Stub) -> None:
    with stub_extractor(stub) as extractor:
        record = extractor.extract(NO_NUMBERS)
    tool = stub.requests[0]["tools"][0]["function"]["parameters"]
    assert tool["properties"]["headline_metrics"]["maxItems"] == 0
    assert record.headline_metrics == []


def test_metrics_only_asks_nothing_when_there_is_no_number(stub: Stub) -> None:
    with stub_extractor(stub, metrics_only=True) as extractor:
        record = extractor.extract(NO_NUMBERS)
        assert not extractor.opened
    assert stub.requests == []
    assert (record.headline_metrics, record.one_line_summary) == ([], "")
    assert record.provenance.attempts == 0


def test_metrics_only_shows_only_the_sentences_with_numbers(fixtures: Path, stub: Stub) -> None:
    item = read([fixtures / "seed_digest.txt"]).items[0]
    with stub_extractor(stub, metrics_only=True) as extractor:
        record = extractor.extract(item)
    sent = stub.requests[0]
    assert list(sent["tools"][0]["function"]["parameters"]["properties"]) == ["headline_metrics"]
    user = sent["messages"][-1]["content"]
    shown = [s.text for s in split_sentences(item.text) if s.text in user]
    assert all(find_numbers(text) for text in shown)
    assert record.headline_metrics
    assert all(m.grounded for m in record.headline_metrics)


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


REMOTE = {"base_url": "http://127.0.0.1:9/v1", "model": "m"}


def key_of(item: Item, prompt: Prompt | None = None, /, **settings: object) -> str:
    """The key an extractor gives `item`, without opening its backend."""
    extractor = Extractor(Settings.model_validate({**REMOTE, **settings}))
    if prompt is not None:
        extractor.prompt = prompt
    return extractor.key(item)


def test_the_resume_key_covers_everything_that_is_sent() -> None:
    item, prompt = DIGEST[0], load_prompt()
    text = (resources.files("summarizer.prompts") / f"{prompt.id}.txt").read_text("utf-8")
    reworded = parse_prompt(prompt.id, text.replace("Answer again in full.", "Answer in full."))
    assert (reworded.system, reworded.user) == (prompt.system, prompt.user)
    key = key_of(item)
    assert key == key_of(item)
    changed = {
        "grounding re-ask text": key_of(item, reworded),
        "input text": key_of(item.model_copy(update={"text": "Other 3.1%."})),
        "title": key_of(item.model_copy(update={"title": "Another title"})),
        "model": key_of(item, model="other"),
        "temperature": key_of(item, temperature=0.7),
        "max tokens": key_of(item, max_tokens=300),
        "request options": key_of(item, request_options={"repeat_penalty": 1.1}),
        "mode": key_of(item, mode="json"),
        "fields": key_of(item, metrics_only=True),
        "re-ask budget": key_of(item, max_reasks=0),
        "rules provider": key_of(item, provider="rules"),
    }
    assert key not in changed.values()
    assert len(set(changed.values())) == len(changed)


def test_how_the_provider_was_chosen_is_not_part_of_the_key() -> None:
    for item in DIGEST[:5]:
        assert key_of(item, provider="auto") == key_of(item, provider="openai")
        # Nor is where the endpoint is (a batch and an online run may reach it differently).
        assert key_of(item) == key_of(item, base_url="http://10.0.0.2:8000/v1")


def test_the_key_is_the_body_sent_so_a_change_to_it_changes_every_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pydantic import create_model  # noqa: PLC0415

    from summarizer.providers import codec, local  # noqa: PLC0415

    local_settings: dict[str, object] = {"provider": "local", "base_url": None, "model": None}
    before = [key_of(item, **local_settings) for item in DIGEST]
    monkeypatch.setattr(local, "LOCAL_OPTIONS", {**local.LOCAL_OPTIONS, "repeat_penalty": 1.2})
    options_changed = [key_of(item, **local_settings) for item in DIGEST]
    monkeypatch.undo()
    assert [key_of(item, **local_settings) for item in DIGEST] == before
    schema = codec.response_model

    def reworded(request: object) -> type:
        model = schema(request)  # type: ignore[arg-type]
        return create_model(model.__name__, __base__=model, __doc__="One paper, summarised.")

    monkeypatch.setattr(codec, "response_model", reworded)
    described = [key_of(item, **local_settings) for item in DIGEST]
    assert len(set(before)) == len(DIGEST)
    assert all(a != b for a, b in zip(before, options_changed, strict=True))
    assert all(a != b for a, b in zip(before, described, strict=True))


def test_a_key_written_before_request_keys_still_counts_as_done(tmp_path: Path) -> None:
    from summarizer.extractor import legacy_key  # noqa: PLC0415

    settings = Settings(provider="rules")
    out = tmp_path / "out.jsonl"
    first = extract_many(DIGEST[:3], settings, output=out)
    assert first.summary.done == 3
    # The same lines as an earlier version wrote them: keyed by its hash of the settings.
    lines = [json.loads(t) for t in out.read_text().splitlines()]
    for line, item in zip(lines, DIGEST[:3], strict=True):
        line["key"] = legacy_key(item, load_prompt(), "rules-v1", settings)
    out.write_text("".join(json.dumps(line) + "\n" for line in lines))
    again = extract_many(DIGEST[:4], settings, output=out)
    assert (again.summary.skipped, again.summary.done) == (3, 1)


def test_a_key_the_answer_echoes_never_reaches_the_record(monkeypatch: pytest.MonkeyPatch) -> None:
    from summarizer import FakeBackend  # noqa: PLC0415
    from summarizer.records.schema import Extraction  # noqa: PLC0415

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


def test_a_grounding_reask_cut_off_every_time_keeps_the_first_answer(
    fixtures: Path, stub: Stub
) -> None:
    """A re-ask the model cannot finish is the model's failure, as an invalid one is: the first
    answer stands, flagged, as it does when a batch collects the same answers."""
    item = read([fixtures / "seed_digest.txt"]).items[0]
    stub.faults.extend(["unstated", "truncated", "truncated"])  # 3 calls: max_reasks 2
    settings = Settings(base_url=stub.base_url, model="stub-model", retry_max_wait_s=0.01)
    with Extractor(settings) as extractor:
        record = extractor.extract(item)
    assert len(stub.requests) == 3
    assert record.provenance.attempts == 3
    assert record.objective == "It is 99.9% accurate."
    assert record.grounding.unstated_prose_numbers == ["objective: 99.9%"]
    assert record.provenance.usage.prompt_tokens == 300  # every call counted
