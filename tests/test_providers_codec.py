"""The codec is the one place that knows the wire format: it builds every body the endpoint
receives and reads every completion; no other module does."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from helpers import seed_rows
from stub_server import answer, completion

from summarizer import Extractor, Settings
from summarizer.providers import Request, codec
from summarizer.providers.codec import ChatCompletion, InvalidAnswer, Wire

PACKAGE = Path(__file__).resolve().parent.parent / "summarizer"
CODEC = PACKAGE / "providers" / "codec.py"
# What only a module that builds or parses a chat-completion body needs.
WIRE_IMPORTS = ("instructor", "openai.types.chat")
WIRE_WORDS = {"choices", "tool_calls", "response_format", "completions"}


def wire_knowledge(path: Path) -> list[str]:
    """Where `path` imports a wire-format library or touches a completion's or body's parts."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        found += [f"imports {n}" for n in names if n.startswith(WIRE_IMPORTS)]
        if isinstance(node, ast.Attribute) and node.attr in WIRE_WORDS:
            found.append(f".{node.attr} (line {node.lineno})")
        if isinstance(node, ast.Constant) and node.value in WIRE_WORDS:
            found.append(f"{node.value!r} (line {node.lineno})")
    return found


def test_no_module_but_the_codec_builds_or_reads_a_body() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert CODEC in modules
    assert wire_knowledge(CODEC)  # the check sees what it looks for
    offenders = {
        str(p.relative_to(PACKAGE)): found
        for p in modules
        if p != CODEC and (found := wire_knowledge(p))
    }
    assert offenders == {}


ITEM = seed_rows()[0]


def request_for(mode: str) -> tuple[Request, Wire]:
    settings = Settings(base_url="http://127.0.0.1:9/v1", model="m", mode=mode)
    extractor = Extractor(settings)
    assert extractor.wire is not None
    return extractor.request(ITEM), extractor.wire


@pytest.mark.parametrize("mode", ["tools", "json_schema", "json_object_schema", "json", "md_json"])
def test_encode_is_the_body_sent_and_hashes_the_same_in_any_key_order(mode: str) -> None:
    request, wire = request_for(mode)
    messages = json.dumps(request.messages)
    body = codec.encode(request, wire)
    assert json.dumps(request.messages) == messages  # encoding leaves the request as it was
    assert body["model"] == "m"
    assert body["max_tokens"] == wire.max_tokens
    assert json.loads(json.dumps(body)) == body  # plain JSON, as posted
    assert codec.digest(dict(reversed(body.items()))) == codec.digest(body)
    assert body == codec.encode(request, wire)  # the same request, the same body


def test_the_dialects_of_the_json_schema_mode() -> None:
    strict = codec.encode(*request_for("json_schema"))["response_format"]
    assert strict["type"] == "json_schema"
    assert strict["json_schema"]["strict"] is True
    assert strict["json_schema"]["schema"]["additionalProperties"] is False
    llama = codec.encode(*request_for("json_object_schema"))["response_format"]
    assert llama["type"] == "json_object"
    assert (
        llama["schema"]["properties"].keys() == strict["json_schema"]["schema"]["properties"].keys()
    )


def test_decode_reads_a_valid_answer_and_names_what_is_wrong_with_another() -> None:
    request, wire = request_for("tools")
    body = codec.encode(request, wire)
    good = ChatCompletion.model_validate(completion(body, json.dumps(answer(body)), "tool_calls"))
    extraction = codec.decode(good, request, wire)
    assert extraction.headline_metrics
    bad = ChatCompletion.model_validate(completion(body, '{"objective": 3}', "tool_calls"))
    with pytest.raises(InvalidAnswer, match="one_line_summary: Field required"):
        codec.decode(bad, request, wire)
    not_json = ChatCompletion.model_validate(completion(body, "{not json", "tool_calls"))
    with pytest.raises(InvalidAnswer):
        codec.decode(not_json, request, wire)


def test_a_reask_adds_the_answer_and_its_errors_and_leaves_the_body_as_it_was() -> None:
    request, wire = request_for("tools")
    body = codec.encode(request, wire)
    sent = json.dumps(body)
    bad = ChatCompletion.model_validate(completion(body, '{"objective": 3}', "tool_calls"))
    try:
        codec.decode(bad, request, wire)
    except InvalidAnswer as exc:
        error = exc
    again = codec.reask(body, bad, error, wire)
    assert json.dumps(body) == sent
    assert again["messages"][: len(body["messages"])] == body["messages"]
    added = again["messages"][len(body["messages"]) :]
    assert [m["role"] for m in added] == ["assistant", "tool"]
    assert "objective" in added[1]["content"]
    assert {k: v for k, v in again.items() if k != "messages"} == {
        k: v for k, v in body.items() if k != "messages"
    }


def test_a_body_that_is_not_a_completion_reads_as_none() -> None:
    assert codec.read_completion({"choices": "nope"}) is None
    assert codec.read_completion({"error": {"message": "x"}}) is None
    request, wire = request_for("tools")
    body = codec.encode(request, wire)
    read = codec.read_completion(completion(body, "{}", "tool_calls"))
    assert read is not None
    assert codec.raw_text(read) == "{}"
