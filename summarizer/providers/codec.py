"""The wire format of OpenAI-compatible chat completions: the one module that builds a request
body and reads an answer out of a completion.

- `encode(request, wire)` is the exact JSON the endpoint receives for a request's first call:
  what the online path posts, what a batch file holds, and what the resume key hashes.
- `decode(completion, request, wire)` is the validated `Extraction` a completion answers, or
  `InvalidAnswer` saying why not.
- `reask(body, completion, error, wire)` is the body of the call after an answer that did not
  validate: the conversation so far plus the validation errors.

The structured-output part of a body (the tool definition, the `response_format`, the JSON
instructions) is instructor's, per mode, through its request, response and re-ask handlers;
on top of it goes the `response_format` dialect each kind of endpoint reads (`_dialect`) and the
endpoint's own request fields (`Wire.options`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Final

import instructor
from instructor.core.exceptions import InstructorError
from instructor.processing.response import (
    handle_reask_kwargs,
    handle_response_model,
    process_response,
)
from openai.types.chat import ChatCompletion
from pydantic import BaseModel, ValidationError

from summarizer.prompt import Message
from summarizer.providers.base import Request
from summarizer.records.schema import Extraction, answer_model, invalid_because
from summarizer.usage import Usage

__all__ = ["ENDPOINT", "MODES", "PATH", "ChatCompletion", "InvalidAnswer", "Wire", "cut_off",
           "decode", "digest", "encode", "is_completion", "raw_text", "read_completion",
           "reask", "response_model", "to_json", "usage_of", "with_messages"]  # fmt: skip

# The chat completions endpoint: relative to a base URL ending in /v1 (online), and as a batch
# request line names it.
PATH: Final = "/chat/completions"
ENDPOINT: Final = "/v1/chat/completions"

MODES: Final = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    # instructor's JSON Schema mode, sent in the dialect of llama-cpp-python's server (and of
    # Together's and Anyscale's JSON mode): {"type": "json_object", "schema": ...}.
    "json_object_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}


@dataclass(frozen=True)
class Wire:
    """How requests are encoded for one endpoint: the model named, the structured-output mode
    (a key of `MODES`), the sampling fields, and the endpoint's own extra request fields."""

    model: str
    mode: str
    temperature: float
    max_tokens: int
    options: dict[str, Any] = field(default_factory=dict, hash=False)


class InvalidAnswer(Exception):
    """A completion whose answer does not validate against the request's answer model."""

    def __init__(self, cause: BaseException) -> None:
        self.cause = cause
        super().__init__(_why(cause))


def response_model(request: Request) -> type[BaseModel]:
    """The structured-output model sent for `request` (see `schema.answer_model`)."""
    values = tuple(c.text for c in request.candidates)
    results = sum(c.kind == "result" for c in request.candidates)
    answer = answer_model(values, len(request.sentences), request.metrics_only, results)
    return _response_model(answer)


@lru_cache(maxsize=256)
def _response_model(answer: type[BaseModel]) -> type[BaseModel]:
    # Wrapped once per answer model: instructor wraps a plain model anew on every call, which
    # defeats its schema cache and regenerates the JSON schema per request. Same bytes sent.
    wrapped: type[BaseModel] = instructor.response_schema(answer)
    return wrapped


def encode(request: Request, wire: Wire) -> dict[str, Any]:
    """The JSON body of `request`'s first call (its `messages` as the conversation)."""
    _, kwargs = handle_response_model(
        response_model(request),
        mode=MODES[wire.mode],
        messages=copy.deepcopy(request.messages),
        model=wire.model,
        temperature=wire.temperature,
        max_tokens=wire.max_tokens,
    )
    response_format = kwargs.get("response_format")
    if isinstance(response_format, dict) and "json_schema" in response_format:
        kwargs["response_format"] = _dialect(wire.mode, response_format)
    return {**kwargs, **wire.options}


def with_messages(request: Request, messages: list[Message]) -> Request:
    """`request` with another conversation (a grounding or truncation re-ask)."""
    return replace(request, messages=messages)


def decode(completion: ChatCompletion, request: Request, wire: Wire) -> Extraction:
    """The `Extraction` that `completion` answers to `request`; `InvalidAnswer` when its answer
    is not JSON, not the answer model, or missing. (A completion cut off at the token limit is
    caught before, by `cut_off`.)"""
    try:
        parsed = process_response(
            completion,
            response_model=response_model(request),
            stream=False,
            strict=True,
            mode=MODES[wire.mode],
        )
        return Extraction.model_validate(parsed.model_dump())
    except (InstructorError, ValueError, TypeError, AttributeError, LookupError) as exc:
        raise InvalidAnswer(exc) from exc  # ValidationError and JSONDecodeError are ValueErrors


def reask(
    body: dict[str, Any], completion: ChatCompletion, error: InvalidAnswer, wire: Wire
) -> dict[str, Any]:
    """The body of the call after `completion` answered `body` with `error`: the conversation,
    the answer, and the validation errors to fix (instructor's re-ask message for the mode)."""
    conversation = {**body, "messages": copy.deepcopy(body["messages"])}
    cause = error.cause if isinstance(error.cause, Exception) else error
    return handle_reask_kwargs(conversation, MODES[wire.mode], completion, cause)


def digest(body: dict[str, Any]) -> str:
    """A stable hash of a body: the same JSON, whatever the order of its keys."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def read_completion(body: object) -> ChatCompletion | None:
    """A chat completion from its JSON (a batch response line's body); None if it is not one."""
    try:
        completion = ChatCompletion.model_validate(body)
    except ValidationError:
        return None
    return completion if is_completion(completion) else None


def to_json(completion: ChatCompletion) -> str:
    """A completion as JSON, as `read_completion` reads it back (for the answer cache)."""
    return completion.model_dump_json()


def is_completion(response: object) -> bool:
    """Whether a 2xx body is a chat completion one can read: the SDK passes non-JSON bodies on
    as text and builds JSON ones without validating them, so `{"choices": "nope"}`, an error
    object or empty `choices` arrive as a `ChatCompletion` that fails only when read."""
    if not isinstance(response, ChatCompletion):
        return False
    try:
        choices = response.choices
        if not isinstance(choices, list) or not choices:
            return False
        message = choices[0].message
        return isinstance(message.content, str | None) and isinstance(
            message.tool_calls, list | None
        )
    except (AttributeError, TypeError):
        return False


def usage_of(completion: ChatCompletion) -> Usage:
    """The tokens a chat completion reports (none when it reports no usage)."""
    usage = completion.usage
    if usage is None:
        return Usage()
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0, completion_tokens=usage.completion_tokens or 0
    )


def cut_off(completion: ChatCompletion, max_tokens: int) -> bool:
    """Whether a completion stopped at the token limit. Some servers (llama.cpp in tools mode)
    report "tool_calls" even when the output was cut off, so the token count is checked too."""
    finish = completion.choices[0].finish_reason if completion.choices else None
    used = completion.usage.completion_tokens if completion.usage is not None else 0
    return finish == "length" or (used or 0) >= max_tokens


def raw_text(completion: Any) -> str | None:
    """The text or tool-call arguments of a chat completion, for error reports."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    if message.tool_calls:
        return str(message.tool_calls[0].function.arguments)
    return str(message.content) if message.content is not None else None


def _why(cause: BaseException) -> str:
    """What was wrong with an answer, in one line (instructor's own messages can be XML)."""
    if isinstance(cause, ValidationError):
        return invalid_because(cause)
    line = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return line[:300] if not line.startswith("<") else type(cause).__name__


def _dialect(mode: str, response_format: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema mode's `response_format` in the dialect the endpoint reads. instructor
    sends `{"type": "json_schema", "json_schema": {"name", "schema"}}`, non-strict. OpenAI
    enforces a schema only in its strict form; llama-cpp-python's server reads a schema only
    from `{"type": "json_object", "schema": ...}`, unlike tools mode without writing the schema
    into the prompt (as Together's and Anyscale's JSON modes do)."""
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": response_format["json_schema"]["schema"]}
    inner = dict(response_format["json_schema"])
    inner["schema"] = _strict(inner["schema"])
    inner["strict"] = True
    return {**response_format, "json_schema": inner}


def _strict(node: Any) -> Any:
    """A schema in OpenAI's strict form: every object closed and every property required, an
    optional one as nullable."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items() if k not in {"default", "title"}}
    if "const" in out:  # one allowed value, written as the enum OpenAI documents
        out["enum"] = [out.pop("const")]
    if out.get("type") == "object" and "properties" in out:
        required = set(out.get("required", []))
        for name, prop in out["properties"].items():
            if name not in required and "anyOf" not in prop:
                out["properties"][name] = {"anyOf": [prop, {"type": "null"}]}
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out
