"""Run batch files through an OpenAI-compatible Files and Batches API, resumable end to end.

`submit` writes the request lines of the items not yet done (see `batch.files`), uploads them as
batch input files and creates one batch per file; `statuses` asks how each is doing; `collect`
downloads the output and error files of finished batches and reads them with
`files.collect_responses`; `cancel` cancels unfinished ones. What was submitted is kept beside
the output in `OUTPUT.batches.json` (batch id, input file id, the items), so `collect` needs no
inputs, an item in a batch not yet collected is never submitted twice, and an interrupted collect
runs again without writing anything twice.

A batch input file holds at most `MAX_REQUESTS` requests and `MAX_BYTES` bytes, the limits the
`openai` SDK documents for `batches.create` (50,000 requests, 200 MB); larger inputs are split.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from summarizer.batch.files import (
    BatchState,
    CollectSummary,
    Submitted,
    collect_responses,
    load_state,
    openai_backend,
    request_lines,
    save_state,
    state_path,
    write_lines,
)
from summarizer.config import Settings
from summarizer.errors import ConfigError
from summarizer.extractor import Extractor
from summarizer.item import Item
from summarizer.providers import codec
from summarizer.providers.transport import Transport
from summarizer.records.store import read_lines

MAX_REQUESTS = 50_000
MAX_BYTES = 200 * 1024 * 1024
FINISHED = frozenset({"completed", "failed", "expired", "cancelled"})

__all__ = ["BatchState", "Submitted", "cancel", "collect", "collect_responses", "extractor_for",
           "state_path", "statuses", "submit", "submit_reasks"]  # fmt: skip


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


def submit(
    items: Iterable[Item],
    extractor: Extractor,
    output: Path,
    max_requests: int = MAX_REQUESTS,
    max_bytes: int = MAX_BYTES,
) -> list[Submitted]:
    """Submit the items not yet in `output` nor in a batch awaiting collection."""
    transport = openai_backend(extractor).transport
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
    skip |= set(state.followups)  # their next round is `submit_reasks`'
    todo = [item for item in items if skip.isdisjoint(extractor.keys(item))]
    made: list[Submitted] = []
    by_key = {extractor.key(item): item for item in todo}
    for keys, data in _chunks(request_lines(todo, extractor), max_requests, max_bytes):
        made.append(_create(transport, data, [by_key[k] for k in keys], 1))
        state.batches.append(made[-1])
        save_state(output, state)  # after each batch: an interrupted submit loses none
    return made


def submit_reasks(
    output: Path, extractor: Extractor, max_requests: int = MAX_REQUESTS, max_bytes: int = MAX_BYTES
) -> list[Submitted]:
    """Submit the follow-ups `collect` prepared for `output` and has not sent yet, as the next
    round: one batch per round number (and per file's limits)."""
    transport = openai_backend(extractor).transport
    state = load_state(output)
    made: list[Submitted] = []
    waiting = [f for f in state.followups.values() if not f.sent]
    for round_ in sorted({f.round for f in waiting}):
        these = {f.custom_id: f for f in waiting if f.round == round_}
        lines = (f.line() for f in these.values())
        for ids, data in _chunks(lines, max_requests, max_bytes):
            made.append(_create(transport, data, [these[i].item for i in ids], round_))
            state.batches.append(made[-1])
            for custom_id in ids:
                these[custom_id].sent = True
            save_state(output, state)
    return made


def write_reasks(output: Path, path: Path) -> int:
    """Write the follow-ups of `output` not yet sent to the request file `path` (for vLLM's
    run_batch), marking them sent; returns how many."""
    state = load_state(output)
    waiting = [f for f in state.followups.values() if not f.sent]
    count = write_lines((f.line() for f in waiting), path)
    for follow in waiting:
        follow.sent = True
    save_state(output, state)
    return count


def _create(transport: Transport, data: bytes, items: list[Item], round_: int) -> Submitted:
    client = transport.client
    upload = transport.one_call(client.files.create, file=("requests.jsonl", data), purpose="batch")
    # Not retried: a create the endpoint made but did not confirm would be a second batch
    # of the same items. A failed one leaves its items to the next submit.
    batch = transport.one_call(
        client.batches.create,
        retry=False,
        input_file_id=upload.id,
        endpoint=codec.ENDPOINT,
        completion_window="24h",
    )
    return Submitted(id=batch.id, input_file_id=upload.id, items=items, round=round_)


def _chunks(
    lines: Iterable[dict[str, Any]], max_requests: int, max_bytes: int
) -> Iterable[tuple[list[str], bytes]]:
    """Request lines in files within the limits: each file's custom ids and bytes."""
    ids: list[str] = []
    data = bytearray()
    for line in lines:
        encoded = (json.dumps(line, ensure_ascii=False) + "\n").encode()
        if ids and (len(ids) == max_requests or len(data) + len(encoded) > max_bytes):
            yield ids, bytes(data)
            ids, data = [], bytearray()
        ids.append(line["custom_id"])
        data += encoded
    if ids:
        yield ids, bytes(data)


def statuses(output: Path, extractor: Extractor) -> list[tuple[Submitted, Any]]:
    """Each recorded batch with what the API says of it now."""
    transport = openai_backend(extractor).transport
    return [(b, _retrieve(transport, b.id)) for b in load_state(output).batches]


def _retrieve(transport: Transport, batch_id: str) -> Any:
    return transport.one_call(transport.client.batches.retrieve, batch_id)


def collect(output: Path, extractor: Extractor) -> CollectSummary:
    """Read the answers of every finished batch not yet collected into `output` (follow-ups for
    the answers to re-ask go to its state, for `submit_reasks`)."""
    transport = openai_backend(extractor).transport
    result = CollectSummary()
    for submitted in load_state(output).batches:
        if submitted.collected:
            continue
        batch = _retrieve(transport, submitted.id)
        if batch.status not in FINISHED:
            result.pending += len(submitted.items)
            continue
        answered = CollectSummary()
        for file_id in (batch.output_file_id, batch.error_file_id):
            if file_id:
                data = transport.one_call(transport.client.files.content, file_id).content
                _read(data, submitted, extractor, output, answered)
        # Items the files do not answer (an expired or cancelled batch) stay pending.
        written = answered.done + answered.failed + answered.skipped + answered.pending
        answered.pending += max(len(submitted.items) - written - answered.reasks, 0)
        result.add(answered)
        state = load_state(output)  # with the follow-ups reading the files prepared
        for recorded in state.batches:
            recorded.collected = recorded.collected or recorded.id == submitted.id
        for item in submitted.items:  # follow-ups it did not answer are sent again
            follow = state.followups.get(extractor.key(item))
            if follow is not None and follow.round == submitted.round:
                follow.sent = False
        save_state(output, state)
    return result


def _read(
    data: bytes, submitted: Submitted, extractor: Extractor, output: Path, into: CollectSummary
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
