"""The parts of a paper's summary as a digest writes it, and which part a sentence is.

A digest summary runs `i)` summary, `ii)` objective, `iii)` methodology, `iv)` results,
`v)` implication; an older variant writes `a)` objective … `d)` implication, `e)` notes. One
vocabulary serves everything that writes or reads that shape: the digest renderer writes the
markers, the rules provider reads an abstract's sentences into parts, and the eval harness
splits a reference summary into them.

A sentence of a digest summary without a marker is placed by its cue phrases, then by whether
it states a number, then by its place: the first sentence is the summary unless it names its
part, the last the implication, any other the methodology (`part_of`). Measured on the 26
`pairs_dev` digest summaries whose five sentences are all marked (130 sentences, markers
removed), this finds the marked part of 125.

An abstract is not written like a digest summary ("We propose ...", "... outperforms ..."), so its
sentences have cue phrases of their own (`ABSTRACT_CUES`, which the rules provider uses). One table
for both was tried and measured: with the union of the two, the digest rule found 121 of those 130
and split 123 of 478 digest summaries (the shipped datasets' and the test digests') differently;
with the digest's table in the rules provider, its methods and digest ROUGE fell on `pairs_dev`
(paired intervals below 0). So the vocabulary, the markers and the cue matching are one; the
phrases are the genre's.
"""

from __future__ import annotations

import re

PARTS = ("summary", "objective", "methodology", "results", "implication")
ROMAN = dict(zip(("i", "ii", "iii", "iv", "v"), PARTS, strict=True))
MARKER_OF = {part: marker for marker, part in ROMAN.items()}
LETTERS = {"a": "objective", "b": "methodology", "c": "results", "d": "implication", "e": "notes"}

_MARKER = re.compile(r"^\(?(i{1,3}|iv|v|[a-e])\)\s*")
_EXPLICIT = re.compile(r"objective|methodolog|primary result|practitioners", re.IGNORECASE)
# The cue phrases of each part, in the order they are tried, in the words of a digest summary
# ("The main research objective is ...", "The key methodology ...", "Primary results show ...",
# "For AI practitioners ...") and in those of an abstract ("We study ...", "We propose ...",
# "... outperforms ..."). Each reader uses the table of the text it reads: the digest's on a
# reference summary, the abstract's in the rules provider (see the module docstring for why).
SUMMARY_CUES = (
    ("implication", re.compile(r"implication|practitioners", re.IGNORECASE)),
    ("objective", re.compile(r"objective|\baims? (?:to|at)\b|research question|\bgoal\b", re.I)),
    ("methodology", re.compile(r"methodolog|key method|\bapproach\b|involves", re.IGNORECASE)),
    ("results", re.compile(r"primary result|\bresults?\b|achiev|outperform|surpass", re.I)),
)
# Searched in lower-cased text from a word start: far faster than IGNORECASE scans.
ABSTRACT_CUES = (
    ("implication", re.compile(
        r"\b(?:practitioner|implication|can leverage|can use|can be used|suggests that|enables? "
        r"(?:more|practitioners|developers)|offers? (?:a|an) (?:valuable|practical))"
    )),
    ("results", re.compile(
        r"\b(?:results?\b|achiev|outperform|surpass|improv|reduc|accuracy|state-of-the-art|"
        r"scores?\b|speed-?up|faster|gains?\b|demonstrat|shows?\b)"
    )),
    ("objective", re.compile(
        r"\b(?:objective|aims? to\b|goal\b|research question|seeks? to|investigat|we study|"
        r"address(?:es)? the)"
    )),
    ("methodology", re.compile(
        r"\b(?:methodolog|we propose|we introduce|approach\b|we design|framework|method\b|"
        r"technique|involves|we train|trained|leverag|architecture|pipeline)"
    )),
)  # fmt: skip
Cues = tuple[tuple[str, "re.Pattern[str]"], ...]


def marked(text: str, markers: dict[str, str] = ROMAN) -> tuple[str, str] | None:
    """The part that `text`'s leading marker names (one of `markers`), and the text after the
    marker; None when it has no such marker."""
    found = _MARKER.match(text)
    if found is None or found.group(1) not in markers:
        return None
    return markers[found.group(1)], text[found.end() :]


def unmarked(text: str) -> str:
    """`text` without a leading `i)` … `v)` marker."""
    found = marked(text)
    return text if found is None else found[1]


def cued(sentence: str, cues: Cues = SUMMARY_CUES) -> str | None:
    """The first part, in the order of `cues`, whose cue phrase `sentence` contains."""
    low = sentence if cues is SUMMARY_CUES else sentence.lower()
    return next((part for part, cue in cues if cue.search(low)), None)


def part_of(sentence: str, index: int, count: int, states_number: bool) -> str:
    """The part of the `index`-th of `count` unmarked sentences of a digest summary (see
    module docstring); `states_number` says whether it states a result number."""
    if index == 0 and not _EXPLICIT.search(sentence):
        return "summary"
    if part := cued(sentence):
        return part
    if states_number:
        return "results"
    return "implication" if index == count - 1 else "methodology"
