"""Split a digest's hand-written summary into its parts, to score extractions against.

Digest summaries come as an "i) ... v)" list, as prose with cue phrases ("The main research
objective is ...", "The key methodology ...", "Primary results show ...", "For AI practitioners
..."), or as plain prose, where position and numbers decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from summarizer.numbers import Mention, find_numbers
from summarizer.sentences import split_sentences

PARTS = ("summary", "objective", "methodology", "results", "implication")
_LIST_ORDER = {
    "i": "summary",
    "ii": "objective",
    "iii": "methodology",
    "iv": "results",
    "v": "implication",
}
_MARKER = re.compile(r"^\(?(i{1,3}|iv|v)\)\s*")
_EXPLICIT = re.compile(r"objective|methodolog|primary result|practitioners", re.IGNORECASE)
_CUES = (
    ("implication", re.compile(r"implication|practitioners", re.IGNORECASE)),
    ("objective", re.compile(r"objective|\baims? (?:to|at)\b|research question|\bgoal\b", re.I)),
    ("methodology", re.compile(r"methodolog|key method|\bapproach\b|involves", re.IGNORECASE)),
    ("results", re.compile(r"primary result|\bresults?\b|achiev|outperform|surpass", re.I)),
)


@dataclass(frozen=True)
class Reference:
    """A reference summary split into parts, with the numbers its results state."""

    text: str
    parts: dict[str, str] = field(default_factory=dict)
    numbers: tuple[Mention, ...] = ()

    def part(self, name: str) -> str:
        """The text of one part ("" when the summary has none)."""
        return self.parts.get(name, "")

    @property
    def results(self) -> str:
        """The text `numbers` were found in (their offsets point into it): the results part,
        or the whole summary when it has none."""
        return self.parts.get("results") or self.text


def parse_reference(text: str) -> Reference:
    """Split `text` into summary / objective / methodology / results / implication."""
    sentences = split_sentences(text)
    chunks: dict[str, list[str]] = {}
    for index, sentence in enumerate(sentences):
        marker = _MARKER.match(sentence.text)
        if marker and marker.group(1) in _LIST_ORDER:
            role = _LIST_ORDER[marker.group(1)]
            body = sentence.text[marker.end() :]
        else:
            role, body = _role(sentence.text, index, len(sentences)), sentence.text
        chunks.setdefault(role, []).append(body)
    parts = {name: " ".join(chunks[name]) for name in PARTS if name in chunks}
    results = parts.get("results") or text
    return Reference(text=text, parts=parts, numbers=tuple(find_numbers(results)))


def _role(sentence: str, index: int, count: int) -> str:
    if index == 0 and not _EXPLICIT.search(sentence):
        return "summary"
    for role, cue in _CUES:
        if cue.search(sentence):
            return role
    if find_numbers(sentence):
        return "results"
    return "implication" if index == count - 1 else "methodology"
