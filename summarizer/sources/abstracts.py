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
    except (json.JSONDecodeError, RecursionError):
        whole = None
    if isinstance(whole, dict):
        yield _from_object(whole, Location(path=path, line=_first_line(text)))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        location = Location(path=path, line=number)
        try:
            value = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield Problem(location=location, message=_invalid(exc))
            continue
        yield _from_object(value, location)


def _read_array(text: str, path: str) -> Iterator[Item | Problem]:
    decoder = json.JSONDecoder()
    pos = text.index("[") + 1
    while True:
        pos = _skip(text, pos, " \t\r\n,")
        if pos >= len(text) or text[pos] == "]":
            return
        location = Location(path=path, line=text.count("\n", 0, pos) + 1)
        try:
            value, pos = decoder.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield Problem(location=location, message=_invalid(exc))
            return
        yield _from_object(value, location)


def _invalid(exc: json.JSONDecodeError | RecursionError) -> str:
    if isinstance(exc, RecursionError):  # the decoder recursed once per level of nesting
        return "invalid JSON: nested too deeply to be an abstract record"
    return f"invalid JSON: {exc.msg}"


def _skip(text: str, pos: int, chars: str) -> int:
    while pos < len(text) and text[pos] in chars:
        pos += 1
    return pos


def _first_line(text: str) -> int:
    return text.count("\n", 0, len(text) - len(text.lstrip())) + 1


def _from_object(value: Any, location: Location) -> Item | Problem:
    if not isinstance(value, dict):
        return Problem(location=location, message=f"expected a JSON object, got {_kind(value)}")
    text = next((value[k] for k in _TEXT_KEYS if isinstance(value.get(k), str)), None)
    if not text or not text.strip():
        return Problem(location=location, message="object has no 'abstract' or 'summary' text")
    raw_id = next((str(value[k]) for k in _ID_KEYS if value.get(k)), "")
    return Item(
        kind="abstract",
        arxiv_id=find_arxiv_id(raw_id) if raw_id else None,
        title=_clean(str(value.get("title") or "")) or "(untitled)",
        authors=_authors(value.get("authors")),
        text=_clean(text),
        digest_date=_date(value.get("digest_date") or value.get("date")),
        location=location,
    )


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _authors(value: Any) -> list[str]:
    if isinstance(value, str):
        return [a.strip() for a in value.split(",") if a.strip()]
    if isinstance(value, list):
        names = (a.get("name", "") if isinstance(a, dict) else str(a) for a in value)
        return [n.strip() for n in names if n and n.strip()]
    return []


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
    entry_lines = [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<entry[\s>]", text)]
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
