"""The numbers a paper states, offered to the model as the only values a metric may take.

Each distinct mention becomes one candidate, written exactly as in the text ("26%", "3x",
"4.1 trillion"), with the sentences that state it and a kind: `result` (a percentage, a
multiplier, points, a signed change, or a decimal in a sentence that reports an outcome), `size`
(parameter counts, dataset sizes, other counts) or `other`. Results come first, so that a model
choosing among them sees what the authors report before what they used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from summarizer.text.numbers import Mention, find_numbers, written_form
from summarizer.text.sentences import Sentence

Kind = Literal["result", "other", "size"]
MAX_CANDIDATES = 30
_RESULT_UNITS = frozenset({"%", "x", "pp", "points"})
_OUTCOME = re.compile(
    r"\b(?:accura|score|achiev|outperform|surpass|improv|reduc|gain|boost|increas|decreas|"
    r"speed|faster|slower|higher|lower|better|worse|rate\b|f1|bleu|rouge|auc|success|win|"
    r"pass@|error|latency|throughput|state-of-the-art|sota|top-?\d|exceed|match|reach|attain|"
    r"yield|deliver|cut|drop|lift|saving|fewer|less|more)",
    re.IGNORECASE,
)
_COUNT_AFTER = re.compile(
    r"\s?(?:[a-z-]+\s)?(?:parameters?|params|tokens?|samples?|examples?|images?|videos?|hours?|"
    r"entries|trajector(?:y|ies)|pairs?|questions?|tasks?|languages?|problems?|instances?|"
    r"users?|documents?|gpus?|steps?|layers?|datasets?|benchmarks?|models?|domains?|categories|"
    r"classes|annotators?|participants?|clips|frames|episodes|prompts?|queries|papers?|"
    r"articles?|minutes|days|words|sentences|dialogues?|conversations?|scenes?|objects?|"
    r"subjects?|patients?|records?|repositories|files?|functions?|agents?|experts?|heads?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A number as written, the sentences that state it, and what kind of number it is."""

    text: str
    sentences: tuple[int, ...]
    kind: Kind
    mention: Mention


def find_candidates(sentences: list[Sentence], limit: int = MAX_CANDIDATES) -> list[Candidate]:
    """The distinct numeric mentions of `sentences`, results first, at most `limit`."""
    seen: dict[str, tuple[Mention, Kind, list[int]]] = {}
    for sentence in sentences:
        for mention in find_numbers(sentence.text):
            text = written_form(mention)
            if text in seen:
                if sentence.number not in seen[text][2]:
                    seen[text][2].append(sentence.number)
                continue
            seen[text] = (mention, kind_of(mention, sentence.text), [sentence.number])
    order = {"result": 0, "other": 1, "size": 2}
    ranked = sorted(seen.items(), key=lambda entry: order[entry[1][1]])
    return [
        Candidate(text, tuple(numbers), kind, mention)
        for text, (mention, kind, numbers) in ranked[:limit]
    ]


def kind_of(mention: Mention, sentence: str) -> Kind:
    """Whether `mention` reports a result, a size, or neither (see module docstring)."""
    if mention.unit in _RESULT_UNITS or mention.text[:1] in "+-\u2212":
        return "result"
    if mention.scale != 1 or _COUNT_AFTER.match(sentence, mention.end):
        return "size"
    if mention.decimals and _OUTCOME.search(sentence):
        return "result"
    return "other"


def render_candidates(candidates: list[Candidate]) -> str:
    """The candidates as the prompt shows them, one line per kind in the order results, other
    numbers, sizes and counts; each number with the sentences that state it. The kinds are
    not named: a small model copies such words into `metric`."""
    if not candidates:
        return "none (so headline_metrics is an empty list)"
    lines = []
    for kind in ("result", "other", "size"):
        numbers = [
            f'"{c.text}" {"".join(f"[{n}]" for n in c.sentences)}'
            for c in candidates
            if c.kind == kind
        ]
        if numbers:
            lines.append(", ".join(numbers))
    return "\n".join(lines)
