"""Read sources: walk paths, recognise each file by content, and hand it to the right reader.

Files, folders, pipes (`<(zcat f.gz)`), devices and standard input are read through one bounded
path: at most `MAX_INPUT_BYTES` of an input are ever held, and an item whose text is longer than
`MAX_ITEM_CHARS` is reported instead of sent to a model.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from summarizer.item import Item, Location, Problem
from summarizer.sources.abstracts import read_atom, read_json, read_text
from summarizer.sources.digest import (
    digest_day,
    has_heading_date,
    looks_like_digest,
    read_digest,
    read_digest_lines,
)
from summarizer.sources.lines import iter_lines

Parser = Callable[[str, str], Iterator[Item | Problem]]

_SUFFIXES = {".md", ".markdown", ".txt", ".json", ".jsonl", ".ndjson", ".xml", ".atom"}
# A year of daily digests is about 10 MB, and 100,000 abstracts in one JSONL file about 200 MB.
MAX_INPUT_BYTES = 256 * 1024 * 1024
# A long abstract is 3,000 characters; a whole paper's text 60,000 to 100,000.
MAX_ITEM_CHARS = 200_000


@dataclass
class Reading:
    """What `read` found: the items in input order and the problems met on the way."""

    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Number of items skipped because of an error (warnings do not count)."""
        return sum(p.severity == "error" for p in self.problems)


def read(
    paths: Iterable[str | os.PathLike[str]],
    max_input_bytes: int | None = None,
    max_item_chars: int | None = None,
) -> Reading:
    """Read every item from files, directories (walked recursively), pipes and `-` (standard
    input). Inputs and items over the size limits (see `limits`) are reported, not read."""
    reading = Reading()
    for entry in iter_read(paths, max_input_bytes, max_item_chars):
        if isinstance(entry, Item):
            reading.items.append(entry)
        else:
            reading.problems.append(entry)
    return reading


def limits(
    max_input_bytes: int | None = None, max_item_chars: int | None = None
) -> tuple[int, int]:
    """The size limits in force: the arguments, else `SUMMARIZE_MAX_INPUT_BYTES` and
    `SUMMARIZE_MAX_ITEM_CHARS`, else the defaults."""
    return (
        max_input_bytes or _env_int("SUMMARIZE_MAX_INPUT_BYTES") or MAX_INPUT_BYTES,
        max_item_chars or _env_int("SUMMARIZE_MAX_ITEM_CHARS") or MAX_ITEM_CHARS,
    )


def _env_int(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def iter_read(
    paths: Iterable[str | os.PathLike[str]],
    max_input_bytes: int | None = None,
    max_item_chars: int | None = None,
) -> Iterator[Item | Problem]:
    """Like `read`, but streams items and problems as they are found."""
    input_limit, item_limit = limits(max_input_bytes, max_item_chars)
    for raw in paths:
        for entry in _read_path(os.fspath(raw), input_limit):
            if isinstance(entry, Item) and len(entry.text) > item_limit:
                yield Problem(
                    location=entry.location,
                    message=f"item text has {len(entry.text):,} characters, over the limit of "
                    f"{item_limit:,} (SUMMARIZE_MAX_ITEM_CHARS); skipped",
                )
            else:
                yield entry


def _read_path(raw: str, limit: int) -> Iterator[Item | Problem]:
    if raw == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:  # a text stream without bytes underneath (tests, notebooks)
            stdin = io.BytesIO(sys.stdin.read(limit + 1).encode())
        yield from _read_stream(stdin, "<stdin>", limit)
        return
    path = Path(raw)
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        yield _problem(shown(path), "no such file")
        return
    except OSError as exc:
        yield _problem(shown(path), f"cannot read: {exc.strerror or exc}")
        return
    if stat.S_ISDIR(mode):
        for file in sorted(path.rglob("*")):
            if file.suffix.lower() not in _SUFFIXES or _hidden(file, path):
                continue
            if file.is_file():
                yield from read_file(file, limit)
            elif (why := _not_read(file)) is not None:
                yield Problem(
                    location=Location(path=shown(file), line=1), message=why, severity="warning"
                )
    elif stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
        yield from read_file(path, limit)  # a pipe such as <(cat f), or a device, is streamed
    else:
        yield _problem(shown(path), "not a file, folder or pipe; skipped")


def _not_read(file: Path) -> str | None:
    """Why an entry of a folder that has an input's name is not read; None for a folder."""
    try:
        mode = file.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop, skipped"
        if file.is_symlink():
            return "broken symbolic link, skipped"
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        # Reading a pipe waits for a writer: in a folder walk that could hang the run.
        return "a named pipe inside a folder is not read; name it on the command line to read it"
    return "not a regular file (a device or a socket), skipped"


def _problem(path: str, message: str) -> Problem:
    return Problem(location=Location(path=path, line=1), message=message)


def _hidden(file: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in file.relative_to(root).parts)


def read_file(path: Path, max_input_bytes: int = MAX_INPUT_BYTES) -> Iterator[Item | Problem]:
    """Items of one file; a binary, non-UTF-8, unreadable or oversized file yields one problem."""
    name = shown(path)
    try:
        with path.open("rb") as stream:
            facts = os.fstat(stream.fileno())
            regular = stat.S_ISREG(facts.st_mode)
            digest = regular and facts.st_size <= max_input_bytes and _is_digest(stream, name)
            if digest:
                yield from _read_digest_lines(stream, name)
            else:
                yield from _read_stream(stream, name, max_input_bytes)
    except OSError as exc:
        yield _problem(name, f"cannot read: {exc.strerror or exc}")


_HEAD_BYTES = 64 * 1024
# A NUL in a file's first 8,000 bytes makes it binary (git's test); one further on costs the
# line it is on, in a file of one item a line.
_BINARY_PROBE = 8000


def _is_digest(stream: BinaryIO, name: str) -> bool:
    """Whether the file's first 64 KiB read as a digest (the stream is left at its start)."""
    head = stream.read(_HEAD_BYTES)
    stream.seek(0)
    if _unicode_codec(head) is not None or b"\x00" in head[:_BINARY_PROBE]:
        return False
    text = head.decode("utf-8-sig", "ignore")  # "ignore": a character cut at the end
    return _parser_for(text, name) is read_digest


def _read_digest_lines(stream: BinaryIO, name: str) -> Iterator[Item | Problem]:
    """A digest file a line at a time, in two passes: the first names each line that is not
    UTF-8 or holds a NUL and finds the date, the second reads the rows (a binary file never gets
    here: `_is_digest` refuses it).
    Memory is one line and one item, not the file: a 50 MB digest read whole is 100 MB of text."""
    day_line, bad = "", set()
    for number, raw in enumerate(stream, start=1):
        try:
            line = _line_text(raw, number)
        except UnicodeDecodeError as exc:
            yield _bad_line(name, number, exc)  # a bad byte costs its row only
            bad.add(number)
            continue
        if not day_line and has_heading_date(line):
            day_line = line
    stream.seek(0)
    lines = (
        piece
        for number, raw in enumerate(stream, start=1)
        for piece in ([""] if number in bad else iter_lines(_line_text(raw, number)))
    )
    yield from read_digest_lines(lines, name, digest_day(day_line, name))


def shown(path: Path) -> str:
    """`path` as text that can be written anywhere: a file name that is not UTF-8 keeps its
    other characters and shows each undecodable byte as an escape (`caf\\xe9.jsonl`), where
    Python's own string of it holds lone surrogates, which no JSON line can hold."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _read_stream(stream: BinaryIO, name: str, limit: int) -> Iterator[Item | Problem]:
    # At most `limit` bytes are ever held: /dev/zero or an endless pipe is refused, not read.
    data = stream.read(limit + 1)
    if len(data) > limit:
        yield _problem(
            name,
            f"input is larger than {limit:,} bytes (SUMMARIZE_MAX_INPUT_BYTES); split it or "
            "raise the limit",
        )
        return
    codec = _unicode_codec(data)
    if codec is None and b"\x00" in data[:_BINARY_PROBE]:
        yield _problem(name, "binary file, skipped")
        return
    try:
        if codec is None and b"\x00" in data:  # text that starts as text, a NUL further on
            raise UnicodeDecodeError(
                "utf-8", data, data.index(b"\x00"), data.index(b"\x00") + 1, "NUL"
            )
        text = data.decode(codec or "utf-8-sig")
    except UnicodeDecodeError as exc:
        head = data[:_HEAD_BYTES].decode("utf-8-sig", "replace")
        if codec is None and _by_line(head, name):
            # One item a line (JSON Lines, a digest's rows): a bad byte costs its line only.
            text = yield from _decoded_lines(data, name)
        elif exc.reason == "NUL":
            yield _problem(name, "binary file, skipped")
            return
        else:
            line = data.count(b"\n", 0, exc.start) + 1
            yield Problem(
                location=Location(path=name, line=line),
                message=f"not {codec or 'UTF-8'} (byte {data[exc.start]:#04x}); re-save the file "
                "as UTF-8",
            )
            return
    del data  # the text is what is read from here on: one copy of the file, not two
    yield from parse_text(text, name)


def _by_line(head: str, name: str) -> bool:
    """Whether a file whose text starts with `head` holds one item a line: JSON Lines (not one
    JSON document) or a digest."""
    parser = _parser_for(head, name)
    if parser is read_digest:
        return True
    return parser is read_json and head.lstrip().startswith("{") and "\n{" in head.strip()


def _decoded_lines(data: bytes, name: str) -> Generator[Problem, None, str]:
    """The text of `data` with each line that is not UTF-8 left empty (so the others keep
    their numbers), yielding one problem for each such line."""
    lines = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(_line_text(raw, number))
        except UnicodeDecodeError as exc:
            yield _bad_line(name, number, exc)
            lines.append("")
    return "\n".join(lines)


def _line_text(raw: bytes, number: int) -> str:
    """One line of a file as text; a NUL byte or bytes that are not UTF-8 raise
    `UnicodeDecodeError` (a NUL as the reason "NUL")."""
    if b"\x00" in raw:
        at = raw.index(b"\x00")
        raise UnicodeDecodeError("utf-8", raw, at, at + 1, "NUL")
    return raw.decode("utf-8-sig" if number == 1 else "utf-8")


def _bad_line(name: str, number: int, exc: UnicodeDecodeError) -> Problem:
    if exc.reason == "NUL":
        why = "holds a NUL byte; line skipped"
    else:
        byte = exc.object[exc.start]
        why = f"not UTF-8 (byte {byte:#04x}); line skipped, re-save the file as UTF-8"
    return Problem(location=Location(path=name, line=number), message=why)


# Byte-order marks of the other Unicode encodings: such a file is text, not binary (UTF-32
# first: its little-endian mark begins with UTF-16's).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _unicode_codec(data: bytes) -> str | None:
    """The codec of a UTF-16 or UTF-32 file that starts with its byte-order mark."""
    return next((codec for bom, codec in _BOMS if data.startswith(bom)), None)


def parse_text(text: str, path: str) -> Iterator[Item | Problem]:
    """Parse text whose format is recognised by its content (falling back to the file name)."""
    return _parser_for(text, path)(text, path)


def _parser_for(text: str, path: str) -> Parser:
    head = text.lstrip()[:200]
    suffix = Path(path).suffix.lower()
    if head.startswith("<?xml") or head.startswith("<feed"):
        return read_atom
    if head.startswith(("{", "[")) or suffix in {".json", ".jsonl", ".ndjson"}:
        return read_json
    if suffix in {".md", ".markdown"} or looks_like_digest(text):
        return read_digest
    return read_text
