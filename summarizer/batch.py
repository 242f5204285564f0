"""Batch files in the format of OpenAI's Batch API (and vLLM's `run_batch`): write the requests,
read the responses back into records.

A request line is `{"custom_id": KEY, "method": "POST", "url": "/v1/chat/completions", "body":
BODY}`: KEY is the item's resume key, and BODY is exactly what the online path sends for the
item's first call, taken from that path (the request is built and stopped before it leaves), not
rebuilt beside it. A response line is `{"id", "custom_id", "response": {"status_code",
"request_id", "body"}, "error"}`, as the Batch API's output file and `run_batch` write it.

Reading responses goes through the same answer model, validation and grounding as the online
path, with no call to make: an answer that does not validate, was cut off at the token limit or
cites a value the text does not state becomes an error line (a re-ask would need a call), and
an item whose request failed, or has no response yet, stays pending for an online run or another
batch. An item already in the output is never written twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx2
from openai.types.chat import ChatCompletion
from pydantic import ValidationError

from summarizer.errors import ConfigError, ExtractionError, ProviderError, TruncatedOutputError
from summarizer.extractor import Extractor, build_request
from summarizer.grounding import ground
from summarizer.item import Item, Location, Problem
from summarizer.labels import paper_name
from summarizer.providers.base import Request
from summarizer.providers.openai import (
    OpenAIBackend,
    cut_off,
    raw_text,
    response_model,
    usage_of,
)
from summarizer.schema import ErrorLine, Extraction, Record, invalid_because
from summarizer.store import open_output
from summarizer.usage import Usage

ENDPOINT: Final = "/v1/chat/completions"


@dataclass
class Collected:
    """What reading a response file did: lines written, items left pending, lines skipped."""

    done: int = 0
    failed: int = 0
    pending: int = 0
    already: int = 0
    usage: Usage = field(default_factory=Usage)
    problems: list[Problem] = field(default_factory=list)

    def add(self, part: Collected) -> None:
        """Count `part` in too."""
        self.done += part.done
        self.failed += part.failed
        self.pending += part.pending
        self.already += part.already
        self.usage += part.usage
        self.problems += part.problems


def openai_backend(extractor: Extractor) -> OpenAIBackend:
    backend = extractor.backend
    if not isinstance(backend, OpenAIBackend):
        raise ConfigError(
            f"batch files are for OpenAI-compatible endpoints; the {extractor.provider} provider "
            "runs online. Give --model (and --base-url for a vLLM server) to use --provider openai"
        )
    return backend


def request_body(backend: OpenAIBackend, request: Request) -> dict[str, Any]:
    """The JSON body the online path sends for `request`'s first call, taken from that path."""
    seen: list[bytes] = []

    def capture(sent: httpx2.Request) -> httpx2.Response:
        seen.append(sent.read())
        return httpx2.Response(418)  # a status no retry or re-ask follows: the call ends here

    client = backend.transport.client
    backend.transport.client = client.with_options(
        http_client=httpx2.Client(transport=httpx2.MockTransport(capture)), max_retries=0
    )
    # instructor logs the stopped call as a failure; it is not one.
    quiet = logging.getLogger("instructor")
    level, quiet.level = quiet.level, logging.CRITICAL
    try:
        backend.complete(request)
    except (ProviderError, ExtractionError):
        pass
    finally:
        backend.transport.client = client
        quiet.setLevel(level)
    if not seen:
        raise ConfigError("the request could not be built for a batch file")
    body: dict[str, Any] = json.loads(seen[0])
    return body


def request_lines(items: Iterable[Item], extractor: Extractor) -> Iterator[dict[str, Any]]:
    """One batch request line per item (a key seen twice is written once)."""
    backend = openai_backend(extractor)
    seen: set[str] = set()
    for item in items:
        key = extractor.key(item)
        if key in seen:
            continue
        seen.add(key)
        request = _request(extractor, item)
        body = request_body(backend, request)
        yield {"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}


def write_requests(items: Iterable[Item], extractor: Extractor, path: Path) -> int:
    """Write the batch request file for `items`; returns the number of lines."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in request_lines(items, extractor):
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    return count


def collect_responses(
    responses: Path, items: Iterable[Item], extractor: Extractor, output: Path
) -> Collected:
    """Turn a batch response file into records and error lines appended to `output`."""
    backend = openai_backend(extractor)
    by_key = {extractor.key(item): item for item in items}
    result = Collected()
    sink = open_output(output)
    try:
        for number, entry in _response_entries(responses, result):
            key = str(entry.get("custom_id", ""))
            item = by_key.get(key)
            where = Location(path=str(responses), line=number)
            if item is None:
                message = f"custom_id {key!r} is not the key of any item given"
                result.problems.append(Problem(location=where, message=message))
                continue
            if key in sink.done or key in sink.failed:
                result.already += 1
                continue
            completion = _completion(entry)
            if completion is None:
                result.pending += 1  # the request failed: an online run or a new batch retries
                continue
            line = _line(extractor, backend, item, completion)
            sink.write(line)
            (sink.failed if line.status == "error" else sink.done).add(key)
            result.done += line.status == "ok"
            result.failed += line.status == "error"
            result.usage += usage_of(completion)
    finally:
        sink.close()
    return result


def _request(extractor: Extractor, item: Item) -> Request:
    settings = extractor.settings
    return build_request(item, extractor.prompt, settings.metrics_only, extractor.policy)


def _response_entries(path: Path, result: Collected) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each JSON object line of a response or error file; a line that is not UTF-8, not JSON
    or not an object is a problem naming it, and the lines after it are still read."""
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            where = Location(path=str(path), line=number)
            try:
                text = raw.decode("utf-8")
                entry = json.loads(text) if text.strip() else None
            except UnicodeDecodeError as exc:
                message = f"not UTF-8 (byte {raw[exc.start]:#04x} at column {exc.start + 1})"
                result.problems.append(Problem(location=where, message=message))
                continue
            except (ValueError, RecursionError) as exc:  # JSONDecodeError, or a huge integer
                why = exc.msg if isinstance(exc, json.JSONDecodeError) else str(exc)[:120]
                result.problems.append(Problem(location=where, message=f"not JSON: {why}"))
                continue
            if isinstance(entry, dict):
                yield number, entry
            elif entry is not None:
                result.problems.append(Problem(location=where, message="not a JSON object"))


def _completion(entry: dict[str, Any]) -> ChatCompletion | None:
    response = entry.get("response")
    if entry.get("error") or not isinstance(response, dict):
        return None
    if response.get("status_code") != 200:
        return None
    try:
        return ChatCompletion.model_validate(response.get("body"))
    except ValidationError:
        return None


def _line(
    extractor: Extractor, backend: OpenAIBackend, item: Item, completion: ChatCompletion
) -> Record | ErrorLine:
    request = _request(extractor, item)
    usage = usage_of(completion)
    raw = raw_text(completion)
    try:
        limit = backend.settings.max_tokens
        if cut_off(completion, limit):
            raise TruncatedOutputError(
                f"the batch answer hit the token limit ({limit})", backend.provider, usage=usage
            )
        parser: Any = response_model(request)  # an instructor response schema
        answer = parser.from_response(completion, mode=backend.mode)
        extraction = extractor.mask(Extraction.model_validate(answer.model_dump()))
    except (ValidationError, ValueError, TypeError, TruncatedOutputError) as exc:
        why = invalid_because(exc) if isinstance(exc, ValidationError) else str(exc)
        error: Exception = ExtractionError(
            f"the batch answer did not validate: {why}", 1, last_output=raw, usage=usage
        )
        if isinstance(exc, TruncatedOutputError):
            error = exc
        return extractor.error_line(item, error)
    grounded = ground(extraction, request.sentences, paper_name(item.title, item.text))
    if grounded.problems:
        message = "values not in the text (no re-ask in a batch): " + "; ".join(grounded.problems)
        return extractor.error_line(item, ExtractionError(message, 1, raw, usage))
    return extractor.record(
        item,
        extraction,
        grounded,
        ungrounded_before_reask=0,
        usage=usage,
        attempts=1,
        latency_s=0.0,
    )
