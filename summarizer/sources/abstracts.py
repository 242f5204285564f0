"""Readers for arXiv abstracts: JSON and JSONL objects, plain text files, and arXiv API Atom XML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from pathlib import PurePath
from typing import Any

from summarizer.item import Item, Location, Problem, find_arxiv_id
from summarizer.sources.lines import iter_lines

_ATOM = "{http://www.w3.org/2005/Atom}"
_SPACES = re.compile(r"\s+")
_TEXT_KEYS = ("abstract", "summary", "text")
_ID_KEYS = ("arxiv_id", "id", "arxiv")


def read_json(text: str, path: str) -> Iterator[Item | Problem]:
    """Yield items from a JSON object, a JSON array of objects, or JSON Lines."""
    found = False
    for entry in _read_json(text, path):
        found = True
        yield entry
    if not found:
        yield Problem(
            location=Location(path=path, line=1),
            message="file holds no JSON object",
            severity="warning",
        )


def _read_json(text: str, path: str) -> Iterator[Item | Problem]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        yield from _read_array(text, path)
        return
    try:
        whole = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError, or an integer of 4,300+ digits
        whole = None
    if isinstance(whole, dict):
        yield _from_object(whole, Location(path=path, line=_first_line(text)))
        return
    for number, line in enumerate(iter_lines(text), start=1):
        if not line.strip():
            continue
        location = Location(path=path, line=number)
        try:
            value = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield Problem(location=location, message=_invalid(exc))
            continue
        yield _from_object(value, location)


def _read_array(text: str, path: str) -> Iterator[Item | Problem]:
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    lines = _LineCounter(text)
    while True:
        pos = _skip(text, pos, " \t\r\n,")
        if pos >= len(text):
            return
        if text[pos] == "]":
            rest = _skip(text, pos + 1, " \t\r\n")
            if rest < len(text):
                yield Problem(
                    location=Location(path=path, line=lines.at(rest)),
                    message="text after the end of the JSON array; ignored",
                    severity="warning",
                )
            return
        location = Location(path=path, line=lines.at(pos))
        try:
            value, pos = decoder.raw_decode(text, pos)
        except (ValueError, RecursionError) as exc:
            yield Problem(location=location, message=_invalid(exc))
            # A bad element costs itself only, when its end can be found (a 5,000-digit number
            # is well-formed JSON that Python will not read); otherwise the rest is unreadable.
            end = _element_end(text, pos)
            if end is None:
                return
            pos = end
            continue
        yield _from_object(value, location)


def _element_end(text: str, start: int) -> int | None:
    """Where the JSON value starting at `start` ends, by its brackets and strings alone (one
    pass, no parsing); None when it does not end before an unmatched `]` or the text does."""
    depth, at, length = 0, start, len(text)
    while at < length:
        char = text[at]
        if char == '"':
            at += 1
            while at < length and text[at] != '"':
                at += 2 if text[at] == "\\" else 1
        elif char in "{[":
            depth += 1
        elif char in "}]":
            if depth == 0:
                return at  # the array's own "]": the value ran up to it
            depth -= 1
            if depth == 0:
                return at + 1
        elif char == "," and depth == 0:
            return at
        at += 1
    return None


def _invalid(exc: ValueError | RecursionError) -> str:
    if isinstance(exc, RecursionError):  # the decoder recursed once per level of nesting
        return "invalid JSON: nested too deeply to be an abstract record"
    if isinstance(exc, json.JSONDecodeError):
        return f"invalid JSON: {exc.msg}"
    # Python refuses integers of more than 4,300 digits (a guard against slow conversion).
    return "invalid JSON: a number too long to read"


class _LineCounter:
    """The line of each position asked for, in increasing order: counting only the text since
    the last one keeps a whole file's reading linear (counting from the start each time made a
    40,000-element array take 12 s)."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.line = text, 0, 1

    def at(self, pos: int) -> int:
        self.line += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.line


def _skip(text: str, pos: int, chars: str) -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _first_line(text: str) -> int:
    return text.count("\n", 0, len(text) - len(text.lstrip())) + 1


class _Bad(Exception):
    """A field of an object that cannot be an item's: which one, and why."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"{field}: {why}")


def _from_object(value: Any, location: Location) -> Item | Problem:
    if not isinstance(value, dict):
        return Problem(location=location, message=f"expected a JSON object, got {_kind(value)}")
    try:
        return _item(value, location)
    except _Bad as bad:
        return Problem(location=location, message=f"{bad}; skipped")


def _item(value: dict[str, Any], location: Location) -> Item | Problem:
    key = next((k for k in _TEXT_KEYS if isinstance(value.get(k), str)), None)
    text = _string(value, key) if key else None
    if not text or not text.strip():
        return Problem(location=location, message="object has no 'abstract' or 'summary' text")
    raw_id = next((_scalar(value, k) for k in _ID_KEYS if value.get(k)), "")
    return Item(
        kind="abstract",
        arxiv_id=find_arxiv_id(raw_id) if raw_id else None,
        title=_clean(_string(value, "title") or "") or "(untitled)",
        authors=_authors(value.get("authors")),
        text=_clean(text),
        digest_date=_date(value.get("digest_date") or value.get("date")),
        location=location,
    )


def _string(value: dict[str, Any], field: str) -> str | None:
    """`value[field]` as text: a string (null or missing: None); any other type, or a string
    holding a lone surrogate ("\\udfff", which no output line can hold), is a bad field."""
    found = value.get(field)
    if found is None:
        return None
    if not isinstance(found, str):
        raise _Bad(field, f"expected a string, got {_kind(found)}")
    return _text(found, field)


def _text(found: str, field: str) -> str:
    try:
        found.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _Bad(field, f"holds a lone surrogate ({found[exc.start]!r}), not text") from None
    return found.replace("\x00", " ")


def _scalar(value: dict[str, Any], field: str) -> str:
    found = value[field]
    if isinstance(found, bool) or not isinstance(found, str | int | float):
        raise _Bad(field, f"expected a string, got {_kind(found)}")
    return _text(str(found), field)


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", type(None): "null", dict: "an object"}.get(
        type(value), type(value).__name__
    )


def _authors(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [a.strip() for a in _text(value, "authors").split(",") if a.strip()]
    if not isinstance(value, list):
        raise _Bad("authors", f"expected a string or an array, got {_kind(value)}")
    names = []
    for author in value:
        name = author.get("name") if isinstance(author, dict) else author
        if not isinstance(name, str):
            raise _Bad("authors", f"expected names as strings, got {_kind(name)}")
        names.append(_text(name, "authors").strip())
    return [n for n in names if n]


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def read_text(text: str, path: str) -> Iterator[Item | Problem]:
    """One abstract per plain-text file; a short first line and a blank line make a title."""
    lines = text.strip().splitlines()
    name = PurePath(path).stem
    title = name
    if len(lines) > 2 and not lines[1].strip() and len(lines[0]) < 200:
        title, lines = lines[0].strip().lstrip("# "), lines[2:]
    body = _clean(" ".join(lines))
    location = Location(path=path, line=1)
    if not body:
        yield Problem(location=location, message="file has no text", severity="warning")
        return
    yield Item(
        kind="abstract",
        arxiv_id=find_arxiv_id(name),
        title=title,
        text=body,
        location=location,
    )


def read_atom(text: str, path: str) -> Iterator[Item | Problem]:
    """Yield one item per `<entry>` of an arXiv API Atom feed."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line = exc.position[0] if exc.position else 1
        yield Problem(location=Location(path=path, line=line), message=f"invalid XML: {exc}")
        return
    if root.tag != f"{_ATOM}feed":
        yield Problem(
            location=Location(path=path, line=1),
            message=f"XML is not an Atom feed (its root is <{_local(root.tag)}>); skipped",
        )
        return
    lines = _LineCounter(text)
    entry_lines = [lines.at(m.start()) for m in re.finditer(r"<entry[\s>]", text)]
    entries = list(root.iter(f"{_ATOM}entry"))
    if not entries:
        yield Problem(
            location=Location(path=path, line=1),
            message="Atom feed has no <entry>",
            severity="warning",
        )
    for index, entry in enumerate(entries):
        line = entry_lines[index] if index < len(entry_lines) else 1
        location = Location(path=path, line=line)
        summary = entry.findtext(f"{_ATOM}summary") or ""
        if not summary.strip():
            yield Problem(location=location, message="entry has no <summary> text")
            continue
        yield Item(
            kind="abstract",
            arxiv_id=find_arxiv_id(entry.findtext(f"{_ATOM}id") or ""),
            title=_clean(entry.findtext(f"{_ATOM}title") or "") or "(untitled)",
            authors=[
                _clean(a.findtext(f"{_ATOM}name") or "") for a in entry.iter(f"{_ATOM}author")
            ],
            text=_clean(summary),
            digest_date=_date(entry.findtext(f"{_ATOM}published")),
            location=location,
        )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
