"""The unit of work: one paper's text, read from a digest row or an abstract, with its location."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SourceKind = Literal["digest", "abstract"]


class Location(BaseModel):
    """Where an item or a problem was found: file path and 1-based line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    line: int = Field(ge=1)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


class Item(BaseModel):
    """One paper to extract from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: SourceKind
    arxiv_id: str | None = None
    title: str
    authors: list[str] = Field(default_factory=list)
    text: str = Field(min_length=1)
    digest_date: date | None = None
    location: Location


class Problem(BaseModel):
    """A source item that was skipped (`error`) or a notice about a source (`warning`)."""

    model_config = ConfigDict(frozen=True)

    location: Location
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.severity}: {self.message}"


# An old-style identifier ("math.GT/0309136") starts where a run of letters starts, so that a
# long run is scanned once, not once per letter: the search stays linear on any input.
_ARXIV_ID = re.compile(
    r"(?:arxiv\.org/(?:abs|pdf)/|arXiv:)?"
    r"(?P<id>\d{4}\.\d{4,5}|(?<![a-z.-])[a-z][a-z.-]{1,30}(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?",
)
# Identifiers are short; a bounded match keeps repeated "arxiv.org/abs/" linear too.
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(\S{1,40}?)(?:v\d+)?(?:\.pdf)?(?=[)\s\]\"'>]|$)")


def find_arxiv_id(text: str) -> str | None:
    """The first arXiv identifier in `text` (a URL, `arXiv:ID` or bare ID), without its version."""
    url = _ARXIV_URL.search(text)
    if url and _ARXIV_ID.fullmatch(url.group(1)):
        return url.group(1)
    bare = _ARXIV_ID.search(text)
    return bare.group("id") if bare else None
