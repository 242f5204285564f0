"""The rules provider: a deterministic, model-free extractor and the baseline of every evaluation.

Sentences are placed in the summary's parts (summary, objective, methodology, results,
implication; `text.parts`) by the digest's "i) ... v)" markers, else by an abstract's cue
phrases (`text.parts.ABSTRACT_CUES`), numbers and position (`classify`). Numeric mentions in
result sentences become headline metrics, with the nearest metric word, benchmark ("on X"),
subject and baseline.
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
from summarizer.text.parts import ABSTRACT_CUES, cued, marked, unmarked
from summarizer.text.sentences import Sentence

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
    """The part of each sentence (by number): its `i)` … `v)` marker, else the first abstract
    cue phrase it contains, else `results` when it states a number; else `summary` for the
    first sentence and `other` (no part) for the rest."""
    parts: dict[int, str] = {}
    for sentence in sentences:
        text = sentence.text
        found = marked(text)
        part = found[0] if found else cued(text, ABSTRACT_CUES)
        if part is None and find_numbers(text):
            part = "results"
        parts[sentence.number] = part or ("summary" if sentence.number == 1 else "other")
    return parts


def extract_by_rules(sentences: list[Sentence]) -> Extraction:
    """A complete `Extraction` built from `sentences` alone."""
    if not sentences:
        raise ValueError("no sentences to extract from")
    parts = classify(sentences)
    by_part: dict[str, list[Sentence]] = {}
    for sentence in sentences:
        by_part.setdefault(parts[sentence.number], []).append(sentence)
    first = sentences[0]
    objective = (by_part.get("objective") or [first])[0]
    methods = [_method(s) for s in by_part.get("methodology", [])[:2]]
    results = by_part.get("results", [])
    implications = by_part.get("implication") or ([sentences[-1]] if len(sentences) > 1 else [])
    return Extraction(
        one_line_summary=clip(_text(first)),
        objective=clip(_text(objective)),
        methods=methods,
        headline_metrics=_metrics(results),
        implications=[clip(_text(s)) for s in implications[:3]],
    )


def _text(sentence: Sentence) -> str:
    return unmarked(sentence.text)


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
