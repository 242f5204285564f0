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
    # The gold tuples and the README lie beside the datasets but are none.
    assert set(shipped_datasets()) == {"seed_digest", "seed_abstracts", "pairs_dev40", "pairs_dev"}
    assert find_dataset("seed_digest").read_text() == (DATASETS / "seed_digest.md").read_text()
    with pytest.raises(ConfigError, match=r"no dataset 'nope'.*seed_abstracts"):
        find_dataset("nope")


def test_a_dataset_with_a_gold_file_gives_each_case_its_tuples(tmp_path: Path) -> None:
    cases = load_dataset(DATASETS / "pairs_dev40.jsonl")
    assert all(case.gold is not None for case in cases)
    assert sum(len(case.gold or ()) for case in cases) == 83
    assert sum(not case.gold for case in cases) == 15
    assert all(case.gold is None for case in load_dataset(DATASETS / "seed_abstracts.jsonl"))
    (tmp_path / "mine.jsonl").write_text((DATASETS / "seed_abstracts.jsonl").read_text())
    (tmp_path / "mine.gold.jsonl").write_text('{"arxiv_id": "x", "tuples": [{"quote": 1}]}\n')
    with pytest.raises(ConfigError, match=r"mine\.gold\.jsonl:1: not a gold line"):
        load_dataset(tmp_path / "mine.jsonl")


@pytest.mark.parametrize(
    ("line", "why"),
    [
        ('{"arxiv_id": "1", "abstract": "We gain 5%."}', "needs arxiv_id and digest_summary"),
        ('{"arxiv_id": "1", "abstract": "x", "digest_summary": 5}', "as strings"),
        ("[1, 2]", "not a JSON object"),
        ("not json", "not a JSON line"),
    ],
)
def test_a_malformed_pairs_line_is_one_clear_error(line: str, why: str, tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    good = (DATASETS / "seed_abstracts.jsonl").read_text().splitlines()[0]
    path.write_text(f"{good}\n{line}\n")
    with pytest.raises(ConfigError, match=rf"pairs\.jsonl:2: .*{why}"):
        load_dataset(path)
