"""Read sources: walk paths, recognise each file by content, and hand it to the right reader."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from summarizer.abstracts import read_atom, read_json, read_text
from summarizer.digest import looks_like_digest, read_digest
from summarizer.item import Item, Location, Problem

Parser = Callable[[str, str], Iterator[Item | Problem]]

_SUFFIXES = {".md", ".markdown", ".txt", ".json", ".jsonl", ".ndjson", ".xml", ".atom"}


@dataclass
class Reading:
    """What `read` found: the items in input order and the problems met on the way."""

    items: list[Item] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Number of items skipped because of an error (warnings do not count)."""
        return sum(p.severity == "error" for p in self.problems)


def read(paths: Iterable[str | Path]) -> Reading:
    """Read every item from files, directories (walked recursively) and `-` (standard input)."""
    reading = Reading()
    for entry in iter_read(paths):
        if isinstance(entry, Item):
            reading.items.append(entry)
        else:
            reading.problems.append(entry)
    return reading


def iter_read(paths: Iterable[str | Path]) -> Iterator[Item | Problem]:
    """Like `read`, but streams items and problems as they are found."""
    for raw in paths:
        if str(raw) == "-":
            yield from parse_text(sys.stdin.read(), "<stdin>")
            continue
        path = Path(raw)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if file.suffix.lower() in _SUFFIXES and not _hidden(file, path):
                    yield from read_file(file)
        elif path.is_file():
            yield from read_file(path)
        else:
            yield Problem(location=Location(path=str(path), line=1), message="no such file")


def _hidden(file: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in file.relative_to(root).parts)


def read_file(path: Path) -> Iterator[Item | Problem]:
    """Items of one file; a binary or non-UTF-8 file yields a single problem."""
    data = path.read_bytes()
    if b"\x00" in data:
        yield Problem(location=Location(path=str(path), line=1), message="binary file, skipped")
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        yield Problem(
            location=Location(path=str(path), line=line),
            message=f"not UTF-8 (byte {data[exc.start]:#04x}); re-save the file as UTF-8",
        )
        return
    yield from parse_text(text, str(path))


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
