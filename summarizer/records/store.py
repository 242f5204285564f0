"""The JSONL output file: its one line type, one reader, and appending with resume.

Every line is a `Line`: a `Record` or an `ErrorLine`, told apart by `status`, and each carries
the `schema_version` it was written in. `read_lines` is the one reader (the eval harness,
`validate` and resume all use it); it reads lines of schema 2.0 too, upgraded in shape, with
their version kept.

Each line is written whole and flushed as soon as its item finishes, so a run killed at any moment
loses at most the line being written; `open_output` drops such a torn last line before resuming.
Lines of an older schema are never resumed: `open_output` moves them to a file beside the output
(`out.v2.0.jsonl`), says so once, and their items run again, so one file never mixes versions.

One run owns an output at a time: `open_output` takes an advisory lock (`flock`) on `FILE.lock`
beside it before reading, and holds it until `close`. A second run on the same file fails at once
with the first one's process id, instead of writing every item a second time; and a rewrite
(`retry_failed`) can never leave another writer appending to a replaced file. The lock file is
left in place: removing it would let two runs lock two different files of the same name. The
lock follows the file, not the name it is given: a symlink is resolved to its target (whose
rewrite then replaces the target, never the link), and an existing output is also locked by
its own identity (device and inode), so two names of one file (a hard link) are one output.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import logging
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from summarizer.errors import OutputError
from summarizer.item import Location, Problem
from summarizer.records.claims import describe, verify
from summarizer.records.schema import SCHEMA_VERSION, ErrorLine, Record, invalid_because

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock
    fcntl = None  # type: ignore[assignment]

Line = Annotated[Record | ErrorLine, Field(discriminator="status")]
_LINE: TypeAdapter[Record | ErrorLine] = TypeAdapter(Line)
_log = logging.getLogger(__name__)
_TORN = "the last line has no line end: the run writing it was stopped (a resume drops it)"


@dataclass(frozen=True)
class Entry:
    """One line of an output file as written, with its JSON object (None when it is none)."""

    location: Location
    text: str
    data: dict[str, Any] | None
    torn: bool = False  # an unreadable last line without its line end: a run stopped writing it


@dataclass
class LineReading:
    """What `read_lines` found: the lines in file order and the lines it could not read."""

    lines: list[Record | ErrorLine] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def entries(path: Path) -> Iterator[Entry]:
    """Every non-blank line of `path`, in order, with its JSON object when it holds one."""
    for number, text, last in _numbered_lines(path):
        yield _entry(path, number, text, last)


def _entry(path: Path, number: int, text: str, last: bool) -> Entry:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = None
    location = Location(path=str(path), line=number)
    if not isinstance(data, dict):
        return Entry(location, text, None, torn=last)
    return Entry(location, text, data)  # whole, even without its line end: resume adds one


def parse_line(entry: Entry) -> Record | ErrorLine | Problem:
    """The line `entry` holds (a 2.0 line upgraded in shape), or a `Problem` saying why not."""
    if entry.torn:
        return Problem(location=entry.location, message=_TORN)
    if entry.text == _TOO_LONG:
        message = (
            f"a line longer than {MAX_LINE_BYTES:,} bytes: not summarize output; the rest of "
            "the file is not read"
        )
        return Problem(location=entry.location, message=message)
    if entry.data is None:
        return Problem(location=entry.location, message="not a JSON object")
    data = _upgrade(entry.data)
    try:
        return _current(_LINE.validate_python(data), entry.location, entry.text)
    except ValidationError as exc:
        return Problem(location=entry.location, message=invalid_because(exc))


def _current(
    line: Record | ErrorLine, location: Location, text: str
) -> Record | ErrorLine | Problem:
    if _lone_surrogate(text):
        return Problem(
            location=location,
            message="holds a lone surrogate escape (such as \\udfff), which is no text: nothing "
            "can show or write it; extract its item again",
        )
    if not _newer(line.schema_version):
        return line
    return Problem(
        location=location,
        message=f"written by record schema {line.schema_version}, newer than this "
        f"summarizer's {SCHEMA_VERSION}; upgrade summarizer to read it",
    )


def _lone_surrogate(text: str) -> bool:
    """Whether a line's JSON holds a `\\uD800`-`\\uDFFF` escape that is not half of a pair:
    JSON reads it, but no UTF-8 output can hold it, so one such line would stop a digest,
    an export or a resume when written. Decoded again only for the rare line with such an
    escape."""
    if "\\ud" not in text and "\\uD" not in text:
        return False
    try:
        json.dumps(json.loads(text), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except ValueError:
        return False  # not JSON: the parse names it
    return False


def _parsed(
    path: Path, wanted: Callable[[str], bool] | None = None
) -> Iterator[tuple[Location, str, Record | ErrorLine | Problem, bool]]:
    """Each line's place and text, what it holds, and whether it is a torn last line; with
    `wanted`, only the lines whose text it accepts. A line in this schema is parsed straight
    from its JSON text; any other goes the way `parse_line` does."""
    for number, text, last in _numbered_lines(path):
        if wanted is not None and not wanted(text):
            continue
        location = Location(path=str(path), line=number)
        try:
            line = _LINE.validate_json(text)
        except ValidationError:
            entry = _entry(path, number, text, last)
            yield location, text, parse_line(entry), entry.torn
        else:
            yield location, text, _current(line, location, text), False


def read_lines(
    path: str | os.PathLike[str], wanted: Callable[[str], bool] | None = None
) -> LineReading:
    """Read a `summarize extract` output: its records and error lines, and a `Problem` for
    each line that is neither. `wanted`, a test of a line's JSON text, skips the lines it
    refuses unread: a fast pre-filter for callers that look for something (it must accept every
    line that could hold it)."""
    path = Path(path)
    reading = LineReading()
    for _, _, parsed, _torn_line in _parsed(path, wanted):
        if isinstance(parsed, Problem):
            reading.problems.append(parsed)
        else:
            reading.lines.append(parsed)
    return reading


def read_records(
    paths: Iterable[str | os.PathLike[str]], wanted: Callable[[str], bool] | None = None
) -> tuple[list[Record], list[Problem]]:
    """The records of several output files whose claims hold (`verify`), in order, and a
    `Problem` for each line that could not be read, each record that does not verify (its
    first violation) and each file that does not exist (`wanted`: as for `read_lines`). Error
    lines are left out. What reads records back to show them (digest, export, results) reads
    them here, so that a line edited into a false claim is never shown."""
    records: list[Record] = []
    problems: list[Problem] = []
    for given in paths:
        path = Path(given)
        if not path.is_file():
            where = Location(path=str(path), line=1)
            problems.append(Problem(location=where, message="no such file"))
            continue
        for location, _, parsed, _ in _parsed(path, wanted):
            if isinstance(parsed, Problem):
                problems.append(parsed)
            elif isinstance(parsed, Record):
                violations = verify(parsed)
                if violations:
                    why = f"skipped: {describe(violations)}"
                    problems.append(Problem(location=location, message=why))
                else:
                    records.append(parsed)
    return records, problems


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A line of schema 2.0 in the shape of this one: 2.0 kept `schema_version` and
    `created_at` in a record's provenance, and error lines carried no version."""
    if "schema_version" in data:
        return data
    upgraded = dict(data)
    provenance = data.get("provenance")
    if isinstance(provenance, dict):
        provenance = dict(provenance)
        upgraded["schema_version"] = str(provenance.pop("schema_version", "2.0"))
        upgraded["created_at"] = provenance.pop("created_at", None)
        upgraded["provenance"] = provenance
    else:
        upgraded["schema_version"] = "2.0"
    return upgraded


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return (0,)


def _newer(version: str) -> bool:
    return _version(version) > _version(SCHEMA_VERSION)


@dataclass
class Output:
    """An output file opened for appending, with the keys already in it."""

    path: Path
    done: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    # Lines of an older schema found on opening, and the file they were moved to.
    outdated: int = 0
    moved_to: Path | None = None
    _file: IO[str] | None = None
    _lock: int | None = None
    _identity: int | None = None

    def write(self, line: Record | ErrorLine) -> None:
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
        for fd in (self._identity, self._lock):
            if fd is not None:
                os.close(fd)  # closing the descriptor releases the flock
        self._lock = self._identity = None


def open_output(path: Path, retry_failed: bool = False) -> Output:
    """Open `path` for appending after reading which keys it already holds.

    With `retry_failed`, error lines are removed first so that their items run again and each
    item still appears exactly once.
    """
    path = path.resolve()  # a symlink's target: one file, one lock (see module docstring)
    output = Output(path)
    try:
        _check_regular(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        output._lock = _lock(path)
        output._identity = _lock_identity(path)
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
    old: dict[str, list[str]] = {}
    unreadable: list[Problem] = []
    for _, text, line, torn in _parsed(path):
        if torn:
            continue  # dropped by the rewrite below
        if isinstance(line, Problem):
            unreadable.append(line)  # kept as written: never thrown away, never resumed
        elif line.schema_version != SCHEMA_VERSION:
            old.setdefault(line.schema_version, []).append(text)
            continue
        elif isinstance(line, ErrorLine):
            if retry_failed:
                continue
            output.failed.add(line.key)
        else:
            output.done.add(line.key)
    for version, lines in old.items():
        output.moved_to = _set_aside(path, version, lines)
        output.outdated += len(lines)
        _log.warning(
            "%s: %d line(s) were written by record schema %s (this is %s); moved them to %s, "
            "and their items run again",
            path, len(lines), version, SCHEMA_VERSION, output.moved_to,
        )  # fmt: skip
    if unreadable:
        _log.warning(
            "%s: %d line(s) are neither a record nor an error line (first: %s); kept as they "
            "are, and their items run again",
            path, len(unreadable), unreadable[0],
        )  # fmt: skip
    if retry_failed or old or _torn(path):
        _rewrite(path, _kept(path, retry_failed))


def _kept(path: Path, retry_failed: bool) -> list[str]:
    """The lines of `path` a rewrite keeps: records of this schema, its error lines (unless
    `retry_failed`) and unreadable lines; not torn ones. Read again rather than held while the
    keys are gathered, so that a resume of a large output holds its keys alone."""
    return [
        text
        for _, text, line, torn in _parsed(path)
        if not torn
        and (
            isinstance(line, Problem)
            or (
                line.schema_version == SCHEMA_VERSION
                and not (retry_failed and isinstance(line, ErrorLine))
            )
        )
    ]


def _set_aside(path: Path, version: str, lines: list[str]) -> Path:
    """Append `lines` to `NAME.vVERSION.jsonl` beside `path`; returns that file."""
    aside = path.with_name(f"{path.stem}.v{version}{path.suffix or '.jsonl'}")
    with aside.open("a", encoding="utf-8") as file:
        file.writelines(line + "\n" for line in lines)
        file.flush()
        os.fsync(file.fileno())  # on disk before the output is rewritten without them
    return aside


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


def _lock_identity(path: Path) -> int | None:
    """Lock the existing output itself (its inode), so that another name of the same file (a
    hard link, which has its own lock file) is refused too; None when there is no file yet."""
    if fcntl is None or not path.exists():  # pragma: no cover - Windows
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutputError(
            f"{path} is being written by another run under another name (a hard link to it); "
            "wait for it to finish, or write to another file with -o"
        ) from None
    except OSError:
        os.close(fd)
        raise
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


# A line holds one record with its source text whole (at most 200,000 characters by default):
# far under this. A longer "line" is no output of ours (`/dev/zero`, a binary file): reading stops.
MAX_LINE_BYTES = 64 * 1024 * 1024
_TOO_LONG = "\x00 a line longer than the limit"


def _numbered_lines(path: Path) -> Iterator[tuple[int, str, bool]]:
    """Numbered non-blank lines, each with whether it is a last line without a line end. Read
    one line at a time, each at most `MAX_LINE_BYTES`: memory is bounded by one line, not the
    file (a longer one ends the reading, as `_TOO_LONG`)."""
    if not path.exists():
        return
    with path.open("rb") as stream:
        for number in itertools.count(1):
            raw = stream.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            if len(raw) > MAX_LINE_BYTES:
                yield number, _TOO_LONG, False
                return
            text = raw.decode("utf-8", errors="replace").rstrip("\n")
            if text.strip():
                yield number, text, not raw.endswith(b"\n")


def _torn(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb") as f:
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


def _rewrite(path: Path, lines: list[str]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # a full disk: no half-written OUT.tmp left behind
