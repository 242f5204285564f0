"""Records as two tables, `papers` and `metrics`, for spreadsheets, dataframes and SQL.

`papers` has one row per record, `metrics` one row per headline metric (`paper_key` joins them).
Written as CSV (a folder holding `papers.csv` and `metrics.csv`), Parquet (the same, through
`pyarrow`, the optional `[parquet]` extra) or one SQLite database through the standard library,
which `sqlite3`, `datasette` and `sqlite-utils` open as it is.
"""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import os
import shutil
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from summarizer.errors import ConfigError, OutputError
from summarizer.records.schema import Record
from summarizer.text.spreadsheet import safe_row

TableFormat = Literal["csv", "parquet", "sqlite"]
Row = dict[str, Any]

# Column name -> SQLite type; the order is the tables' column order.
PAPER_COLUMNS = {
    "key": "TEXT PRIMARY KEY",
    "arxiv_id": "TEXT",
    "title": "TEXT",
    "authors": "TEXT",
    "digest_date": "TEXT",
    "one_line_summary": "TEXT",
    "objective": "TEXT",
    "implications": "TEXT",
    # Numbers of the prose that no source sentence writes, "FIELD: NUMBER; ..." ("" when none).
    "unstated_prose_numbers": "TEXT",
    "provider": "TEXT",
    "model": "TEXT",
    "prompt_id": "TEXT",
    "prompt_tokens": "INTEGER",
    "completion_tokens": "INTEGER",
    "created_at": "TEXT",
}
METRIC_COLUMNS = {
    "paper_key": "TEXT REFERENCES papers(key)",
    "metric": "TEXT",
    "value": "REAL",
    "value_text": "TEXT",
    "unit": "TEXT",
    "benchmark": "TEXT",
    "subject": "TEXT",
    "comparison": "TEXT",
    "grounded": "INTEGER",
    # The labels the paper's text does not state, comma-separated ("" when all are stated).
    "unstated_labels": "TEXT",
    "evidence_sentence": "INTEGER",
    "evidence_text": "TEXT",
    "evidence_start": "INTEGER",
    "evidence_end": "INTEGER",
}


@dataclass
class Tables:
    """The two tables as lists of rows (dicts keyed by column)."""

    papers: list[Row] = field(default_factory=list)
    metrics: list[Row] = field(default_factory=list)

    def to_pandas(self) -> tuple[Any, Any]:
        """The two tables as pandas DataFrames (needs pandas)."""
        if importlib.util.find_spec("pandas") is None:
            raise ConfigError("DataFrames need pandas: pip install pandas")
        import pandas as pd  # noqa: PLC0415 - optional, imported when asked for

        papers = pd.DataFrame(self.papers, columns=list(PAPER_COLUMNS))
        metrics = pd.DataFrame(self.metrics, columns=list(METRIC_COLUMNS))
        return papers, metrics


def tables(records: Iterable[Record]) -> Tables:
    """`papers` and `metrics` rows for `records`; a key seen twice is exported once."""
    out = Tables()
    seen: set[str] = set()
    for record in records:
        if record.key in seen:
            continue
        seen.add(record.key)
        out.papers.append(_paper(record))
        out.metrics += [_metric(record.key, m) for m in record.headline_metrics]
    return out


def _paper(record: Record) -> Row:
    source, provenance = record.source, record.provenance
    return {
        "key": record.key,
        "arxiv_id": source.arxiv_id,
        "title": source.title,
        "authors": ", ".join(source.authors),
        "digest_date": source.digest_date.isoformat() if source.digest_date else None,
        "one_line_summary": record.one_line_summary,
        "objective": record.objective,
        "implications": " ".join(record.implications),
        "unstated_prose_numbers": "; ".join(record.grounding.unstated_prose_numbers),
        "provider": provenance.provider,
        "model": provenance.model,
        "prompt_id": provenance.prompt_id,
        "prompt_tokens": provenance.usage.prompt_tokens,
        "completion_tokens": provenance.usage.completion_tokens,
        "created_at": record.created_at.isoformat(),
    }


def _metric(key: str, metric: Any) -> Row:
    first = metric.evidence[0] if metric.evidence else None
    return {
        "paper_key": key,
        "metric": metric.metric,
        "value": metric.value,
        "value_text": metric.value_text,
        "unit": metric.unit,
        "benchmark": metric.benchmark,
        "subject": metric.subject,
        "comparison": metric.comparison,
        "grounded": metric.grounded,
        "unstated_labels": ",".join(metric.unstated_labels),
        "evidence_sentence": first.sentence if first else None,
        "evidence_text": first.text if first else None,
        "evidence_start": first.start if first else None,
        "evidence_end": first.end if first else None,
    }


def write(data: Tables, path: Path, fmt: TableFormat) -> list[Path]:
    """Write `data` as `fmt` to `path` (a folder for CSV and Parquet, a file for SQLite);
    returns the files written."""
    try:
        if fmt == "sqlite":
            return [_write_sqlite(data, path)]
        path.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            return [_write_csv(rows, path / f"{name}.csv", columns) for name, rows, columns in
                    _named(data)]  # fmt: skip
        return _write_parquet(data, path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _named(data: Tables) -> list[tuple[str, list[Row], dict[str, str]]]:
    return [("papers", data.papers, PAPER_COLUMNS), ("metrics", data.metrics, METRIC_COLUMNS)]


def _write_csv(rows: list[Row], file: Path, columns: dict[str, str]) -> Path:
    with file.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(safe_row(row) for row in rows)
    return file


def _write_parquet(data: Tables, folder: Path) -> list[Path]:
    if importlib.util.find_spec("pyarrow") is None:
        raise ConfigError(
            "writing Parquet needs pyarrow: pip install 'summarizer[parquet]' "
            "(or export --format csv or sqlite, which need nothing more)"
        )
    import pyarrow as pa  # noqa: PLC0415 - optional, imported when asked for
    import pyarrow.parquet as pq  # noqa: PLC0415

    files = []
    for name, rows, columns in _named(data):
        table = pa.Table.from_pylist(rows, schema=_arrow_schema(pa, columns))
        file = folder / f"{name}.parquet"
        pq.write_table(table, file)
        files.append(file)
    return files


def _arrow_schema(pa: Any, columns: dict[str, str]) -> Any:
    kinds = {"TEXT": pa.string(), "INTEGER": pa.int64(), "REAL": pa.float64()}
    fields = []
    for name, sql in columns.items():
        kind = kinds[sql.split()[0]]
        fields.append(pa.field(name, pa.bool_() if name == "grounded" else kind))
    return pa.schema(fields)


_SQLITE_HEADER = b"SQLite format 3\x00"


def _write_sqlite(data: Tables, file: Path) -> Path:
    """Both tables into `file`, whole or not at all: written into a copy of the database (its
    other tables kept) that then replaces it, so a failure (a full disk) leaves the old one."""
    if file.is_dir():
        raise OutputError(f"{file} is a folder; --format sqlite writes one database file")
    if file.exists() and not _is_database(file):
        raise OutputError(
            f"{file} is not a SQLite database; give -o a new file or a database to update"
        )
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(f".{file.name}.tmp")
    try:
        if file.exists():
            shutil.copyfile(file, tmp)
        # closing() closes the connection; the connection as a context manager commits.
        with contextlib.closing(sqlite3.connect(tmp)) as db, db:
            for name, rows, columns in _named(data):
                db.execute(f"DROP TABLE IF EXISTS {name}")
                definition = ", ".join(f"{column} {kind}" for column, kind in columns.items())
                db.execute(f"CREATE TABLE {name} ({definition})")
                marks = ", ".join("?" for _ in columns)
                db.executemany(
                    f"INSERT INTO {name} VALUES ({marks})",
                    ([row[c] for c in columns] for row in rows),
                )
            db.execute("CREATE INDEX IF NOT EXISTS metrics_paper ON metrics(paper_key)")
        os.replace(tmp, file)
    except sqlite3.Error as exc:
        raise OutputError(f"cannot write {file}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return file


def _is_database(file: Path) -> bool:
    """Whether `file` is a regular file that is empty or a SQLite database."""
    if not file.is_file():
        return False
    with file.open("rb") as head:
        start = head.read(len(_SQLITE_HEADER))
    return start in {b"", _SQLITE_HEADER}
