"""Batch files in the format of OpenAI's Batch API (and vLLM's `run_batch`): write the requests,
read the responses back into records, and prepare the next round for answers that need one.

A request line is `{"custom_id": ID, "method": "POST", "url": "/v1/chat/completions", "body":
BODY}`: BODY is `codec.encode` of the item's request, exactly what the online path posts, and
ID is the item's key (round 1) or `KEY.rN` (round N of its re-asks). A response line is `{"id",
"custom_id", "response": {"status_code", "request_id", "body"}, "error"}`, as the Batch API's
output file and `run_batch` write it.

A response is judged as the online path judges the same answer (`OpenAIBackend.after`, then
`Extractor.check`, `grounding_request` and `finish`): an answer that holds is a record; one
that does not validate, was cut off at the token limit, or states values the text does not, is
re-asked with the same messages the online path would send, within the same `max_reasks`
budget. A batch cannot ask on its own, so that re-ask is a *follow-up*, kept in the output's
state file (`OUTPUT.batches.json`) until `summarize batch submit --reask` sends it as the next
round. Only when the budget is spent does an item become an error line. An item whose request
failed, or has no response yet, stays pending; an item already in the output is never written
twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from summarizer.errors import ConfigError, ExtractionError
from summarizer.extractor import Checked, Extractor
from summarizer.item import Item, Location, Problem
from summarizer.pipeline import RunSummary
from summarizer.providers import codec
from summarizer.providers.codec import ChatCompletion
from summarizer.providers.ledger import Call
from summarizer.providers.openai import Again, OpenAIBackend, outcome_of
from summarizer.records.schema import ErrorLine, Extraction, Record
from summarizer.records.store import open_output
from summarizer.usage import Usage


def request_line(custom_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """One line of a batch request file."""
    return {"custom_id": custom_id, "method": "POST", "url": codec.ENDPOINT, "body": body}


@dataclass
class CollectSummary(RunSummary):
    """A run's counts for reading a response file (`skipped`: answers of items already in the
    output), and what only a batch has: follow-ups prepared for the next round, and the
    response lines that could not be read."""

    reasks: int = 0
    problems: list[Problem] = field(default_factory=list)

    def add(self, part: CollectSummary) -> None:
        """Count `part` in too."""
        for name in ("done", "failed", "pending", "skipped", "reasks"):
            setattr(self, name, getattr(self, name) + getattr(part, name))
        self.usage += part.usage
        self.problems += part.problems


class Followup(BaseModel):
    """The next call of one item whose batch answer is to be re-asked."""

    key: str
    item: Item
    round: int = Field(ge=2)
    body: dict[str, Any]
    calls: int  # model calls the item has made, in all rounds
    base_calls: int = 0  # of which before the request this call belongs to
    usage: Usage = Field(default_factory=Usage)
    # The first answer, when this is its grounding re-ask (kept if the re-ask fares worse).
    first: Extraction | None = None
    sent: bool = False

    @property
    def custom_id(self) -> str:
        """The request's id in a batch file: the key and the round."""
        return f"{self.key}.r{self.round}"

    def line(self) -> dict[str, Any]:
        """The batch request line."""
        return request_line(self.custom_id, self.body)


class Submitted(BaseModel):
    """One batch this output is waiting for (or has collected)."""

    id: str
    input_file_id: str
    items: list[Item]
    collected: bool = False
    round: int = 1


class BatchState(BaseModel):
    """What the batches of one output file wait for: every batch submitted, the settings they
    were made with (the key aside), so that status, collect and cancel need only the output's
    path, and the follow-ups prepared by collect (sent or not yet)."""

    settings: dict[str, Any] = Field(default_factory=dict)
    batches: list[Submitted] = Field(default_factory=list)
    followups: dict[str, Followup] = Field(default_factory=dict)


def state_path(output: Path) -> Path:
    """Where the batches of `output` are recorded: `OUTPUT.batches.json` beside it."""
    return output.with_name(output.name + ".batches.json")


def load_state(output: Path) -> BatchState:
    """The recorded batches of `output` (none yet: an empty state); `ConfigError` naming the
    file when it is not one this toolkit wrote."""
    path = state_path(output)
    if not path.exists():
        return BatchState()
    try:
        return BatchState.model_validate_json(path.read_bytes())
    except (ValidationError, OSError) as exc:
        raise ConfigError(
            f"{path} is not a batch state file this version can read ({type(exc).__name__}); "
            "move it aside to start over (its batches are then not collected)"
        ) from None


def save_state(output: Path, state: BatchState) -> None:
    """Write the state of `output`'s batches, whole or not at all."""
    path = state_path(output)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(state.model_dump_json(indent=1), encoding="utf-8")
    os.replace(tmp, path)


def openai_backend(extractor: Extractor) -> OpenAIBackend:
    """The extractor's backend, opened, which must speak the OpenAI wire format."""
    _check_openai(extractor)
    backend = extractor.backend
    if not isinstance(backend, OpenAIBackend):  # a backend given to the extractor
        raise ConfigError(f"batch files need an OpenAI-compatible backend, not {backend!r}")
    return backend


@contextmanager
def _reader(extractor: Extractor) -> Iterator[OpenAIBackend]:
    """The backend that judges answers: the extractor's when it is open, else one of its own
    that makes no call (reading a response file needs no key and no endpoint)."""
    if extractor.opened:
        yield openai_backend(extractor)
        return
    _check_openai(extractor)
    backend = OpenAIBackend(extractor.settings)
    try:
        yield backend
    finally:
        backend.close()


def _check_openai(extractor: Extractor) -> None:
    """An extractor whose backend is given must have an OpenAI one; else it is the provider's."""
    given = extractor.opened and isinstance(extractor.backend, OpenAIBackend)
    if (not given and extractor.provider != "openai") or extractor.wire is None:
        raise ConfigError(
            f"batch files are for OpenAI-compatible endpoints; the {extractor.provider} provider "
            "runs online. Give --model (and --base-url for a vLLM server) to use --provider openai"
        )


def request_lines(items: Iterable[Item], extractor: Extractor) -> Iterator[dict[str, Any]]:
    """One batch request line per item (a key seen twice is written once). Writing them opens
    nothing and calls nothing."""
    _check_openai(extractor)
    assert extractor.wire is not None
    seen: set[str] = set()
    for item in items:
        key = extractor.key(item)
        if key in seen:
            continue
        seen.add(key)
        body = codec.encode(extractor.request(item), extractor.wire)
        yield request_line(key, body)


def write_requests(items: Iterable[Item], extractor: Extractor, path: Path) -> int:
    """Write the batch request file for `items`; returns the number of lines."""
    return write_lines(request_lines(items, extractor), path)


def write_lines(lines: Iterable[dict[str, Any]], path: Path) -> int:
    """Write batch request lines to `path`; returns how many."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    return count


def collect_responses(
    responses: Path, items: Iterable[Item], extractor: Extractor, output: Path
) -> CollectSummary:
    """Turn a batch response file into records and error lines appended to `output`, and into
    follow-ups kept in `output`'s state for the answers to re-ask. Answers to follow-ups sent
    earlier are recognised by their id."""
    with _reader(extractor) as backend:
        return _collect(responses, items, extractor, backend, output)


def _collect(
    responses: Path,
    items: Iterable[Item],
    extractor: Extractor,
    backend: OpenAIBackend,
    output: Path,
) -> CollectSummary:
    # A batch submitted by an earlier version names its items by their old key.
    by_key = {key: item for item in items for key in extractor.keys(item)}
    state = load_state(output)
    sent = {f.custom_id: f for f in state.followups.values() if f.sent}
    result = CollectSummary()
    sink = open_output(output)
    try:
        for number, entry in _response_entries(responses, result):
            custom_id = str(entry.get("custom_id", ""))
            follow = sent.get(custom_id)
            item = follow.item if follow is not None else by_key.get(custom_id)
            if item is None:
                where = Location(path=str(responses), line=number)
                message = f"custom_id {custom_id!r} is not the key of any item given"
                result.problems.append(Problem(location=where, message=message))
                continue
            key = extractor.key(item)
            if (
                custom_id in sink.done  # written by an earlier version, under its key
                or key in sink.done
                or key in sink.failed
                or (follow is None and key in state.followups)
            ):
                result.skipped += 1
                continue
            completion = _completion(entry)
            if completion is None:
                if follow is not None:  # sent again by the next `submit --reask`
                    follow.sent = False
                result.pending += 1  # the request failed: an online run or a new batch retries
                continue
            result.usage += codec.usage_of(completion)
            outcome = judge(extractor, backend, item, completion, follow)
            if isinstance(outcome, Followup):
                state.followups[key] = outcome
                result.reasks += 1
                continue
            state.followups.pop(key, None)
            sink.write(outcome)
            (sink.failed if outcome.status == "error" else sink.done).add(key)
            result.done += outcome.status == "ok"
            result.failed += outcome.status == "error"
    finally:
        sink.close()
        if state.followups or state_path(output).exists():
            save_state(output, state)
    return result


def judge(
    extractor: Extractor,
    backend: OpenAIBackend,
    item: Item,
    completion: ChatCompletion,
    follow: Followup | None,
) -> Record | ErrorLine | Followup:
    """What a batch answer makes of its item, as the online path would decide it: a record, an
    error line once the re-ask budget is spent, or the follow-up to send next."""
    key, first_request = extractor.key(item), extractor.request(item)
    calls = (follow.calls if follow is not None else 0) + 1
    usage = (follow.usage if follow is not None else Usage()) + codec.usage_of(completion)
    base = follow.base_calls if follow is not None else 0
    first: Checked | None = None
    request = first_request
    if follow is not None and follow.first is not None:
        first = extractor.check(item, first_request, follow.first)
        again = extractor.grounding_request(first_request, first, base)
        if again is None:  # a policy that changed under the follow-up
            return _finished(extractor, item, first, None, usage=usage, calls=calls)
        request = again
    body = follow.body if follow is not None else codec.encode(first_request, backend.wire)
    call = Call(key, codec.digest(body), codec.usage_of(completion), None, "valid", how="batch")
    try:
        outcome = backend.after(completion, request, body, calls - base)
    except ExtractionError as exc:  # a truncation too
        backend.ledger.record(replace(call, outcome=outcome_of(exc)))
        if first is not None:  # the grounding re-ask failed: the first answer stands, as online
            return _finished(extractor, item, first, None, usage=usage, calls=calls)
        return extractor.error_line(item, exc.spent(usage, codec.raw_text(completion), calls))
    backend.ledger.record(
        replace(call, outcome=outcome.outcome) if isinstance(outcome, Again) else call
    )
    round_ = (follow.round if follow is not None else 1) + 1
    if isinstance(outcome, Again):
        kept = follow.first if follow is not None else None
        return Followup(
            key=key, item=item, round=round_, body=outcome.body, calls=calls,
            base_calls=base, usage=usage, first=kept,
        )  # fmt: skip
    checked = extractor.check(item, first_request, outcome)
    if first is not None:
        return _finished(extractor, item, first, checked, usage=usage, calls=calls)
    again = extractor.grounding_request(first_request, checked, calls)
    if again is not None:
        return Followup(
            key=key, item=item, round=round_,
            body=codec.encode(again, backend.wire), calls=calls, base_calls=calls, usage=usage,
            first=checked.extraction,
        )  # fmt: skip
    return _finished(extractor, item, checked, None, usage=usage, calls=calls)


def _finished(
    extractor: Extractor, item: Item, first: Checked, retry: Checked | None, *, usage: Usage,
    calls: int,
) -> Record:  # fmt: skip
    return extractor.finish(item, first, retry, usage=usage, attempts=calls, latency_s=0.0)


def _response_entries(path: Path, result: CollectSummary) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each JSON object line of a response or error file; a line that is not UTF-8, not JSON
    or not an object is a problem naming it, and the lines after it are still read."""
    try:
        lines = path.open("rb")
    except OSError as exc:
        raise ConfigError(f"cannot read the response file {path}: {exc.strerror or exc}") from None
    with lines:
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
    return codec.read_completion(response.get("body"))
