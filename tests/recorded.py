"""Replay (or, with SUMMARIZE_RECORD=1, record) extractions of the seed items from cassettes.

Cassettes live in `cassettes/<dataset>/<arxiv id>.yaml`, one per item. `cassettes/endpoint.json`
says what they were recorded against, so replay sends byte-identical requests.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from helpers import CASSETTES, FIXTURES, RECORDING, cassette_recorder

from summarizer import ErrorLine, Extractor, Item, Record, Settings, SummarizerError, read
from summarizer.providers import Backend, local
from summarizer.providers.local import LOCAL_OPTIONS, local_settings
from summarizer.providers.openai import OpenAIBackend, pick_mode

ENDPOINT = CASSETTES / "endpoint.json"
REPLAY_URL = "http://127.0.0.1:8080/v1"  # never contacted: every request is answered from tape


def seed_items(dataset: str) -> list[Item]:
    """The items of a recorded dataset: `seed_digest` rows or `seed_abstracts`."""
    name = "seed_digest.txt" if dataset == "seed_digest" else "seed_abstracts.jsonl"
    return read([FIXTURES / name]).items


def cassette_path(dataset: str, item: Item) -> Path:
    """Where the cassette of one item lives."""
    return CASSETTES / dataset / f"{item.arxiv_id}.yaml"


def _replay_backend(mode: str | None) -> Backend:
    endpoint = json.loads(ENDPOINT.read_text())
    settings = Settings(
        mode=mode or endpoint["mode"],
        max_tokens=endpoint["max_tokens"],
        request_options=endpoint["request_options"],
    )
    return OpenAIBackend(
        local_settings(settings, REPLAY_URL, endpoint["model"])
        if endpoint["provider"] == "local"
        else settings.model_copy(update={"base_url": REPLAY_URL, "model": endpoint["model"]}),
        endpoint["provider"],
    )


def _live_backend(mode: str | None) -> Backend:
    settings = Settings.from_env(mode=mode)
    backend: Backend
    if settings.base_url or settings.api_key:
        backend = OpenAIBackend(settings)
        options: dict[str, Any] = dict(settings.request_options)
        mode = pick_mode(settings)
    else:
        backend = local.create(settings)
        options = {**LOCAL_OPTIONS}
        mode = local_settings(settings, "", "").mode
    if settings.mode != "auto":  # a test of one mode: the endpoint file describes the default
        return backend
    ENDPOINT.write_text(
        json.dumps(
            {
                "provider": backend.provider,
                "model": backend.model,
                "mode": mode,
                "max_tokens": settings.max_tokens,
                "request_options": options,
                "recorded_at": datetime.now(UTC).date().isoformat(),
            },
            indent=2,
        )
        + "\n"
    )
    return backend


@contextmanager
def recorded_extractor(mode: str | None = None) -> Iterator[Extractor]:
    """An extractor that replays cassettes, or talks to the live endpoint when recording;
    `mode` overrides the structured-output mode the endpoint is asked in."""
    backend = _live_backend(mode) if RECORDING else _replay_backend(mode)
    with Extractor(Settings(), backend=backend) as extractor:
        yield extractor


def extract_recorded(extractor: Extractor, dataset: str, item: Item) -> Record | ErrorLine:
    """Extract `item` inside its cassette; fails if any recorded interaction goes unplayed."""
    path = cassette_path(dataset, item)
    if RECORDING:
        # vcrpy's record mode "all" keeps a cassette's old interactions beside the new ones,
        # and replay then fails on the unplayed old ones: start from an empty cassette.
        path.unlink(missing_ok=True)
    with cassette_recorder().use_cassette(
        str(path.relative_to(CASSETTES)), allow_playback_repeats=False
    ) as cassette:
        record: Record | ErrorLine
        try:
            record = extractor.extract(item)
        except SummarizerError as exc:
            record = extractor.error_line(item, exc)
        if not RECORDING:
            assert cassette.all_played, f"{path.name}: recorded requests were not replayed"
    if RECORDING and os.environ.get("SUMMARIZE_RECORD_LOG"):
        with open(os.environ["SUMMARIZE_RECORD_LOG"], "a", encoding="utf-8") as log:
            log.write(record.model_dump_json() + "\n")
    return record


def main() -> None:
    """`python tests/recorded.py OUT_DIR`: replay both seed datasets into prediction files."""
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/predictions")
    out.mkdir(parents=True, exist_ok=True)
    with recorded_extractor() as extractor:
        for dataset in ("seed_digest", "seed_abstracts"):
            lines = [extract_recorded(extractor, dataset, item) for item in seed_items(dataset)]
            path = out / f"{dataset}.jsonl"
            path.write_text("".join(line.model_dump_json() + "\n" for line in lines))
            print(f"{path}: {sum(isinstance(line, Record) for line in lines)} records")


if __name__ == "__main__":
    main()
