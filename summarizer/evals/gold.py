"""Gold result tuples: what an abstract states, annotated by reading it, to score records against.

A digest summary is one writer's choice of numbers; a gold set says which numbers of the source
are results or sizes at all, and what each was measured on and by whom. A dataset `NAME.jsonl`
has its gold tuples in `NAME.gold.jsonl` beside it, one line per paper:
`{"arxiv_id": ..., "tuples": [{"value_text", "quote", "metric", "benchmark", "subject",
"comparison", "kind", "headline"}, ...]}` (see `evals/datasets/README.md`).

A metric matches a gold tuple when its `value_text` writes the same number as the tuple's, up to
formatting (`numbers.same_written`: gold values are copied from the source, as grounded metric
values are); matching is one-to-one, tuples whose quote a metric cites first. Two labels agree
when both are null, or when their normal forms (lower-case words of letters and digits) are
equal, equal without spaces ("MATH500" / "MATH 500"), or one is a run of whole words of the
other ("MathVista" in "MathVista testmini").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from summarizer.errors import ConfigError
from summarizer.evals.matching import assign
from summarizer.records.grounding import stated_number
from summarizer.records.schema import Metric
from summarizer.text.numbers import same_written


class GoldTuple(BaseModel):
    """One result or size an abstract states, as annotated."""

    value_text: str
    quote: str
    metric: str
    benchmark: str | None = None
    subject: str | None = None
    comparison: str | None = None
    kind: str
    headline: bool


def gold_path(dataset: Path) -> Path:
    """Where the gold tuples of `dataset` would be: `NAME.gold.jsonl` beside it."""
    return dataset.with_name(f"{dataset.stem}.gold.jsonl")


def load_gold(path: Path) -> dict[str, tuple[GoldTuple, ...]]:
    """Gold tuples by arXiv id; a malformed line is a `ConfigError` naming file and line."""
    gold: dict[str, tuple[GoldTuple, ...]] = {}
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                gold[str(row["arxiv_id"])] = tuple(
                    GoldTuple.model_validate(t) for t in row["tuples"]
                )
            except (ValueError, KeyError, TypeError, ValidationError) as exc:
                why = str(exc).splitlines()[0]
                raise ConfigError(
                    f"{path}:{number}: not a gold line ({{arxiv_id, tuples: [...]}}): {why}"
                ) from None
    return gold


def _normal(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def labels_agree(ours: str | None, gold: str | None) -> bool:
    """Whether a metric's label agrees with the gold one (see module docstring)."""
    if ours is None or gold is None:
        return ours is None and gold is None
    a, b = _normal(ours), _normal(gold)
    if not a or not b:
        return a == b
    if a == b or "".join(a) == "".join(b):
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return any(long[i : i + len(short)] == short for i in range(len(long) - len(short) + 1))


@dataclass(frozen=True)
class GoldMatch:
    """A metric paired with the gold tuple it states."""

    metric: Metric
    gold: GoldTuple


def match_gold(metrics: list[Metric], gold: tuple[GoldTuple, ...]) -> list[GoldMatch]:
    """The one-to-one pairs of metrics and gold tuples that write the same number."""
    ours = [stated_number(m.value_text) for m in metrics]
    theirs = [stated_number(t.value_text) for t in gold]

    def edge(i: int, j: int) -> bool:
        a, b = ours[i], theirs[j]
        return a is not None and b is not None and same_written(a, b)

    def cites(i: int, j: int) -> bool:
        quote = " ".join(gold[j].quote.split())
        return any(
            quote in " ".join(e.text.split()) or " ".join(e.text.split()) in quote
            for e in metrics[i].evidence
        )

    pairs = assign(len(metrics), len(gold), edge, prefer=cites)
    return [GoldMatch(metrics[i], gold[j]) for i, j in sorted(pairs.items())]


def gold_scores(metrics: list[Metric], gold: tuple[GoldTuple, ...]) -> dict[str, float | None]:
    """Per-case gold scores and the counts their pooled forms sum."""
    matched = match_gold(metrics, gold)
    headline = sum(t.headline for t in gold)
    found = sum(m.gold.headline for m in matched)
    benchmark = sum(labels_agree(m.metric.benchmark, m.gold.benchmark) for m in matched)
    subject = sum(labels_agree(m.metric.subject, m.gold.subject) for m in matched)
    return {
        "gold_headline_recall": found / headline if headline else None,
        "gold_precision": len(matched) / len(metrics) if metrics else None,
        "_gold_headline": float(headline),
        "_gold_headline_found": float(found),
        "_gold_matched": float(len(matched)),
        "_benchmark_agree": float(benchmark),
        "_subject_agree": float(subject),
    }
