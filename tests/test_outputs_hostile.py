"""Hostile record content through every output: digest (Markdown, HTML), export (CSV, SQLite,
Parquet) and results (table, CSV, JSON). No cell starts a formula, no markup or link is live,
no control character gets through, and each output reads back."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from summarizer import read
from summarizer.cli import app

runner = CliRunner()
BIG = "x" * 1_000_000
HOSTILE = [
    ('=HYPERLINK("http://evil","click")', ["+cmd|' /C calc'!A0"], "@SUM(1+1)"),
    ("<script>alert(1)</script>", ["-2+3"], "[click](javascript:alert(1)) and <img onerror=x>"),
    ("Title", ["Summary"], "Title | Authors | Summary\x00 with a NUL"),
    ("\tTabbed\r", ["A\x00B"], BIG[:150_000]),
    (BIG, [BIG], "A long one."),
]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    source = folder / "hostile.jsonl"
    with source.open("w", encoding="utf-8") as out:
        for n, (title, authors, prose) in enumerate(HOSTILE):
            abstract = f"{prose} Our model reaches 74.8% on MathVista and 3.1 points over GPT-4o."
            row = {"arxiv_id": f"2501.{n:05d}", "title": title, "authors": authors,
                   "abstract": abstract}  # fmt: skip
            out.write(json.dumps(row) + "\n")
    output = folder / "out.jsonl"
    run = runner.invoke(app, ["extract", str(source), "--provider", "rules", "-o", str(output)])
    assert run.exit_code == 0, run.stderr
    assert len(output.read_text().splitlines()) == len(HOSTILE)
    return output


# Markup or a link a Markdown viewer would act on: an unescaped "<", ">" or "](" (the digest's
# own arXiv and HuggingFace links aside).
LIVE = re.compile(r"(?<!\\)[<>]|(?<!\\)\]\((?!https://(?:arxiv\.org|huggingface\.co)/)")
csv.field_size_limit(10_000_000)  # the 1 MB fields


def _no_formula(cells: list[str]) -> None:
    for cell in cells:
        assert cell[:1] not in ("=", "+", "-", "@", "\t", "\r"), cell[:40]


def test_the_markdown_digest_is_inert_and_reads_back(records: Path, tmp_path: Path) -> None:
    digest = tmp_path / "digest.md"
    assert runner.invoke(app, ["digest", str(records), "-o", str(digest)]).exit_code == 0
    text = digest.read_text(encoding="utf-8")
    assert "\x00" not in text
    assert "\t" not in text
    assert LIVE.search(text) is None  # every <, >, [ and ] of a record is escaped
    back = read([digest])
    assert [p for p in back.problems if p.severity == "error"] == []
    assert len(back.items) == len(HOSTILE)  # "Title"/"Summary" rows are papers, not headers
    assert {item.title for item in back.items} >= {"Title", "<script>alert(1)</script>"}


def test_the_html_digest_has_no_live_markup(records: Path, tmp_path: Path) -> None:
    page = tmp_path / "digest.html"
    result = runner.invoke(app, ["digest", str(records), "--format", "html", "-o", str(page)])
    assert result.exit_code == 0
    text = page.read_text(encoding="utf-8")
    assert "<script>alert" not in text
    assert "<img onerror" not in text
    assert 'href="javascript:' not in text
    assert "\x00" not in text
    assert "&lt;script&gt;" in text


@pytest.mark.parametrize("form", ["csv", "parquet", "sqlite"])
def test_export_has_no_formula_cell_and_reads_back(
    records: Path, tmp_path: Path, form: str
) -> None:
    target = tmp_path / ("db.sqlite" if form == "sqlite" else "tables")
    result = runner.invoke(app, ["export", str(records), "--format", form, "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    if form == "csv":
        for name, rows in (("papers", 1 + len(HOSTILE)), ("metrics", None)):
            with (target / f"{name}.csv").open(encoding="utf-8", newline="") as file:
                table = list(csv.reader(file))
            assert rows is None or len(table) == rows
            _no_formula([cell for row in table for cell in row])
    elif form == "parquet":
        assert pq.read_table(target / "papers.parquet").num_rows == len(HOSTILE)
    else:
        with sqlite3.connect(target) as db:
            titles = {row[0] for row in db.execute("select title from papers")}
        assert "<script>alert(1)</script>" in titles
        assert len(titles) == len(HOSTILE)


def test_results_in_every_format_are_safe_and_read_back(records: Path) -> None:
    table = runner.invoke(app, ["results", "MathVista", str(records)])
    assert table.exit_code == 0
    assert LIVE.search(table.stdout.replace("](https://", "")) is None
    assert "\x00" not in table.stdout
    as_json = runner.invoke(app, ["results", "MathVista", str(records), "--format", "json"])
    found = json.loads(as_json.stdout)
    assert len({r["title"] for r in found}) == len(HOSTILE)  # every paper's 74.8%, at least
    assert len(table.stdout.splitlines()) == 2 + len(found)  # one table line a result
    as_csv = runner.invoke(app, ["results", "MathVista", str(records), "--format", "csv"])
    rows = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 1 + len(found)
    _no_formula([cell for row in rows for cell in row])
