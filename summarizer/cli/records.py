"""`summarize digest`, `export` and `results`: reading records back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from summarizer.cli.common import (
    RecordPaths,
    app,
    choice,
    existing,
    friendly,
    load_records,
    write_text,
)


@app.command()
@friendly
def digest(
    paths: RecordPaths,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="FILE", help="Write here, not stdout.")
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="markdown | html")
    ] = "markdown",
) -> None:
    """Render the records of RECORDS... as a daily digest (Markdown, or a standalone HTML page).

    RECORDS: `summarize extract` output files. Only grounded numbers, stated labels and prose
    sentences whose numbers the source writes are shown; records that do not verify are skipped.
    """
    from summarizer.records.render import render_html, render_markdown

    renderers = {"markdown": render_markdown, "html": render_html}
    render = renderers.get(fmt)
    if render is None:
        raise typer.BadParameter(f"{fmt!r} is not one of markdown, html", param_hint="--format")
    write_text(render(load_records(paths)), output)


@app.command()
@friendly
def export(
    paths: RecordPaths,
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", metavar="PATH", help="SQLite file, or folder for CSV and Parquet."
        ),
    ],
    fmt: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="csv | parquet | sqlite")
    ] = "sqlite",
) -> None:
    """Export the records of RECORDS... as two tables, papers and metrics.

    RECORDS: `summarize extract` output files.
    """
    from summarizer.cli.display import say
    from summarizer.records.export import TableFormat, tables, write

    data = tables(load_records(paths))
    written = write(data, output, choice(fmt, TableFormat, "--format"))
    say(f"{len(data.papers)} papers, {len(data.metrics)} metrics -> {', '.join(map(str, written))}")


@app.command()
@friendly
def results(
    query: Annotated[str, typer.Argument(metavar="QUERY", hidden=True)],
    paths: RecordPaths,
    fmt: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="table | csv | json")
    ] = "table",
    explain_it: Annotated[
        bool, typer.Option("--explain", help="Show how names were normalised to match.")
    ] = False,
    include_unstated: Annotated[
        bool,
        typer.Option(
            "--include-unstated", help="Also match names the paper's text does not state."
        ),
    ] = False,
) -> None:
    """Every grounded result on QUERY (a benchmark, metric or subject) in RECORDS..., newest first.

    QUERY: a name such as MATH-500 or "SWE-bench Verified"; spellings are normalised. Only
    names the paper's text states are matched, and only records whose claims verify are read.
    RECORDS: `summarize extract` output files.
    """
    from summarizer.cli.display import report, say
    from summarizer.records.results import ResultFormat, explain, render, results_in

    shown = choice(fmt, ResultFormat, "--format")
    found, problems = results_in(query, existing(paths), include_unstated)
    for problem in problems:
        report(problem)
    if explain_it:
        for line in explain(query, found):
            say(line)
    sys.stdout.write(render(found, shown))
    say(f"{len(found)} result(s) for {query!r}")
