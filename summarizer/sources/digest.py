"""Reader for daily AI-paper digests: markdown tables of `Title | Authors | Summary [| Link]`.

Handles the variants seen across the archive: links appended to titles in two styles or kept in
a fourth column, titles wrapped onto continuation lines, empty author cells, `|` inside a summary,
chatty preambles, markdown italics and runs of spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import PurePath

from summarizer.item import Item, Location, Problem, find_arxiv_id
from summarizer.sources.lines import iter_lines

_HEADING_DATE = re.compile(r"^#+\s*Papers for\s+(\d{4}-\d{2}-\d{2})", re.MULTILINE)
_NAME_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_HEADER = re.compile(r"^\|?\s*Title\s*\|.*\bSummary\b", re.IGNORECASE)
_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}")
# Where a title's links start: "(Read more on ...)" or "- Read more on ...".
_TITLE_LINKS = re.compile(r"[(\-–]\s*read more on\b", re.IGNORECASE)
# A label cannot hold "[" and a URL neither "(" nor spaces, so that each bracket is scanned
# once: unclosed brackets repeated over a long line stay linear.
_MD_LINK = re.compile(r"\[([^\[\]]*)\]\([^()\s]*\)")
_PREAMBLE = re.compile(
    r"^(?:here(?:'s| is) (?:a |the )?(?:concise |brief |short )?summary\b[^:]*:\s*)", re.IGNORECASE
)
_ESCAPED = re.compile(r"\\([<>\[\]])")
_ITALICS = re.compile(r"(?<![\w*])([*_])(?!\s)([^*_\n]+?)(?<!\s)\1(?![\w*])")


def looks_like_digest(text: str) -> bool:
    """True when `text` holds a digest table header or a `Papers for DATE` heading."""
    return bool(_HEADING_DATE.search(text)) or any(_HEADER.match(line) for line in iter_lines(text))


def read_digest(text: str, path: str) -> Iterator[Item | Problem]:
    """Yield one `Item` per table row, or a `Problem` for a row that cannot be parsed."""
    return read_digest_lines(iter_lines(text), path, digest_day(text, path))


def read_digest_lines(
    lines: Iterable[str], path: str, day: date | None
) -> Iterator[Item | Problem]:
    """`read_digest` over the digest's lines (as `str.splitlines` gives them), dated `day`: a
    large file is read a line at a time."""
    columns: list[str] = []
    rows = 0
    # After the first table, a row that looks like a header ("| Title | ... Summary ... |": a
    # paper titled "Title") is a header only when a separator row follows it, as in Markdown.
    held: tuple[int, str] | None = None
    for line_no, row in _with_end(lines):
        if held is not None:
            held_no, held_row = held
            held = None
            if row is not None and _SEPARATOR.match(row):
                columns = _columns(held_row)
                continue
            rows += 1
            yield _parse_row(held_row, columns, day, Location(path=path, line=held_no))
        if row is None:
            break
        if _HEADER.match(row):
            if columns:
                held = (line_no, row)
            else:
                columns = _columns(row)
            continue
        if not columns or _SEPARATOR.match(row):
            continue
        rows += 1
        yield _parse_row(row, columns, day, Location(path=path, line=line_no))
    if rows == 0:
        yield Problem(
            location=Location(path=path, line=1),
            message="digest has no paper rows",
            severity="warning",
        )


def _with_end(lines: Iterable[str]) -> Iterator[tuple[int, str | None]]:
    """The logical rows, then `(0, None)`: the end, where a held row is let go."""
    yield from _logical_rows(lines)
    yield 0, None


def _columns(header: str) -> list[str]:
    return [c.strip().lower() for c in _split_cells(header)]


def has_heading_date(line: str) -> bool:
    """Whether `line` is a "# Papers for DATE" heading (the date `digest_day` reads)."""
    return _HEADING_DATE.search(line) is not None


def digest_day(text: str, path: str) -> date | None:
    """The digest's date: its "# Papers for DATE" heading, else a date in the file name."""
    match = _HEADING_DATE.search(text) or _NAME_DATE.search(PurePath(path).name)
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _logical_rows(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Join continuation lines (wrapped titles) onto the table row they belong to.

    A row may omit its leading `|`, as GitHub-flavoured Markdown allows: an unindented line
    holding a `|` right after a row (or a header) is a row too."""
    start, parts = 0, list[str]()
    for number, line in enumerate(lines, start=1):
        loose = "|" in line and not line[:1].isspace() and (parts or _HEADER.match(line))
        if line.startswith("|") or loose:
            if parts:
                yield start, " ".join(parts)
            start, parts = number, [line.strip()]
        elif parts and line.strip() and line[:1].isspace():
            parts.append(line.strip())
        elif parts:
            yield start, " ".join(parts)
            parts = []
    if parts:
        yield start, " ".join(parts)


def _split_cells(row: str) -> list[str]:
    body = row.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    if "\\|" not in body:  # the common case, without the slower look-behind split
        return body.split("|")
    cells = re.split(r"(?<!\\)\|", body)
    return [cell.replace("\\|", "|") for cell in cells]


def _parse_row(
    row: str, columns: list[str], day: date | None, location: Location
) -> Item | Problem:
    cells = _split_cells(row)
    if "summary" not in columns:
        return Problem(
            location=location,
            message=f"the table's header names no Summary column (it has {', '.join(columns)})",
        )
    if len(cells) < len(columns):
        return Problem(
            location=location,
            message=f"table row has {len(cells)} cells, expected {len(columns)}",
        )
    # A `|` inside the summary yields extra cells: the summary column absorbs them.
    at = columns.index("summary")
    after = len(columns) - at - 1
    head, tail = cells[:at], cells[len(cells) - after :] if after else []
    summary = "|".join(cells[at : len(cells) - after])
    fields = dict(zip(columns, [*head, summary, *tail], strict=True))
    raw_title = fields.get("title", "")
    title = _clean_title(raw_title)
    text = _clean_summary(summary)
    if not title or not text:
        missing = "title" if not title else "summary"
        return Problem(location=location, message=f"table row has an empty {missing} cell")
    authors = [a.strip() for a in fields.get("authors", "").split(",") if a.strip()]
    return Item(
        kind="digest",
        arxiv_id=find_arxiv_id(raw_title + " " + fields.get("link", "")),
        title=title,
        authors=authors,
        text=text,
        digest_date=day,
        location=location,
    )


def _clean_title(cell: str) -> str:
    title = _without_links(cell.strip())
    return _unescaped(" ".join(_MD_LINK.sub(r"\1", title).split()))


def _unescaped(text: str) -> str:
    """`text` without the backslashes `summarize digest` writes before `<`, `>`, `[`, `]`."""
    return _ESCAPED.sub(r"\1", text) if "\\" in text else text


def _without_links(title: str) -> str:
    """`title` up to its first "(Read more on ...)" that closes the cell, or "- Read more on"."""
    for match in _TITLE_LINKS.finditer(title):
        if match.group().startswith("(") and not title.endswith(")"):
            continue
        return title[: match.start()].rstrip()
    return title


def _clean_summary(cell: str) -> str:
    # str.split() collapses the same whitespace as `\s+`, four times faster.
    text = _PREAMBLE.sub("", " ".join(cell.split()))
    if "*" in text or "_" in text:  # the italics pattern is slow to scan, and rarely needed
        text = _ITALICS.sub(r"\2", text)
    return _unescaped(text.strip())
