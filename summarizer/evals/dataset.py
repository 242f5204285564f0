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


def _references(path: Path) -> dict[str, str]:
    """Each pair's digest summary by arXiv id; a line that is not a pair is a `ConfigError`
    naming file and line (a dataset is the yardstick: scoring part of it would mislead)."""
    references: dict[str, str] = {}
    try:
        with path.open("rb") as lines:
            for number, raw in enumerate(lines, 1):
                if raw.strip():
                    references.update([_pair(raw, f"{path}:{number}")])
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    return references


def _pair(raw: bytes, where: str) -> tuple[str, str]:
    try:
        row = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not JSON, or a number too long
        raise ConfigError(f"{where}: not a JSON line of UTF-8 text") from None
    if not isinstance(row, dict):
        raise ConfigError(f"{where}: not a JSON object (a pair has arxiv_id, digest_summary)")
    arxiv_id, summary = row.get("arxiv_id"), row.get("digest_summary")
    if not isinstance(arxiv_id, str) or not isinstance(summary, str):
        raise ConfigError(f"{where}: a pair needs arxiv_id and digest_summary as strings")
    return arxiv_id, summary


def _pairs(path: Path) -> list[Case]:
    gold = load_gold(gold_path(path)) if gold_path(path).is_file() else None
    references = _references(path)
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
