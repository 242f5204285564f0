"""CSV cells that a spreadsheet cannot run as formulas, through export and results."""

from __future__ import annotations

import csv
from pathlib import Path

from helpers import rules_lines, write_lines
from typer.testing import CliRunner

from summarizer import Item, Location, Record
from summarizer.cli import app
from summarizer.text.spreadsheet import safe_cell

HOSTILE = ['=HYPERLINK("http://x.test","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1"]


def test_formula_cells_are_text_and_numbers_stay_numbers() -> None:
    assert [safe_cell(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert [safe_cell(v) for v in ("-2.1", "+3.15%", "74.8", "MathVista", 3.5, None)] == [
        "-2.1", "+3.15%", "74.8", "MathVista", 3.5, None,
    ]  # fmt: skip


def test_no_cell_of_export_or_results_csv_can_run(tmp_path: Path) -> None:
    items = [
        Item(kind="abstract", title=title, authors=[title], text=f"{title} reaches 74.8% on MATH.",
             location=Location(path="x", line=n))
        for n, title in enumerate(HOSTILE, 1)
    ]  # fmt: skip
    records = [r for r in rules_lines(items) if isinstance(r, Record)]
    out = write_lines(tmp_path / "out.jsonl", list(records))
    runner = CliRunner()
    assert (
        runner.invoke(app, ["export", str(out), "--format", "csv", "-o", str(tmp_path)]).exit_code
        == 0
    )
    found = runner.invoke(app, ["results", "MATH", str(out), "--format", "csv"])
    assert found.exit_code == 0, found.stderr
    (tmp_path / "results.csv").write_text(found.stdout)
    cells = [
        cell
        for name in ("papers.csv", "metrics.csv", "results.csv")
        for row in csv.reader((tmp_path / name).read_text(encoding="utf-8").splitlines())
        for cell in row
    ]
    assert sum(c.startswith("'=") or c.startswith("'+") or c.startswith("'@") for c in cells) > 5
    assert [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))] == []
