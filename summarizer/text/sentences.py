"""Split text into sentences with character offsets.

A rule-based splitter, fast enough for the rules provider's throughput target, tuned for paper
abstracts: it does not break after abbreviations ("e.g.", "et al.", "vs."), inside decimals or
model names ("Qwen2.5-VL-72B"), inside URLs or raw TeX (`$6.00\\%$`), and it does break before
the "ii) ... iii)" list markers that digest summaries use.
"""

from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    [
        "e.g",
        "i.e",
        "et",
        "al",
        "vs",
        "cf",
        "etc",
        "fig",
        "figs",
        "eq",
        "eqs",
        "sec",
        "no",
        "nos",
        "approx",
        "resp",
        "incl",
        "ca",
        "dr",
        "mr",
        "ms",
        "prof",
        "st",
        "vol",
        "pp",
        "ref",
        "refs",
        "tab",
        "viz",
    ]
)
# A candidate boundary: terminal punctuation (plus closing quotes/brackets), then whitespace.
_CANDIDATE = re.compile(r"[.!?][\"'\u201d)\]]*\s+")
_NEXT_STARTS = re.compile(r"[A-Z0-9\"'\u201c(\[$\\]|[ivx]{1,4}\)")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")
_TEX = re.compile(r"\$[^$]*\$")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: its 1-based number and its `[start, end)` span in the source text."""

    number: int
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """Split `text` into sentences; `text[s.start:s.end] == s.text` always holds."""
    protected = [(m.start(), m.end()) for m in _TEX.finditer(text)]
    sentences: list[Sentence] = []
    start = _skip_space(text, 0)
    for match in _CANDIDATE.finditer(text):
        end = match.end()
        if end >= len(text) or _inside(match.start(), protected):
            continue
        follows = _NEXT_STARTS.match(text, end)
        if not follows:
            continue
        # A list marker ("ii)") always opens a sentence, even after "X." or "e.g.".
        if not follows.group().endswith(")") and _is_abbreviation(text, start, match.start() + 1):
            continue
        stop = end - (len(match.group()) - len(match.group().rstrip()))
        if stop > start:
            sentences.append(Sentence(len(sentences) + 1, start, stop, text[start:stop]))
        start = end
    stop = len(text.rstrip())
    if stop > start:
        sentences.append(Sentence(len(sentences) + 1, start, stop, text[start:stop]))
    return sentences


def _skip_space(text: str, pos: int) -> int:
    return len(text) - len(text[pos:].lstrip()) if pos < len(text) else pos


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    # Spans are sorted and disjoint (finditer's matches): a binary search keeps long texts with
    # many TeX spans linear-time overall.
    at = bisect.bisect_right(spans, (pos, math.inf)) - 1
    return at >= 0 and spans[at][0] <= pos < spans[at][1]


def _is_abbreviation(text: str, start: int, dot_end: int) -> bool:
    if text[dot_end - 1] != ".":
        return False
    # The word before the dot: the longest run of ASCII letters and dots ending there (within
    # 40 characters), from its first letter. A scan back instead of a regex search.
    lowest, first = max(start, dot_end - 40), dot_end - 1
    while first > lowest and (text[first - 1] in _WORD_CHARS):
        first -= 1
    while first < dot_end - 1 and text[first] == ".":
        first += 1
    if first == dot_end - 1:
        return False
    # Only a whole word counts: the "K." ending "GPT-4-128K." is not an initial.
    if first > 0 and text[first - 1] not in " (\"'\u201c":
        return False
    token = text[first : dot_end - 1].lower().rstrip(".")
    if token in _ABBREVIATIONS:
        return True
    # Single initials ("J. Smith") and dotted acronyms ("U.S.") are not sentence ends.
    return len(token) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", token))


def numbered(sentences: list[Sentence]) -> str:
    """Render sentences one per line as `[n] text`, the form the prompt shows the model."""
    return "\n".join(f"[{s.number}] {s.text}" for s in sentences)
