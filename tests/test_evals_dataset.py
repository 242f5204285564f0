"""Evaluation datasets: both formats, and the shipped ones found by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from summarizer.errors import ConfigError
from summarizer.evals.dataset import find_dataset, load_dataset, shipped_datasets

DATASETS = Path(__file__).resolve().parent.parent / "evals" / "datasets"


def test_datasets_load_both_formats() -> None:
    digest = load_dataset(DATASETS / "seed_digest.md")
    pairs = load_dataset(DATASETS / "seed_abstracts.jsonl")
    assert len(digest) == len(pairs) == 20
    assert digest[0].item.text == digest[0].reference.text
    assert pairs[0].item.text.startswith("We introduce Qwen2.5-VL")
    assert pairs[0].reference.text.startswith("i) Qwen2.5-VL is a new")


def test_shipped_datasets_are_found_by_name_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # not the repository: the names come from the installed package
    assert {"seed_digest", "seed_abstracts", "pairs_dev40"} <= set(shipped_datasets())
    assert find_dataset("seed_digest").read_text() == (DATASETS / "seed_digest.md").read_text()
    with pytest.raises(ConfigError, match=r"no dataset 'nope'.*seed_abstracts"):
        find_dataset("nope")
