"""The embedded server's sampler: it picks, token for token, what llama-cpp-python's own chain
(the grammar over the whole vocabulary, then greedy) picks, and never a token the schema does not
allow. On the real SmolLM2 vocabulary and model.

Needs llama-cpp-python, and SmolLM2 for the tests marked `local_model` (see
test_providers_local); skipped without them except where SUMMARIZE_REQUIRE_LOCAL=1.
"""

from __future__ import annotations

import ctypes
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import smollm2

if os.environ.get("SUMMARIZE_REQUIRE_LOCAL") != "1":  # in CI, its absence is a failure
    pytest.importorskip("llama_cpp")
import llama_cpp

SCHEMA = {
    "type": "object",
    "properties": {
        "value_text": {"enum": ["12.5%", "3x", "74.8"]},
        "metrics": {"type": "array", "items": {"type": "string"}, "maxItems": 0},
        "note": {"type": "string", "maxLength": 24},
    },
    "required": ["value_text", "metrics", "note"],
}


@pytest.fixture(scope="module")
def vocab() -> Iterator[Any]:
    model = llama_cpp.Llama(str(smollm2()), vocab_only=True, verbose=False)
    yield model
    model.close()


def token_array(logits: Any) -> tuple[Any, Any]:
    """A llama.cpp candidate array over the whole vocabulary with these logits."""
    lib = llama_cpp.llama_cpp
    data = (lib.llama_token_data * len(logits))()
    for token, logit in enumerate(logits):
        data[token].id = token  # type: ignore[assignment]  # ctypes converts it
        data[token].logit, data[token].p = float(logit), 0.0
    array = lib.llama_token_data_array(
        data=ctypes.cast(data, lib.llama_token_data_p), size=len(logits), selected=-1, sorted=False
    )
    return array, data


def full_chain_pick(grammar: Any, logits: Any) -> int:
    """What the grammar over every token, then greedy, picks (llama-cpp-python's chain)."""
    lib = llama_cpp.llama_cpp
    array, data = token_array(logits)
    lib.llama_sampler_apply(grammar, ctypes.byref(array))
    best = max(range(len(logits)), key=lambda t: (data[t].logit, -t))
    return int(data[best].id)


@pytest.mark.local_model
@pytest.mark.parametrize("top", [1, 64])
def test_the_pick_is_the_full_checks_pick_token_for_token(vocab: Any, top: int) -> None:
    import numpy as np  # noqa: PLC0415 - comes with llama-cpp-python

    from summarizer.providers.sampler import GrammarFirstCheck  # noqa: PLC0415

    lib = llama_cpp.llama_cpp
    grammar = llama_cpp.llama_grammar.LlamaGrammar.from_json_schema(
        json.dumps(SCHEMA), verbose=False
    )
    ours = GrammarFirstCheck(vocab._model.vocab, grammar, top)
    reference = lib.llama_sampler_init_grammar(
        vocab._model.vocab, grammar._grammar.encode(), grammar._root.encode()
    )
    rng = np.random.default_rng(7)
    n_vocab = vocab.n_vocab()
    picked = []
    try:
        for step in range(60):
            logits = rng.normal(size=n_vocab).astype(np.float32)
            if step % 3 == 0:  # a model sure of a token the grammar may not allow
                logits[rng.integers(n_vocab)] += 40.0
            expected = full_chain_pick(reference, logits)
            array, data = token_array(logits)
            ours.sampler.iface.contents.apply(ours.pointer(), ctypes.byref(array))
            got = int(data[array.selected].id)
            assert got == expected, f"step {step}"
            picked.append(got)
            ours.sampler.iface.contents.accept(ours.pointer(), got)
            lib.llama_sampler_accept(reference, got)
    finally:
        ours.close()
        lib.llama_sampler_free(reference)
    text = "".join(vocab.detokenize([t]).decode("utf-8", "replace") for t in picked)
    assert text.startswith("{")
    assert ours.checked == 60
    assert 0 < ours.fallbacks < 60  # both paths ran


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    from summarizer import Settings  # noqa: PLC0415
    from summarizer.providers.local import LocalBackend  # noqa: PLC0415

    path = smollm2()
    backend = LocalBackend(path, Settings(provider="local", model_path=path))
    yield backend
    backend.close()


def ask(server: Any, sampler: str, content: str) -> str:
    import httpx2  # noqa: PLC0415

    body = {
        "messages": [{"role": "user", "content": content}],
        "response_format": {"type": "json_object", "schema": SCHEMA},
        "temperature": 0,
        "max_tokens": 120,
    }
    response = httpx2.post(
        f"http://127.0.0.1:{server.port}/v1/chat/completions",
        json=body,
        headers={"X-Summarizer-Sampler": sampler},
        timeout=120,
    )
    response.raise_for_status()
    text: str = response.json()["choices"][0]["message"]["content"]
    return text


@pytest.mark.local_model
def test_every_sampler_keeps_to_the_schema_and_they_answer_alike(server: Any) -> None:
    content = (
        'Answer in JSON. The paper reports 99.9% accuracy. value_text must be "99.9%"; '
        'list the metrics ["accuracy", "F1"].'
    )
    ask(server, "full", content)  # the prompt evaluated once: all below reuse the same cache
    answers = {name: ask(server, name, content) for name in ("full", "check-first", "top-64")}
    for name, text in answers.items():
        data = json.loads(text, strict=False)  # the note may hold a raw newline
        assert data["value_text"] in {"12.5%", "3x", "74.8"}, name  # never the 99.9% asked for
        assert data["metrics"] == [], name
    assert len(set(answers.values())) == 1, answers


@pytest.mark.local_model
def test_an_unknown_sampler_is_refused(server: Any) -> None:
    import httpx2  # noqa: PLC0415

    response = httpx2.post(
        f"http://127.0.0.1:{server.port}/v1/chat/completions",
        json={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2},
        headers={"X-Summarizer-Sampler": "fastest"},
        timeout=60,
    )
    assert response.status_code == 400
    assert "unknown sampler 'fastest'" in response.json()["error"]["message"]


@pytest.mark.local_model
def test_a_keyword_the_grammar_would_drop_is_refused_naming_it(server: Any) -> None:
    import httpx2  # noqa: PLC0415

    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3}},
              "required": ["n"]}  # fmt: skip
    body = {
        "messages": [{"role": "user", "content": "Give n."}],
        "response_format": {"type": "json_object", "schema": schema},
        "max_tokens": 10,
    }
    response = httpx2.post(
        f"http://127.0.0.1:{server.port}/v1/chat/completions", json=body, timeout=60
    )
    assert response.status_code >= 400  # not an answer under any-JSON instead
    assert "the schema keyword 'properties.n.minimum' cannot be enforced" in response.text


def test_every_schema_the_toolkit_sends_is_enforced_whole() -> None:
    from helpers import seed_rows  # noqa: PLC0415

    from summarizer import Extractor, Settings  # noqa: PLC0415
    from summarizer.providers import codec  # noqa: PLC0415
    from summarizer.providers.sampler import unenforceable  # noqa: PLC0415

    for mode in ("json_object_schema", "tools"):
        for metrics_only in (False, True):
            settings = Settings(provider="local", mode=mode, metrics_only=metrics_only)
            extractor = Extractor(settings)
            assert extractor.wire is not None
            for item in seed_rows():
                body = codec.encode(extractor.request(item), extractor.wire)
                schema = (
                    body["response_format"]["schema"]
                    if mode == "json_object_schema"
                    else body["tools"][0]["function"]["parameters"]
                )
                assert unenforceable(schema) is None, (mode, item.title)
    assert unenforceable({"properties": {"x": {"type": "string", "format": "date"}}}) is None
    assert unenforceable({"properties": {"x": {"type": "string", "format": "email"}}}) == (
        "properties.x.format"
    )
    assert unenforceable({"anyOf": [{"type": "string"}, {"uniqueItems": True}]}) == (
        "anyOf[1].uniqueItems"
    )
