from __future__ import annotations

import io
from pathlib import Path

import pytest

from summarizer import read


def test_directory_is_walked_and_files_recognised_by_content(fixtures: Path) -> None:
    reading = read([fixtures])
    kinds = {(Path(i.location.path).name, i.kind) for i in reading.items}
    assert ("seed_digest.txt", "digest") in kinds  # a .txt digest, recognised by its table
    assert ("2502.13347.txt", "abstract") in kinds
    assert ("arxiv_api.xml", "abstract") in kinds
    by_file: dict[str, int] = {}
    for item in reading.items:
        name = Path(item.location.path).name
        by_file[name] = by_file.get(name, 0) + 1
    assert by_file["2025-03-11.md"] == 39
    assert by_file["seed_abstracts.jsonl"] == 20
    assert reading.skipped == 4  # three bad JSONL lines and one broken table row


def test_seed_folder(fixtures: Path) -> None:
    reading = read([fixtures.parent.parent / "seeds"])
    assert len(reading.items) == 20
    assert reading.problems == []


def test_binary_and_non_utf8_files_are_skipped_with_location(tmp_path: Path) -> None:
    (tmp_path / "weights.json").write_bytes(b"\x00\x01\x02binary")
    (tmp_path / "latin1.txt").write_bytes(b"An abstract.\nCaf\xe9 results.\n")
    (tmp_path / "good.txt").write_text("We study things. It works.\n")
    reading = read([tmp_path])
    assert [i.text for i in reading.items] == ["We study things. It works."]
    messages = sorted(str(p) for p in reading.problems)
    assert messages[0].startswith(f"{tmp_path / 'latin1.txt'}:2: error: not UTF-8")
    assert messages[1].startswith(f"{tmp_path / 'weights.json'}:1: error: binary file")


def test_missing_path_is_a_problem(tmp_path: Path) -> None:
    reading = read([tmp_path / "nope.md"])
    assert reading.items == []
    assert reading.problems[0].message == "no such file"


def test_stdin(monkeypatch: pytest.MonkeyPatch, fixtures: Path) -> None:
    text = (fixtures / "2024-09-09.md").read_text()
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    reading = read(["-"])
    assert len(reading.items) == 5
    assert reading.items[0].location.path == "<stdin>"
