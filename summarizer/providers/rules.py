"""The rules provider: a deterministic, model-free extractor and the baseline of every evaluation.

Sentences are classified as summary, objective, method, result or implication by the digest's
"i) ... v)" markers, cue phrases and position. Numeric mentions in result sentences become
headline metrics, with the nearest metric word, benchmark ("on X"), subject and baseline.
"""

from __future__ import annotations

import re
from functools import lru_cache

from summarizer.config import Settings
from summarizer.providers.base import Completion, Request
from summarizer.providers.codec import Wire
from summarizer.records.schema import MAX_METRICS, ExtractedMetric, Extraction, Method, clip
from summarizer.text.labels import benchmark_of, comparison_of, first_name, subject_of
from summarizer.text.numbers import Mention, find_numbers, written_form
from summarizer.text.sentences import Sentence

_MARKERS = {"i": "summary", "ii": "objective", "iii": "method", "iv": "result", "v": "implication"}
_MARKER = re.compile(r"^\(?([iv]{1,3})\)\s*")
# Cue patterns run on lower-cased text from a word start: far faster than IGNORECASE scans.
_CUES = {
    "implication": re.compile(
        r"\b(?:practitioner|implication|can leverage|can use|can be used|suggests that|enables? "
        r"(?:more|practitioners|developers)|offers? (?:a|an) (?:valuable|practical))"
    ),
    "result": re.compile(
        r"\b(?:results?\b|achiev|outperform|surpass|improv|reduc|accuracy|state-of-the-art|"
        r"scores?\b|speed-?up|faster|gains?\b|demonstrat|shows?\b)"
    ),
    "objective": re.compile(
        r"\b(?:objective|aims? to\b|goal\b|research question|seeks? to|investigat|we study|"
        r"address(?:es)? the)"
    ),
    "method": re.compile(
        r"\b(?:methodolog|we propose|we introduce|approach\b|we design|framework|method\b|"
        r"technique|involves|we train|trained|leverag|architecture|pipeline)"
    ),
}
_METRIC_WORDS = re.compile(
    r"\b(accuracy|f1|precision|recall|bleu|rouge(?:-\w+)?|miou|iou|map|auc|fid|fad|"
    r"frechet audio distance|perplexity|win rate|success rate|pass@\d+|error rate|"
    r"collision rate|latency|throughput|speed-?up|tokens|parameters|score|points|"
    r"improvement|reduction|gain|memory|cost|compression)\b"
)
# A bare number right after a capitalised name ("MATH 500", "MATH-500", "HumanEval 164") is
# part of that name, not a result.
_NAME_BEFORE = re.compile(r"\b(?:[A-Z]{2,}[\w]*|[A-Z][a-z]+[A-Z][\w]*)[ -]$")
_ACRONYM = re.compile(r"((?:[A-Z][\w-]*\s){1,5})\(([A-Z][\w-]{1,15})\)")


def create(settings: Settings) -> RulesBackend:
    """The rules backend; it needs no settings."""
    return RulesBackend()


def wire(settings: Settings) -> Wire | None:
    """No request is sent: the rules read the sentences."""
    return None


def model_name(settings: Settings) -> str:
    """The model name records carry."""
    return RulesBackend.model


class RulesBackend:
    """Extracts by rules from `request.sentences`; instant and fully grounded."""

    provider = "rules"
    model = "rules-v1"
    max_concurrency: int | None = 1
    uses_prompt = False
    wire: Wire | None = None  # nothing is sent

    def complete(self, request: Request) -> Completion:
        """Fill the extraction schema from the item's sentences."""
        return Completion(extract_by_rules(request.sentences))

    def close(self) -> None:
        """Nothing to release."""


def classify(sentences: list[Sentence]) -> dict[int, str]:
    """Label each sentence number with its role."""
    roles: dict[int, str] = {}
    for sentence in sentences:
        marker = _MARKER.match(sentence.text)
        if marker and marker.group(1) in _MARKERS:
            roles[sentence.number] = _MARKERS[marker.group(1)]
            continue
        low = sentence.text.lower()
        role = next((r for r, cue in _CUES.items() if cue.search(low)), "")
        if not role and find_numbers(sentence.text):
            role = "result"
        roles[sentence.number] = role or ("summary" if sentence.number == 1 else "other")
    return roles


def extract_by_rules(sentences: list[Sentence]) -> Extraction:
    """A complete `Extraction` built from `sentences` alone."""
    if not sentences:
        raise ValueError("no sentences to extract from")
    roles = classify(sentences)
    by_role: dict[str, list[Sentence]] = {}
    for sentence in sentences:
        by_role.setdefault(roles[sentence.number], []).append(sentence)
    first = sentences[0]
    objective = (by_role.get("objective") or [first])[0]
    methods = [_method(s) for s in by_role.get("method", [])[:2]]
    results = by_role.get("result", [])
    implications = by_role.get("implication") or ([sentences[-1]] if len(sentences) > 1 else [])
    return Extraction(
        one_line_summary=clip(_text(first)),
        objective=clip(_text(objective)),
        methods=methods,
        headline_metrics=_metrics(results),
        implications=[clip(_text(s)) for s in implications[:3]],
    )


def _text(sentence: Sentence) -> str:
    return _MARKER.sub("", sentence.text)


def _method(sentence: Sentence) -> Method:
    text = _text(sentence)
    named = _ACRONYM.search(text)
    name = f"{named.group(1).strip()} ({named.group(2)})" if named else first_name(text)
    return Method(name=name or "method", description=text)


def _metrics(results: list[Sentence]) -> list[ExtractedMetric]:
    ranked: list[tuple[int, int, Sentence, Mention]] = []
    for sentence in results:
        for order, mention in enumerate(find_numbers(sentence.text)):
            if not _in_name(sentence.text, mention):
                ranked.append((_weight(mention), order, sentence, mention))
    ranked.sort(key=lambda entry: (-entry[0], entry[2].number, entry[1]))
    return [_metric(sentence, mention) for _, _, sentence, mention in ranked[:MAX_METRICS]]


def _in_name(text: str, mention: Mention) -> bool:
    """Whether `mention` is a bare number that ends a name such as "MATH 500"."""
    bare = mention.unit is None and not mention.decimals and mention.scale == 1
    return bare and bool(_NAME_BEFORE.search(text[max(0, mention.start - 40) : mention.start]))


def _weight(mention: Mention) -> int:
    """Prefer percentages, multipliers and points, then decimals, then bare integers."""
    if mention.unit in {"%", "x", "pp", "points"}:
        return 3
    return 2 if mention.decimals or mention.scale != 1 else 1


def _metric(sentence: Sentence, mention: Mention) -> ExtractedMetric:
    text = sentence.text
    word = _nearest(text, mention.start)
    benchmark = benchmark_of(text, mention)
    subject = subject_of(text, mention)
    comparison = comparison_of(text, mention)
    return ExtractedMetric(
        metric=word or "value",
        value_text=written_form(mention),
        benchmark=benchmark or None,
        subject=subject or None,
        comparison=comparison or None,
        evidence=[sentence.number],
    )


def _nearest(text: str, position: int) -> str | None:
    """The metric word closest to `position`, as written in `text`."""
    spans = _metric_words(text)
    if not spans:
        return None
    start, end = min(spans, key=lambda span: (abs(span[0] - position), span[0]))
    return text[start:end]


@lru_cache(maxsize=1024)
def _metric_words(text: str) -> tuple[tuple[int, int], ...]:
    """Spans of the metric words in `text`, found once per sentence, not once per number."""
    low = text.lower()
    if len(low) != len(text):  # rare non-ASCII case folding changes offsets
        return ()
    return tuple((m.start(), m.end()) for m in _METRIC_WORDS.finditer(low))
