"""Evaluation datasets: the cases to extract from, each with a person's summary to score against.

A dataset is a list of cases: a source item to extract from, a reference summary and, where the
dataset has a gold file beside it (`NAME.gold.jsonl`, see `gold`), the result tuples its source
states. Cases come from pairs files (`arxiv_id, title, abstract, digest_summary`: extract from
the abstract) or from digest markdown (extract from the summary itself, which is also the
reference). The datasets the toolkit ships are package data, found by name wherever it is
installed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from summarizer.errors import ConfigError
from summarizer.evals.gold import GoldTuple, gold_path, load_gold
from summarizer.evals.reference import Reference, parse_reference
from summarizer.item import Item
from summarizer.sources import read


@dataclass(frozen=True)
class Case:
    """One evaluation case: what to extract from, and what a person wrote about it."""

    id: str
    item: Item
    reference: Reference
    # None when the case is not annotated; () when its source states no result or size.
    gold: tuple[GoldTuple, ...] | None = None


def shipped_datasets() -> dict[str, Path]:
    """The datasets installed with the toolkit, by name (file stem)."""
    folder = resources.files("summarizer.evals.datasets")
    return {
        Path(entry.name).stem: Path(str(entry))
        for entry in folder.iterdir()
        if entry.name.endswith((".jsonl", ".md"))
        and not entry.name.endswith(".gold.jsonl")
        and entry.name != "README.md"
    }


def find_dataset(name: str) -> Path:
    """`name` as a file if it is one, else the shipped dataset of that name."""
    path = Path(name)
    if path.exists():
        return path
    shipped = shipped_datasets()
    if name in shipped:
        return shipped[name]
    raise ConfigError(
        f"no dataset {name!r}: give a file, or one of the shipped datasets: "
        f"{', '.join(sorted(shipped))}"
    )


def load_dataset(path: Path) -> list[Case]:
    """Cases from a pairs JSONL file or from digest markdown (see module docstring). Case ids
    are unique: a paper listed again (the same arXiv id on another day) gets `ID#2`."""
    cases = _pairs(path) if path.suffix in {".jsonl", ".json"} else _digest(path)
    seen: dict[str, int] = {}
    for at, case in enumerate(cases):
        seen[case.id] = seen.get(case.id, 0) + 1
        if seen[case.id] > 1:
            cases[at] = replace(case, id=f"{case.id}#{seen[case.id]}")
    return cases


def _digest(path: Path) -> list[Case]:
    return [
        Case(
            id=item.arxiv_id or str(item.location), item=item, reference=parse_reference(item.text)
        )
        for item in read([path]).items
    ]


def _pairs(path: Path) -> list[Case]:
    gold = load_gold(gold_path(path)) if gold_path(path).is_file() else None
    references = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            references[row["arxiv_id"]] = row["digest_summary"]
    return [
        Case(
            id=item.arxiv_id or "",
            item=item,
            reference=parse_reference(references[item.arxiv_id]),
            gold=(gold or {}).get(item.arxiv_id or ""),
        )
        for item in read([path]).items
        if item.arxiv_id in references
    ]
