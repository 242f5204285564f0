"""Export to CSV, Parquet and SQLite: each opened with its own library and counted."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from helpers import ROOT, rules_lines, seed_rows, write_lines
from typer.testing import CliRunner

from summarizer import Record, read_lines
from summarizer.cli import app
from summarizer.errors import OutputError
from summarizer.records.export import METRIC_COLUMNS, PAPER_COLUMNS, tables

SEED_RECORDS = ROOT / "evals" / "predictions" / "seed_digest.local.jsonl"
runner = CliRunner()
RECORDS = [line for line in read_lines(SEED_RECORDS).lines if isinstance(line, Record)]
METRICS = sum(len(r.headline_metrics) for r in RECORDS)


def export(fmt: str, out: Path) -> None:
    result = runner.invoke(app, ["export", str(SEED_RECORDS), "--format", fmt, "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert f"20 papers, {METRICS} metrics" in result.stderr


def test_sqlite_holds_both_tables(tmp_path: Path) -> None:
    db = tmp_path / "seed.db"
    export("sqlite", db)
    export("sqlite", db)  # exporting again replaces, never duplicates
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM papers").fetchone() == (20,)
        assert connection.execute("SELECT count(*) FROM metrics").fetchone() == (METRICS,)
        joined = connection.execute(
            "SELECT p.arxiv_id, m.value_text, m.grounded FROM metrics m "
            "JOIN papers p ON p.key = m.paper_key ORDER BY p.rowid, m.rowid LIMIT 1"
        ).fetchone()
    first = RECORDS[0]
    assert joined == (first.source.arxiv_id, first.headline_metrics[0].value_text, 1)


def test_parquet_and_csv_hold_the_same_rows(tmp_path: Path) -> None:
    export("parquet", tmp_path / "pq")
    export("csv", tmp_path / "csv")
    papers = pq.read_table(tmp_path / "pq" / "papers.parquet")
    metrics = pq.read_table(tmp_path / "pq" / "metrics.parquet")
    assert (papers.num_rows, metrics.num_rows) == (20, METRICS)
    assert papers.column_names == list(PAPER_COLUMNS)
    assert metrics.column_names == list(METRIC_COLUMNS)
    with (tmp_path / "csv" / "metrics.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == METRICS
    assert rows[0]["value_text"] == metrics.column("value_text")[0].as_py()


def test_the_python_api_gives_rows_and_dataframes() -> None:
    data = tables(RECORDS + RECORDS[:3])  # a record seen twice is exported once
    assert (len(data.papers), len(data.metrics)) == (20, METRICS)
    assert data.papers[0]["title"] == RECORDS[0].source.title
    papers, metrics = data.to_pandas()
    assert papers.shape == (20, len(PAPER_COLUMNS))
    assert metrics["grounded"].all()


def test_an_unknown_format_names_the_option(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(SEED_RECORDS), "--format", "xlsx", "-o", "x"])
    assert result.exit_code == 2
    assert "--format" in result.stderr


def test_parquet_without_pyarrow_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util  # noqa: PLC0415

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a)
    )
    result = runner.invoke(app, ["export", str(SEED_RECORDS), "--format", "parquet",
                                 "-o", str(tmp_path / "pq")])  # fmt: skip
    assert result.exit_code == 2
    assert "pip install 'summarizer[parquet]'" in result.stderr


def test_a_failed_sqlite_export_leaves_the_old_database_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from summarizer.records import export  # noqa: PLC0415

    records = [r for r in rules_lines(seed_rows()) if isinstance(r, Record)]
    db = tmp_path / "papers.db"
    export.write(export.tables(records), db, "sqlite")
    with sqlite3.connect(db) as before:
        counts = [before.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("papers", "metrics")]  # fmt: skip

    class Full(sqlite3.Connection):
        def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
            if "metrics" in sql:
                raise sqlite3.OperationalError("database or disk is full")
            return super().executemany(sql, rows)

    real = sqlite3.connect
    monkeypatch.setattr(sqlite3, "connect", lambda path: real(path, factory=Full))
    with pytest.raises(OutputError, match="disk is full"):
        export.write(export.tables(records[:3]), db, "sqlite")
    monkeypatch.undo()
    with sqlite3.connect(db) as after:
        assert [after.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("papers", "metrics")] == counts  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == ["papers.db"]


@pytest.mark.parametrize("target", ["records", "folder"])
def test_sqlite_export_to_what_is_no_database_is_one_line(target: str, tmp_path: Path) -> None:
    records = write_lines(tmp_path / "out.jsonl", rules_lines(seed_rows()[:2]))
    path = records if target == "records" else tmp_path
    before = records.read_bytes()
    result = CliRunner().invoke(app, ["export", str(records), "-o", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert records.read_bytes() == before
