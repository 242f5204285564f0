"""`summarize`: a thin command-line shell over the public API.

This module holds the entry point and the commands that read and extract; `cli.records` and
`cli.batch` add theirs to the same app.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from summarizer.cli.common import (
    BaseUrlOpt,
    BudgetOpt,
    CacheOpt,
    ItemStream,
    ModelOpt,
    ModelPathOpt,
    ModeOpt,
    OptionOpt,
    Paths,
    PromptOpt,
    ProviderOpt,
    RunUnlessCommand,
    app,
    existing,
    friendly,
    model_settings,
    read_items,
    show_progress_logs,
)

__all__ = ["app", "main"]

_terminated = False


def _on_signal(signum: int, _: object) -> None:
    """The first Ctrl-C or SIGTERM unwinds: finished lines are kept, the server is stopped and
    the resume hint printed. A second one quits at once rather than interrupting that clean-up
    with a traceback (every finished line is already on disk)."""
    global _terminated  # noqa: PLW0603 - read once, by the interrupt message
    _terminated = _terminated or signum == signal.SIGTERM
    signal.signal(signal.SIGINT, _quit_now)
    signal.signal(signal.SIGTERM, _quit_now)
    raise KeyboardInterrupt


def _quit_now(signum: int, _: object) -> None:
    os._exit(128 + signum)


def main() -> None:
    """Entry point of the `summarize` console script."""
    # Failed items are reported as error lines; instructor's own log lines would repeat them.
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    # `kill PID` unwinds like Ctrl-C, so the embedded server is stopped and output closed.
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    app()


@app.command()
@friendly
def read(paths: Paths) -> None:
    """Print one JSON line per item (digest row, abstract) found in PATH...

    PATH: files or folders to read (folders recursively); '-' reads standard input.
    """
    from summarizer.cli.display import say

    items, skipped = read_items(paths)
    sys.stdout.writelines(item.model_dump_json() + "\n" for item in items)
    if skipped:
        say(f"skipped {skipped} unreadable item(s)")
        raise typer.Exit(1)


@app.command()
@friendly
def extract(
    paths: Paths,
    output: Annotated[
        Path, typer.Option("-o", "--output", metavar="FILE", help="JSONL file to append to.")
    ] = Path("summaries.jsonl"),
    provider: ProviderOpt = "auto",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    model_path: ModelPathOpt = None,
    mode: ModeOpt = "auto",
    concurrency: Annotated[
        int | None, typer.Option(metavar="N", help="Items in flight at once.")
    ] = None,
    limit: Annotated[int | None, typer.Option(metavar="N", help="Only the first N items.")] = None,
    max_tokens: Annotated[
        int | None, typer.Option(metavar="N", help="Completion token limit.")
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            help="Limit per request, body included [default: 180; 600 for the embedded model].",
        ),
    ] = None,
    item_timeout: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS", help="Limit per item over all its requests [default: 3 x timeout]."
        ),
    ] = None,
    option: OptionOpt = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run items that failed before once more.")
    ] = False,
    metrics_only: Annotated[
        bool,
        typer.Option("--metrics-only", help="Ask only for headline metrics (faster bulk runs)."),
    ] = False,
    prompt: PromptOpt = None,
    cache: CacheOpt = False,
    budget: BudgetOpt = None,
) -> None:
    """Extract one record per item of PATH... into OUTPUT; re-running resumes where it stopped.

    PATH: files or folders to read (folders recursively); '-' reads standard input.

    Exit status: 0 when every item has a record, 1 when some failed (now or earlier) or were
    unreadable, 2 for bad settings, 3 when the endpoint or --budget stopped the run, 130 on
    Ctrl-C.
    """
    from summarizer.cli.display import Bar, error, say
    from summarizer.pipeline import extract_many
    from summarizer.providers import resolve_provider

    if limit is not None and limit < 0:
        raise typer.BadParameter("must be 0 or more", param_hint="--limit")
    show_progress_logs()
    settings = model_settings(
        *(provider, mode, option, model, base_url, model_path, prompt, cache, budget),
        concurrency=concurrency,
        max_tokens=max_tokens,
        timeout_s=timeout,
        item_timeout_s=item_timeout,
        metrics_only=metrics_only or None,
    )
    stream = ItemStream(paths)
    items = itertools.islice(stream, limit)
    bar = Bar(resolve_provider(settings), output)
    try:
        # Lines are counted, not kept: memory is bounded by the work in flight, not the input.
        result = extract_many(
            items, settings, output=output, retry_failed=retry_failed, progress=bar, keep=False
        )
    except KeyboardInterrupt:
        bar.stop()
        left = bar.total - bar.finished
        say(
            f"interrupted: {bar.finished} finished this run and kept in {output}, {left} left. "
            "Run the same command to resume."
        )
        raise typer.Exit(143 if _terminated else 130) from None
    finally:
        bar.stop()
    summary = result.summary
    say(f"{summary}, unreadable {stream.skipped} -> {output}")
    if result.stopped is not None:
        error("stopped", str(result.stopped))
        raise typer.Exit(3)
    if not summary.complete or stream.skipped:
        raise typer.Exit(1)


evaluation = typer.Typer(
    cls=RunUnlessCommand,
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Score extractions (eval DATASET..., short for eval run) or compare two reports.\n\n"
    "DATASET: names in evals/datasets/ (seed_digest, seed_abstracts, pairs_dev40, pairs_dev) "
    "or files of your own.",
)
app.add_typer(evaluation, name="eval")


@evaluation.command("run")
@friendly
def eval_(
    datasets: Annotated[
        list[str],
        typer.Argument(metavar="DATASET", hidden=True),
    ],
    provider: ProviderOpt = "auto",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    model_path: ModelPathOpt = None,
    mode: ModeOpt = "auto",
    option: OptionOpt = None,
    prompt: PromptOpt = None,
    predictions: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Score this extract output instead of extracting."),
    ] = None,
    out: Annotated[Path, typer.Option(metavar="DIR", help="Folder for the report folders.")] = Path(
        "reports"
    ),
    baseline: Annotated[
        Path | None,
        typer.Option(
            metavar="PATH", help="Baseline file, or folder of DATASET.PROVIDER.json files."
        ),
    ] = None,
    bless: Annotated[bool, typer.Option("--bless", help="Rewrite the baseline.")] = False,
    cache: CacheOpt = False,
    budget: BudgetOpt = None,
) -> None:
    """Score extractions against the digests' summaries and gold tuples; gate on a baseline.

    Exit status 1 when a check fails (a record breaks a promise) or a gated score regresses.

    DATASET: names in evals/datasets/ (seed_digest, seed_abstracts, pairs_dev40, pairs_dev)
    or files of your own; `summarize eval DATASET...` is short for this command.
    """
    from summarizer.cli.display import error, say
    from summarizer.evals.dataset import find_dataset
    from summarizer.evals.gate import gate
    from summarizer.evals.report import report_folder, report_markdown, write_reports
    from summarizer.evals.run import evaluate

    show_progress_logs()
    settings = model_settings(
        provider, mode, option, model, base_url, model_path, prompt, cache, budget
    )
    if predictions is not None:
        existing([predictions])
    command = "summarize eval " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "summarize eval"
    failed: list[str] = []
    broken: list[str] = []
    for name in datasets:
        report = evaluate(find_dataset(name), settings, predictions, command)
        folder, replaced = report_folder(out, report)
        write_reports(report, folder)
        again = " (replaced the earlier report of the same run)" if replaced else ""
        say(f"{report.dataset}: {len(report.cases)} cases -> {folder}/report.html{again}")
        sys.stdout.write(report_markdown(report).split("## Worst cases")[0])
        broken += [
            f"{report.dataset}: {name}: {v}" for name, found in report.checks.items() for v in found
        ]
        if baseline is None:
            continue
        target, found = gate(report, baseline, bless_it=bless)
        failed += [f"{report.dataset}: {r}" for r in found]
        if bless:
            say(f"baseline written: {target}")
        elif not found:
            say(f"{report.dataset}: baseline OK ({target})")
    for line in broken:
        error("check failed", line)
    for line in failed:
        error("regression", line)
    if failed or broken:
        raise typer.Exit(1)


@evaluation.command("compare")
@friendly
def compare_(
    report_a: Annotated[Path, typer.Argument(metavar="REPORT_A", hidden=True)],
    report_b: Annotated[Path, typer.Argument(metavar="REPORT_B", hidden=True)],
    changed: Annotated[
        int, typer.Option(metavar="N", min=0, help="How many cases that changed most to list.")
    ] = 5,
) -> None:
    """Compare two report folders (or report.json files), B against A, paired by case id.

    Each aggregate on the shared cases, the difference B - A with a paired bootstrap 95%
    interval, and `better` or `worse` only where that interval excludes 0; then the cases
    that changed most.
    """
    from summarizer.evals.report import compare, load_report

    sys.stdout.write(compare(load_report(report_a), load_report(report_b), changed=changed))


# Imported here, not at the top, so that help lists the commands in the order of a workflow:
# read, extract, eval, then digest, export, results, batch, then the utilities below.
from summarizer.cli import records  # noqa: E402, F401, I001 - its commands join the app
from summarizer.cli import batch  # noqa: E402, F401 - its commands join the app


@app.command("log")
@friendly
def log_(
    run: Annotated[
        str | None,
        typer.Option(metavar="RUN", help="Show this run's items ('last': the latest run)."),
    ] = None,
    ledger: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="The call log [default: SUMMARIZE_LEDGER or cache]."),
    ] = None,
) -> None:
    """Show what model calls cost: each run's calls, tokens and cache hits, or one run's items.

    Tokens are what the completions report; those answered from the cache (--cache) count in
    records as when first made, and in SPENT not at all.
    """
    from summarizer.config import Settings
    from summarizer.providers.ledger import ledger_path, read_totals

    path = ledger_path(Settings(ledger=ledger))
    if path is None:
        raise typer.BadParameter("the call log is off (SUMMARIZE_LEDGER=off)")
    rows = read_totals(path, run)
    first = "ITEM" if run is not None else "RUN"
    typer.echo(
        f"{first:<24} {'STARTED':<25} {'CALLS':>5} {'CACHED':>6} {'FAILED':>6} "
        f"{'PROMPT':>9} {'COMPLETION':>10} {'SPENT':>9} {'SECONDS':>8}"
        + ("  OUTCOMES" if run is not None else "")
    )
    for row in rows:
        typer.echo(
            f"{row.name:<24} {row.started:<25} {row.calls:>5} {row.cached:>6} {row.failed:>6} "
            f"{row.usage.prompt_tokens:>9} {row.usage.completion_tokens:>10} {row.spent:>9} "
            f"{row.latency_s:>8.1f}" + (f"  {row.outcomes}" if run is not None else "")
        )
    calls = sum(r.calls for r in rows)
    tokens = sum(r.usage.total_tokens for r in rows)
    spent, cached = sum(r.spent for r in rows), sum(r.cached for r in rows)
    what = "item(s)" if run is not None else "run(s)"
    typer.echo(
        f"total: {len(rows)} {what}, {calls} call(s) ({cached} from the cache), "
        f"{tokens} tokens, of which {spent} spent -> {path}"
    )


@app.command()
@friendly
def models() -> None:
    """List the known local models: size, checksum status and path."""
    from summarizer.providers.weights import DEFAULT, KNOWN, model_status

    for model in KNOWN:
        status = model_status(model)
        installed = "installed" if status.installed else f"not installed ({model.install})"
        verified = "sha256 verified" if status.verified else "sha256 not yet verified"
        default = " (default)" if model is DEFAULT else ""
        typer.echo(
            f"{status.name}{default}\n  {status.size / 1e6:,.0f} MB, {installed}, {verified}"
        )
        typer.echo(f"  {status.path or 'assembled on first use'}")


@app.command()
@friendly
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of an output record."""
    from summarizer.records.schema import render_json_schema

    sys.stdout.write(render_json_schema())


@app.command()
@friendly
def validate(
    file: Annotated[Path, typer.Argument(metavar="FILE", hidden=True)],
    schema_only: Annotated[
        bool,
        typer.Option("--schema-only", help="Check the schema only, not the records' claims."),
    ] = False,
) -> None:
    """Check every line of FILE against the record schema and its claims against its source.

    A record is valid when it matches the schema and every claim it makes holds: evidence,
    grounded values, stated labels and prose numbers (`summarizer.verify`).
    Exit status 1 when a line is invalid or when FILE holds no valid record at all.
    """
    from summarizer.cli.display import report, say
    from summarizer.records.validate import validate_file

    if file.is_dir() or not file.exists():  # a pipe or /dev/stdin is read like a file
        existing([file])
    checked = validate_file(file, claims=not schema_only)
    for problem in checked.invalid:
        report(problem)
    say(
        f"{checked.valid} valid record(s), {checked.error_lines} error line(s), "
        f"{len(checked.invalid)} invalid line(s)"
    )
    if not checked.valid:
        say(f"{file} holds no valid record")
    if not checked.ok or not checked.valid:
        raise typer.Exit(1)


if __name__ == "__main__":
    main()
