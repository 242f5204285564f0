"""Run batch files through an OpenAI-compatible Files and Batches API, resumable end to end.

`submit` writes the request lines of the items not yet done (see `batch`), uploads them as batch
input files and creates one batch per file; `statuses` asks how each is doing; `collect`
downloads the output and error files of finished batches and reads them with
`batch.collect_responses`; `cancel` cancels unfinished ones. What was submitted is kept beside
the output in `OUTPUT.batches.json` (batch id, input file id, the items), so `collect` needs no
inputs, an item in a batch not yet collected is never submitted twice, and an interrupted collect
runs again without writing anything twice.

A batch input file holds at most `MAX_REQUESTS` requests and `MAX_BYTES` bytes, the limits the
`openai` SDK documents for `batches.create` (50,000 requests, 200 MB); larger inputs are split.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field

from summarizer.batch import (
    ENDPOINT,
    Collected,
    collect_responses,
    openai_backend,
    request_lines,
)
from summarizer.config import Settings
from summarizer.errors import ConfigError
from summarizer.extractor import Extractor
from summarizer.item import Item
from summarizer.providers.transport import Transport
from summarizer.store import read_lines

MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024
FINISHED = frozenset({"completed", "failed", "expired", "cancelled"})

__all__ = ["BatchState", "Submitted", "cancel", "collect", "collect_responses", "extractor_for",
           "statuses", "submit"]  # fmt: skip


class Submitted(BaseModel):
    """One batch this output is waiting for (or has collected)."""

    id: str
    input_file_id: str
    items: list[Item]
    collected: bool = False


class BatchState(BaseModel):
    """Every batch submitted for one output file, and the settings they were made with (the
    key aside), so that status, collect and cancel need only the output's path."""

    settings: dict[str, Any] = Field(default_factory=dict)
    batches: list[Submitted] = Field(default_factory=list)


def extractor_for(output: Path) -> Extractor:
    """An extractor with the settings `output`'s batches were submitted with (the API key from
    the environment)."""
    state = load_state(output)
    if not state.batches:
        raise ConfigError(f"no batch was submitted for {output}; use `summarize batch submit`")
    return Extractor(Settings.from_env(**state.settings))


def without_credentials(url: str) -> str:
    """`url` without a user and password (`http://user:pw@host/v1` -> `http://host/v1`): the
    state file is written to disk, and credentials never are. `status` and `collect` then reach
    the endpoint with the key from the environment (`OPENAI_API_KEY`)."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def state_path(output: Path) -> Path:
    """Where the batches of `output` are recorded: `OUTPUT.batches.json` beside it."""
    return output.with_name(output.name + ".batches.json")


def load_state(output: Path) -> BatchState:
    """The recorded batches of `output` (none yet: an empty state)."""
    path = state_path(output)
    if not path.exists():
        return BatchState()
    return BatchState.model_validate_json(path.read_text(encoding="utf-8"))


def _save(output: Path, state: BatchState) -> None:
    path = state_path(output)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(state.model_dump_json(indent=1), encoding="utf-8")
    os.replace(tmp, path)  # whole or not at all


def submit(
    items: Iterable[Item],
    extractor: Extractor,
    output: Path,
    max_requests: int = MAX_REQUESTS,
    max_bytes: int = MAX_BYTES,
) -> list[Submitted]:
    """Submit the items not yet in `output` nor in a batch awaiting collection."""
    transport = openai_backend(extractor).transport
    client = transport.client
    state = load_state(output)
    settings = extractor.settings.model_dump(mode="json", exclude={"api_key"}, exclude_unset=True)
    if settings.get("base_url"):
        settings["base_url"] = without_credentials(settings["base_url"])
    if state.batches and state.settings != settings:
        raise ConfigError(
            f"the batches of {output} were submitted with other settings ({state.settings}); "
            "collect them first, or write to another output with -o"
        )
    state.settings = settings
    skip = {line.key for line in read_lines(output).lines} if output.exists() else set()
    skip |= {extractor.key(i) for b in state.batches if not b.collected for i in b.items}
    todo = [item for item in items if extractor.key(item) not in skip]
    made: list[Submitted] = []
    for chunk, data in _chunks(todo, extractor, max_requests, max_bytes):
        upload = transport.one_call(
            client.files.create, file=("requests.jsonl", data), purpose="batch"
        )
        # Not retried: a create the endpoint made but did not confirm would be a second batch
        # of the same items. A failed one leaves its items to the next submit.
        batch = transport.one_call(
            client.batches.create,
            retry=False,
            input_file_id=upload.id,
            endpoint=ENDPOINT,
            completion_window="24h",
        )
        made.append(Submitted(id=batch.id, input_file_id=upload.id, items=chunk))
        state.batches.append(made[-1])
        _save(output, state)  # after each batch: an interrupted submit loses none
    return made


def _chunks(
    items: list[Item], extractor: Extractor, max_requests: int, max_bytes: int
) -> Iterable[tuple[list[Item], bytes]]:
    chunk: list[Item] = []
    data = bytearray()
    by_key = {extractor.key(item): item for item in items}
    for line in request_lines(items, extractor):
        encoded = (json.dumps(line, ensure_ascii=False) + "\n").encode()
        if chunk and (len(chunk) == max_requests or len(data) + len(encoded) > max_bytes):
            yield chunk, bytes(data)
            chunk, data = [], bytearray()
        chunk.append(by_key[line["custom_id"]])
        data += encoded
    if chunk:
        yield chunk, bytes(data)


def statuses(output: Path, extractor: Extractor) -> list[tuple[Submitted, Any]]:
    """Each recorded batch with what the API says of it now."""
    transport = openai_backend(extractor).transport
    return [(b, _retrieve(transport, b.id)) for b in load_state(output).batches]


def _retrieve(transport: Transport, batch_id: str) -> Any:
    return transport.one_call(transport.client.batches.retrieve, batch_id)


def collect(output: Path, extractor: Extractor) -> Collected:
    """Read the answers of every finished batch not yet collected into `output`."""
    transport = openai_backend(extractor).transport
    state = load_state(output)
    result = Collected()
    for submitted in state.batches:
        if submitted.collected:
            continue
        batch = _retrieve(transport, submitted.id)
        if batch.status not in FINISHED:
            result.pending += len(submitted.items)
            continue
        answered = Collected()
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                data = transport.one_call(transport.client.files.content, file_id).content
                _read(data, submitted, extractor, output, answered)
        # Items the files do not answer (an expired or cancelled batch) stay pending.
        written = answered.done + answered.failed + answered.already + answered.pending
        answered.pending += max(len(submitted.items) - written, 0)
        result.add(answered)
        submitted.collected = True
        _save(output, state)
    return result


def _read(
    data: bytes, submitted: Submitted, extractor: Extractor, output: Path, into: Collected
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        responses = Path(folder) / "responses.jsonl"
        responses.write_bytes(data)
        into.add(collect_responses(responses, submitted.items, extractor, output))


def cancel(output: Path, extractor: Extractor) -> list[str]:
    """Cancel every recorded batch that has not finished; returns their ids."""
    transport = openai_backend(extractor).transport
    cancelled = []
    for submitted, batch in statuses(output, extractor):
        if not submitted.collected and batch.status not in FINISHED:
            transport.one_call(transport.client.batches.cancel, submitted.id)
            cancelled.append(submitted.id)
    return cancelled
