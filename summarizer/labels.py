"""The names a sentence gives one of its numbers: the benchmark it was measured on, the system
that achieved it and the baseline it is compared with, read by rule from the sentence's words.

The rules provider labels its metrics with these; grounding falls back on them where a model's
label says nothing ("model", "LLMs") or is not in the text. Every name is the sentence's own
words.
"""

from __future__ import annotations

import itertools
import re

from summarizer.numbers import Mention

_BENCHMARK = re.compile(r"\bon (?:the )?([A-Z][\w.\-@]*(?:[ -][A-Z0-9][\w.\-@]*){0,3})")
_NAME = re.compile(r"\b([A-Z][\w.]*(?:-[\w.]+)+|[A-Z][a-z]+[A-Z][\w-]*|[A-Z]{2,}[\w-]*)\b")
_COMPARISON = re.compile(
    r"\b(?:than|over|compared (?:to|with)|surpass(?:es|ing)?|outperform(?:s|ing)?|versus|vs\.)"
    r" ((?:the |a |an )?[\w.\-@]+(?: [\w.\-@]+){0,4})",
    re.IGNORECASE,
)
# "on MATH500", "on the GSM8K": a name after "on" is a benchmark, not a subject.
_ON_BEFORE = re.compile(r"\bon (?:the )?$")
_LIST_GAP = re.compile(r"\s*(?:,|and|or|,\s*and|,\s*or)\s*")
_NAME_AFTER = re.compile(r"\s(?:parameters?\s)?([A-Z][\w.\-]*(?:\s[A-Z0-9][\w.\-]*)?)")
# Words a cut comparison must not end on ("full datasets by").
_DANGLING = frozenset({"by", "on", "of", "in", "at", "to", "with", "and", "or", "the", "a", "an"})
# Subjects that name nothing in particular.
GENERIC = frozenset(
    {"model", "models", "llm", "llms", "method", "methods", "approach", "framework", "system",
     "baseline", "baselines", "ours", "our model", "our method", "the model", "the method",
     "proposed method", "the proposed method"}
)  # fmt: skip


def is_size(mention: Mention) -> bool:
    """A size ("8B", "1.6M", "50 billion"): what something is, not a score measured on a
    benchmark. The "on MATH-500" after "our 8B model scores 90.2% on MATH-500" is the 90.2%'s."""
    return mention.unit is None and mention.scale != 1


def benchmark_of(text: str, mention: Mention) -> str | None:
    """The name after "on" that follows the number (none for a size)."""
    if is_size(mention):
        return None
    found = _BENCHMARK.search(text, mention.end)
    # The name may end the sentence: "on MATH-500." names "MATH-500".
    return found.group(1).rstrip(".") if found else None


def subject_of(text: str, mention: Mention) -> str | None:
    """The system the number is about: for a size, the name right after it ("the 8B Qwen3
    model"); otherwise the nearest name before it that is not a benchmark ("on MATH500", and
    the rest of a list it opens: "on VQAv2, DocVQA, and MathVista")."""
    if is_size(mention):
        after = _NAME_AFTER.match(text, mention.end)
        return after.group(1) if after else None
    names, listed, last_end = [], False, -1
    for match in _NAME.finditer(text, 0, mention.start):
        gap = text[last_end : match.start()] if last_end >= 0 else ""
        listed = bool(_ON_BEFORE.search(text, max(0, match.start() - 8), match.start())) or (
            listed and _LIST_GAP.fullmatch(gap) is not None
        )
        if not listed:
            names.append(match.group(1))
        last_end = match.end()
    return names[-1] if names else None


def comparison_of(text: str, mention: Mention) -> str | None:
    """The named baseline after "than", "over", "outperforms" ... near the number: its words up
    to the first number. "over 22.1% win rate" names no baseline, and "full datasets by 5.42%
    points" is "full datasets": a cut number ("5.42") would be a number the text never states."""
    around = text[max(0, mention.start - 80) : mention.end + 80]
    found = _COMPARISON.search(around)
    if not found:
        return None
    words = list(itertools.takewhile(lambda w: not w[0].isdigit(), found.group(1).split()))
    while words and words[-1].lower() in _DANGLING:
        words.pop()
    return " ".join(words) or None


def first_name(text: str) -> str | None:
    """The first name-like word of `text` ("Qwen2.5-VL", "MathVista", "GSM8K")."""
    found = _NAME.search(text)
    return found.group(1) if found else None
