from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers import ARCHIVE_ROWS

from summarizer import Item, Problem
from summarizer.sources.digest import looks_like_digest, read_digest


def parse(path: Path) -> tuple[list[Item], list[Problem]]:
    entries = list(read_digest(path.read_text(encoding="utf-8"), str(path)))
    return (
        [e for e in entries if isinstance(e, Item)],
        [e for e in entries if isinstance(e, Problem)],
    )


@pytest.mark.parametrize(
    ("name", "rows"),
    ARCHIVE_ROWS,
)
def test_row_counts_of_archive_variants(fixtures: Path, name: str, rows: int) -> None:
    items, problems = parse(fixtures / name)
    assert len(items) == rows
    assert problems == []
    assert all(i.arxiv_id and i.title and i.text for i in items)


def test_four_column_table_takes_id_from_link_cell(fixtures: Path) -> None:
    items, _ = parse(fixtures / "2024-09-05.md")
    first = items[0]
    assert first.arxiv_id == "2409.02889"
    assert first.title.startswith("LongLLaVA: Scaling Multi-modal LLMs")
    assert first.authors[0] == "Benyou Wang"
    assert "[Read more]" not in first.text
    assert first.digest_date == date(2024, 9, 5)


def test_links_appended_to_title_are_removed(fixtures: Path) -> None:
    items, _ = parse(fixtures / "2024-09-09.md")
    assert items[0].title == (
        "How Do Your Code LLMs Perform? Empowering Code Instruction Tuning with High-Quality Data"
    )
    assert items[0].arxiv_id == "2409.03810"


def test_wrapped_titles_join_continuation_lines(fixtures: Path) -> None:
    items, _ = parse(fixtures / "2025-03-11.md")
    assert items[0].title == (
        "Feature-Level Insights into Artificial Text Detection with Sparse Autoencoders"
    )
    assert items[0].location.line == 7
    assert items[1].location.line == 9


def test_empty_author_cells_give_empty_lists(fixtures: Path) -> None:
    items, _ = parse(fixtures / "2025-10-30.md")
    assert items[0].authors == []
    assert sum(not i.authors for i in items) >= 10


def test_seed_digest_fields(fixtures: Path) -> None:
    items, _ = parse(fixtures / "seed_digest.txt")
    qwen = items[0]
    assert qwen.kind == "digest"
    assert qwen.arxiv_id == "2502.13923"
    assert qwen.title == "Qwen2.5-VL Technical Report"
    assert qwen.authors == ["Keqin Chen", "Shuai Bai", "xhyandwyy", "darkpromise", "ayumiymk"]
    assert qwen.text.startswith("i) Qwen2.5-VL is a new vision-language model")
    assert qwen.digest_date == date(2025, 2, 20)
    assert qwen.location.path.endswith("seed_digest.txt")


def test_pipe_in_summary_preamble_italics_and_spaces(fixtures: Path) -> None:
    items, _ = parse(fixtures / "variants.md")
    first = items[0]
    assert first.text == (
        "The model reaches 81.2% F1 | a 3.4 point gain over the baseline. It uses sparse "
        "attention and $O(n \\log n)$ memory."
    )
    assert first.digest_date == date(2025, 1, 15)


def test_unparseable_row_is_a_problem_with_its_line(fixtures: Path) -> None:
    items, problems = parse(fixtures / "variants.md")
    assert len(items) == 3  # duplicates are kept: `read` emits every row
    assert [p.location.line for p in problems] == [9]
    assert "expected 3" in problems[0].message
    assert items[1].arxiv_id == items[2].arxiv_id == "2501.00002"


def test_empty_digest_is_a_warning(fixtures: Path) -> None:
    items, problems = parse(fixtures / "empty_digest.md")
    assert items == []
    assert [p.severity for p in problems] == ["warning"]


def test_digest_detection() -> None:
    assert looks_like_digest("## Papers for 2025-01-01\n")
    assert looks_like_digest("| Title | Authors | Summary |\n|---|---|---|\n")
    assert not looks_like_digest("We introduce a model. It is good.")


def test_rows_without_their_leading_pipe_are_read() -> None:
    text = (
        "## Papers for 2025-02-20\n\n"
        "Title | Authors | Summary\n"
        "---|---|---\n"
        "| First paper | A. One | It reports 74.8% accuracy. |\n"
        "Second paper | B. Two | It runs 3x faster. |\n"
        "Third paper | C. Three | Its error drops by 12%.\n"
    )
    entries = list(read_digest(text, "d.md"))
    assert [e.title for e in entries if isinstance(e, Item)] == [
        "First paper",
        "Second paper",
        "Third paper",
    ]
    assert not [e for e in entries if isinstance(e, Problem)]


def test_a_paragraph_after_the_table_is_not_a_row() -> None:
    text = "| Title | Authors | Summary |\n|---|---|---|\n| A | B | C. |\n\nSee a | b.\n"
    entries = list(read_digest(text, "d.md"))
    assert [e.title for e in entries if isinstance(e, Item)] == ["A"]
    assert not [e for e in entries if isinstance(e, Problem)]


def test_a_paper_titled_title_is_a_paper_not_a_header() -> None:
    text = (
        "| Title | Authors | Summary |\n|---|---|---|\n"
        "| Title | Summary | A Summary of 3% gains. |\n"
        "| Next | B | It works. |\n"
    )
    found = list(read_digest(text, "d.md"))
    assert [getattr(e, "title", None) for e in found] == ["Title", "Next"]
    # A header with a separator row after it still opens a new table.
    again = text + "| Title | Link | Summary |\n|---|---|---|\n| C | x | Y. |\n"
    assert [getattr(e, "title", None) for e in read_digest(again, "d.md")][-1] == "C"


def test_a_header_without_a_summary_column_says_so() -> None:
    (problem, *_) = read_digest(
        "| Title | Authors | Summary notes |\n|---|---|---|\n| A | B | C |\n", "d.md"
    )
    assert "names no Summary column" in str(problem)
