"""Split a digest's hand-written summary into its parts, to score extractions against.

Digest summaries come as an "i) ... v)" list, as an "a) ... e)" list (objective, methodology,
results, implication, then notes), as prose with cue phrases ("The main research objective is
...", "The key methodology ...", "Primary results show ...", "For AI practitioners ..."), or as
plain prose, where position and numbers decide (`text.parts.part_of`; its parts and markers are
the rules provider's and the digest renderer's too). A trailer of "Follow-up questions: 1. ...
2. ..." (about 2% of the archive's rows) is not part of the summary and is dropped; list
markers such as "1." or "2)" at the start of a clause are never result numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from summarizer.text.numbers import Mention, find_numbers
from summarizer.text.parts import LETTERS, PARTS, marked, part_of
from summarizer.text.sentences import split_sentences

_LETTERED = re.compile(r"\s*\(?a\)\s")
_LETTER_BREAK = re.compile(r"\s+(?=\(?[b-e]\)\s)")
# "Follow-up questions:", "Follow up questions:", "Here are some follow-up questions an AI
# practitioner might ask:".
_TRAILER = re.compile(
    r"(?:\bhere are (?:some|a few) )?\bfollow[- ]?up questions?\b[^:.?]{0,80}:", re.IGNORECASE
)
# "1. How does ...", "2) What ...": a bare whole number opening a clause, then "." or ")".
_LIST_MARKER_BEFORE = re.compile(r"(?:^|[.:;!?]|\n)\s*\(?$")
_LIST_MARKER_AFTER = re.compile(r"[.)](?:\s|$)")


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
    trailer = _TRAILER.search(text)
    if trailer:
        text = text[: trailer.start()].rstrip()
    chunks: dict[str, list[str]] = {}
    if _LETTERED.match(text):
        # The sentence splitter opens sentences at "ii)" but not at "b)": split here.
        for piece in _LETTER_BREAK.split(text.strip()):
            if found := marked(piece, LETTERS):
                part, body = found
                chunks.setdefault(part, []).append(body.strip())
    sentences = [] if chunks else split_sentences(text)
    for index, sentence in enumerate(sentences):
        part, body = marked(sentence.text) or (
            part_of(sentence.text, index, len(sentences), bool(result_numbers(sentence.text))),
            sentence.text,
        )
        chunks.setdefault(part, []).append(body)
    parts = {name: " ".join(chunks[name]) for name in PARTS if name in chunks}
    results = parts.get("results") or text
    return Reference(text=text, parts=parts, numbers=result_numbers(results))


def result_numbers(text: str) -> tuple[Mention, ...]:
    """The numbers `text` states, without list markers ("1. How ...", "2) The ...")."""
    return tuple(m for m in find_numbers(text) if not _list_marker(text, m))


def _list_marker(text: str, mention: Mention) -> bool:
    bare = mention.unit is None and mention.scale == 1 and mention.high is None
    return (
        bare
        and mention.decimals == 0
        and _LIST_MARKER_AFTER.match(text, mention.end) is not None
        and _LIST_MARKER_BEFORE.search(text, max(0, mention.start - 8), mention.start) is not None
    )
