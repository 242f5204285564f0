"""The JSONL output file: append one line per finished item, and tell what is done on resume.

Each line is written whole and flushed as soon as its item finishes, so a run killed at any moment
loses at most the line being written; `open_output` drops such a torn last line before resuming.

One run owns an output at a time: `open_output` takes an advisory lock (`flock`) on `FILE.lock`
beside it before reading, and holds it until `close`. A second run on the same file fails at once
with the first one's process id, instead of writing every item a second time; and a rewrite
(`retry_failed`) can never leave another writer appending to a replaced file. The lock file is
left in place: removing it would let two runs lock two different files of the same name.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pydantic import BaseModel

from summarizer.errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock
    fcntl = None  # type: ignore[assignment]


@dataclass
class Output:
    """An output file opened for appending, with the keys already in it."""

    path: Path
    done: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    _file: IO[str] | None = None
    _lock: int | None = None

    def write(self, line: BaseModel) -> None:
        """Append one record or error line and flush it; a failed write raises `OutputError`."""
        assert self._file is not None, "output is closed"
        try:
            self._file.write(line.model_dump_json() + "\n")
            self._file.flush()
        except OSError as exc:
            raise OutputError(f"cannot write {self.path}: {_reason(exc)}") from None

    def close(self) -> None:
        """Close the file and release the lock."""
        if self._file is not None:
            with contextlib.suppress(OSError):  # a full disk: the failed write was reported
                self._file.close()
            self._file = None
        if self._lock is not None:
            os.close(self._lock)  # closing the descriptor releases the flock
            self._lock = None


def open_output(path: Path, retry_failed: bool = False) -> Output:
    """Open `path` for appending after reading which keys it already holds.

    With `retry_failed`, error lines are removed first so that their items run again and each
    item still appears exactly once.
    """
    output = Output(path)
    try:
        _check_regular(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        output._lock = _lock(path)
        _fill(output, retry_failed)
        output._file = path.open("a", encoding="utf-8")
    except OSError as exc:
        output.close()
        raise OutputError(f"cannot use {path} as output: {_reason(exc)}") from None
    except BaseException:
        output.close()
        raise
    return output


def _fill(output: Output, retry_failed: bool) -> None:
    path = output.path
    lines = _complete_lines(path)
    keep = []
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


def _check_regular(path: Path) -> None:
    """Refuse devices, FIFOs and folders: `-o /dev/full` must not be read as an old output."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise OutputError(f"cannot use {path} as output: it is {kind}; pass a file path to -o")


def _lock(path: Path) -> int | None:
    """Lock `path`'s lock file for this process, or raise naming the process that holds it."""
    if fcntl is None:  # pragma: no cover
        return None
    lock_path = path.with_name(path.name + ".lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
        os.close(fd)
        raise OutputError(
            f"{path} is being written by another run (process {holder}); wait for it to "
            "finish, or write to another file with -o"
        ) from None
    except OSError:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on the device; free some and run again to resume"
    if isinstance(exc, PermissionError):
        return "permission denied; choose a writable place with -o"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder; pass a file path to -o"
    if isinstance(exc, NotADirectoryError | FileExistsError):
        return "a part of the path is a file, not a folder"
    return exc.strerror or str(exc)


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
