"""Helpers the tests import: paths, cassette replay, a clean environment, and real lines.

Fixtures live in `conftest.py`; plain functions and constants live here, imported by name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import vcr

from summarizer import ErrorLine, Extractor, Item, Record, Settings, read
from summarizer.errors import ExtractionError
from summarizer.providers.weights import SMOLLM2, ensure_model, part_paths

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
# Output files kept as written by earlier versions (not inputs: `read` never walks them).
OUTPUTS = ROOT / "tests" / "outputs"
CASSETTES = ROOT / "cassettes"
RECORDING = os.environ.get("SUMMARIZE_RECORD") == "1"
# Rows in each archive variant (and the seed), as counted by hand from the files.
ARCHIVE_ROWS = [
    ("2024-09-05.md", 8),
    ("2024-09-09.md", 5),
    ("2025-03-11.md", 39),
    ("2025-10-30.md", 24),
    ("seed_digest.txt", 20),
]

# Only these headers survive in a cassette: no keys, cookies, organisations or client versions.
_KEEP_HEADERS = {"content-type"}


def _scrub_request(request: Any) -> Any:
    for name in list(request.headers):
        if name.lower() not in _KEEP_HEADERS:
            del request.headers[name]
    return request


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    response["headers"] = {
        k: v for k, v in response["headers"].items() if k.lower() in _KEEP_HEADERS
    }
    return response


def cassette_recorder(library: Path = CASSETTES, record: bool = RECORDING) -> vcr.VCR:
    """Replays by default; `SUMMARIZE_RECORD=1` re-records against a live endpoint."""
    return vcr.VCR(
        cassette_library_dir=str(library),
        record_mode="all" if record else "none",
        match_on=["method", "path", "body"],
        filter_headers=["authorization", "api-key", "openai-organization", "openai-project",
                        "cookie", "set-cookie"],
        before_record_request=_scrub_request,
        before_record_response=_scrub_response,
        decode_compressed_response=True,
    )  # fmt: skip


def read_json(path: Path) -> Any:
    """Load a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


# Variables that configure an endpoint, a key or the toolkit: tests start without them, but
# for the tests' own cache folder and call log (see conftest).
CONFIG_PREFIXES = ("OPENAI_", "SUMMARIZE_")
KEPT = frozenset({"SUMMARIZE_CACHE_DIR", "SUMMARIZE_LEDGER"})


def clean_env() -> dict[str, str]:
    """This process's environment without OPENAI_* or SUMMARIZE_* variables, for a child."""
    return {k: v for k, v in os.environ.items() if not k.startswith(CONFIG_PREFIXES) or k in KEPT}


def seed_rows() -> list[Item]:
    """The 20 rows of the seed digest fixture."""
    return read([FIXTURES / "seed_digest.txt"]).items


def rules_lines(items: list[Item], failing: int = 0) -> list[Record | ErrorLine]:
    """Real output lines for `items`: records from the rules provider, and error lines for
    the first `failing` items, as the extractor writes them."""
    with Extractor(Settings(provider="rules")) as extractor:
        return [
            extractor.error_line(item, ExtractionError("never valid", attempts=3))
            if number < failing
            else extractor.extract(item)
            for number, item in enumerate(items)
        ]


def write_lines(path: Path, lines: list[Record | ErrorLine]) -> Path:
    """Write `lines` as an output file and return its path."""
    path.write_text("".join(line.model_dump_json() + "\n" for line in lines), encoding="utf-8")
    return path


def smollm2() -> Path:
    """The small SmolLM2 GGUF the real embedded-server tests run; skipped when it is not
    installed, except where SUMMARIZE_REQUIRE_LOCAL=1 (CI), where that is a failure."""
    if part_paths(SMOLLM2) is None:
        if os.environ.get("SUMMARIZE_REQUIRE_LOCAL") == "1":
            pytest.fail(f"the local-model test needs SmolLM2: {SMOLLM2.install}")
        pytest.skip(f"SmolLM2 not installed ({SMOLLM2.install})")
    return ensure_model(SMOLLM2)


def comparable(record: Record) -> dict[str, Any]:
    """What a record says, without when it was written or how long it took: two paths that
    judge the same answers give equal ones."""
    data = record.model_dump(mode="json", exclude={"created_at"})
    data["provenance"].pop("latency_s")
    return data
