"""The JSONL output file: append one line per finished item, and tell what is done on resume.

Each line is written whole and flushed as soon as its item finishes, so a run killed at any moment
loses at most the line being written; `open_output` drops such a torn last line before resuming.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pydantic import BaseModel


@dataclass
class Output:
    """An output file opened for appending, with the keys already in it."""

    path: Path
    done: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    _file: IO[str] | None = None

    def write(self, line: BaseModel) -> None:
        """Append one record or error line and flush it."""
        assert self._file is not None, "output is closed"
        self._file.write(line.model_dump_json() + "\n")
        self._file.flush()

    def close(self) -> None:
        """Close the file."""
        if self._file is not None:
            self._file.close()
            self._file = None


def open_output(path: Path, retry_failed: bool = False) -> Output:
    """Open `path` for appending after reading which keys it already holds.

    With `retry_failed`, error lines are removed first so that their items run again and each
    item still appears exactly once.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = _complete_lines(path)
    keep = []
    output = Output(path)
    for line in lines:
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(entry, dict) or "key" not in entry:
            continue
        if entry.get("status") == "error":
            if retry_failed:
                continue
            output.failed.add(entry["key"])
        else:
            output.done.add(entry["key"])
        keep.append(line)
    if retry_failed or len(keep) != len(lines) or _torn(path):
        _rewrite(path, keep)
    output._file = path.open("a", encoding="utf-8")
    return output


def _complete_lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")
    # The last element is "" after a final newline, or a torn line from a killed run.
    return [line for line in lines[:-1] if line.strip()]


def _torn(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


def _rewrite(path: Path, lines: list[str]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    os.replace(tmp, path)
