"""`summarize`: a thin command-line shell over the public API."""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec

import typer

from summarizer.errors import OutputError, SummarizerError

if TYPE_CHECKING:
    from summarizer.extractor import Extractor
    from summarizer.item import Item
    from summarizer.schema import Record

# Commands import the toolkit when they run, so that `summarize --help` starts fast.
P = ParamSpec("P")
app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,  # plain help: rich mode shows Python types such as <bool>
    no_args_is_help=True,
    help="Turn AI-paper digests and arXiv abstracts into validated, source-grounded records.",
)

# Arguments are described in each command's help text, which typer would otherwise follow
# with their Python types (<list[str]>).
Paths = Annotated[list[str], typer.Argument(metavar="PATH", hidden=True)]
# The model options `extract` and `eval` share, declared once.
ProviderOpt = Annotated[str, typer.Option(metavar="NAME", help="auto | openai | local | rules")]
ModelOpt = Annotated[str | None, typer.Option(metavar="NAME", help="Model name.")]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(metavar="URL", help="OpenAI-compatible endpoint (also OPENAI_BASE_URL)."),
]
ModelPathOpt = Annotated[
    Path | None,
    typer.Option(metavar="FILE", help="GGUF file for --provider local (SUMMARIZE_MODEL_PATH)."),
]
ModeOpt = Annotated[
    str,
    typer.Option(
        metavar="MODE", help="auto | tools | json_schema | json_object_schema | json | md_json"
    ),
]
OptionOpt = Annotated[
    list[str] | None,
    typer.Option(metavar="KEY=VALUE", help="Extra request field, e.g. repeat_penalty=1.1."),
]
PromptOpt = Annotated[
    str | None,
    typer.Option(metavar="ID", help="Prompt in prompts/, e.g. extract.v2 [default: newest]."),
]


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


def _friendly(command: Callable[P, None]) -> Callable[P, None]:
    """Report a `SummarizerError` as one line and exit 2, instead of a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except SummarizerError as exc:
            _fail(exc)

    return run


def _version(value: bool) -> None:
    if value:
        typer.echo(f"summarize {metadata.version('summarizer')}")
        raise typer.Exit()


@app.callback()
def _options_for_all(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Turn AI-paper digests and arXiv abstracts into validated, source-grounded records."""


def _fail(exc: SummarizerError) -> NoReturn:
    from summarizer.display import error

    error("error", str(exc))
    raise typer.Exit(2)


def _show_progress_logs() -> None:
    """Show the toolkit's start-up steps and warnings on stderr (once per process)."""
    from summarizer.display import Say

    toolkit = logging.getLogger("summarizer")
    toolkit.setLevel(logging.INFO)
    if not any(isinstance(h, Say) for h in toolkit.handlers):
        toolkit.addHandler(Say())


def _items(paths: list[str]) -> tuple[list[Item], int]:
    from summarizer.display import report
    from summarizer.item import Item
    from summarizer.sources import iter_read

    items, skipped = [], 0
    for entry in iter_read(paths):
        if isinstance(entry, Item):
            items.append(entry)
        else:
            report(entry)
            skipped += entry.severity == "error"
    return items, skipped


@app.command()
@_friendly
def read(paths: Paths) -> None:
    """Print one JSON line per item (digest row, abstract) found in PATH...

    PATH: files or folders to read (folders recursively); '-' reads standard input.
    """
    from summarizer.display import say

    items, skipped = _items(paths)
    sys.stdout.writelines(item.model_dump_json() + "\n" for item in items)
    if skipped:
        say(f"skipped {skipped} unreadable item(s)")
        raise typer.Exit(1)


@app.command()
@_friendly
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
) -> None:
    """Extract one record per item of PATH... into OUTPUT; re-running resumes where it stopped.

    PATH: files or folders to read (folders recursively); '-' reads standard input.

    Exit status: 0 when every item has a record, 1 when some failed (now or earlier) or were
    unreadable, 2 for bad settings, 3 when the endpoint stopped the run, 130 on Ctrl-C.
    """
    from summarizer.config import ModeName, ProviderName, Settings
    from summarizer.display import Bar, error, say
    from summarizer.pipeline import extract_many
    from summarizer.providers import resolve_provider

    if limit is not None and limit < 0:
        raise typer.BadParameter("must be 0 or more", param_hint="--limit")
    _show_progress_logs()
    settings = Settings.from_env(
        provider=_choice(provider, ProviderName, "--provider"),
        model=model,
        base_url=base_url,
        model_path=model_path,
        mode=_choice(mode, ModeName, "--mode"),
        concurrency=concurrency,
        max_tokens=max_tokens,
        timeout_s=timeout,
        item_timeout_s=item_timeout,
        request_options=_options(option or []),
        metrics_only=metrics_only or None,
        prompt=prompt,
    )
    items, skipped = _items(paths)
    items = items[:limit] if limit is not None else items
    bar = Bar(resolve_provider(settings), output)
    try:
        result = extract_many(
            items, settings, output=output, retry_failed=retry_failed, progress=bar
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
    say(f"{summary}, unreadable {skipped} -> {output}")
    if result.stopped is not None:
        error("stopped", str(result.stopped))
        raise typer.Exit(3)
    if not summary.complete or skipped:
        raise typer.Exit(1)


def _choice(value: str, kind: Any, option: str) -> Any:
    allowed = kind.__args__
    if value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}", param_hint=option)
    return value


def _options(pairs: list[str]) -> dict[str, str | int | float | bool]:
    parsed: dict[str, str | int | float | bool] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--option expects KEY=VALUE, got {pair!r}")
        parsed[key] = _scalar(raw)
    return parsed


def _scalar(raw: str) -> str | int | float | bool:
    if raw.lower() in {"true", "false"}:
        return raw.lower() == "true"
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            pass
    return raw


@app.command("eval")
@_friendly
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
) -> None:
    """Score extractions against the digests' summaries; gate on a baseline.

    DATASET: names in evals/datasets/ (seed_digest, seed_abstracts) or files of your own.
    `summarize eval compare REPORT_A REPORT_B` compares two report folders instead.
    """
    from summarizer.config import ModeName, ProviderName, Settings
    from summarizer.display import error, say
    from summarizer.evals.dataset import find_dataset
    from summarizer.evals.gate import gate
    from summarizer.evals.report import (
        compare,
        load_report,
        render_markdown,
        report_folder,
        write_reports,
    )
    from summarizer.evals.run import evaluate

    if datasets[0] == "compare":
        if len(datasets) != 3:
            raise typer.BadParameter("usage: summarize eval compare REPORT_A REPORT_B")
        a, b = (load_report(Path(p)) for p in datasets[1:])
        sys.stdout.write(compare(a, b))
        return
    _show_progress_logs()
    settings = Settings.from_env(
        provider=_choice(provider, ProviderName, "--provider"),
        model=model,
        base_url=base_url,
        model_path=model_path,
        mode=_choice(mode, ModeName, "--mode"),
        request_options=_options(option or []),
        prompt=prompt,
    )
    command = "summarize eval " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "summarize eval"
    failed = []
    for name in datasets:
        report = evaluate(find_dataset(name), settings, predictions, command)
        folder, replaced = report_folder(out, report)
        write_reports(report, folder)
        again = " (replaced the earlier report of the same run)" if replaced else ""
        say(f"{report.dataset}: {len(report.cases)} cases -> {folder}/report.html{again}")
        sys.stdout.write(render_markdown(report).split("## Worst cases")[0])
        if baseline is None:
            continue
        target, found = gate(report, baseline, bless_it=bless)
        failed += [f"{report.dataset}: {r}" for r in found]
        if bless:
            say(f"baseline written: {target}")
        elif not found:
            say(f"{report.dataset}: baseline OK ({target})")
    for line in failed:
        error("regression", line)
    if failed:
        raise typer.Exit(1)


RecordPaths = Annotated[list[Path], typer.Argument(metavar="RECORDS", hidden=True)]
batch = typer.Typer(
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Batch files in the format of OpenAI's Batch API and vLLM's run_batch.",
)
app.add_typer(batch, name="batch")
_NOT_BUILT = (
    "uploading to and downloading from the Batch API is not built yet: write the request file "
    "with --write-only FILE, run it with the Batch API or vLLM's run_batch, and read the "
    "answers with `summarize batch collect --responses FILE`"
)


def _batch_extractor(
    provider: str, model: str | None, base_url: str | None, mode: str, option: list[str] | None
) -> Extractor:
    from summarizer.config import ModeName, ProviderName, Settings
    from summarizer.extractor import Extractor

    return Extractor(
        Settings.from_env(
            provider=_choice(provider, ProviderName, "--provider"),
            model=model,
            base_url=base_url,
            mode=_choice(mode, ModeName, "--mode"),
            request_options=_options(option or []),
        )
    )


@batch.command()
@_friendly
def submit(
    paths: Paths,
    write_only: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Only write the batch request file, one line an item."),
    ] = None,
    provider: ProviderOpt = "openai",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mode: ModeOpt = "auto",
    option: OptionOpt = None,
) -> None:
    """Write the batch requests for the items of PATH...: the bodies the online path sends.

    PATH: files or folders to read, as for `extract`.
    """
    from summarizer.batch import write_requests
    from summarizer.display import say

    if write_only is None:
        raise typer.BadParameter(_NOT_BUILT, param_hint="--write-only")
    items, skipped = _items(paths)
    with _batch_extractor(provider, model, base_url, mode, option) as extractor:
        count = write_requests(items, extractor, write_only)
    say(f"{count} request(s), unreadable {skipped} -> {write_only}")


@batch.command()
@_friendly
def collect(
    paths: Paths,
    responses: Annotated[
        Path | None, typer.Option(metavar="FILE", help="A batch response file to read.")
    ] = None,
    output: Annotated[
        Path, typer.Option("-o", "--output", metavar="FILE", help="JSONL file to append to.")
    ] = Path("summaries.jsonl"),
    provider: ProviderOpt = "openai",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mode: ModeOpt = "auto",
    option: OptionOpt = None,
) -> None:
    """Read a batch response file into records for the items of PATH... (the same inputs and
    model options as `submit`); items whose request failed stay pending.

    PATH: files or folders to read, as for `extract`.
    """
    from summarizer.batch import collect_responses
    from summarizer.display import report, say

    if responses is None:
        raise typer.BadParameter(_NOT_BUILT, param_hint="--responses")
    items, _ = _items(paths)
    with _batch_extractor(provider, model, base_url, mode, option) as extractor:
        result = collect_responses(responses, items, extractor, output)
    for problem in result.problems:
        report(problem)
    say(
        f"done {result.done}, failed {result.failed}, pending {result.pending}, already in "
        f"output {result.already}, tokens {result.usage} -> {output}"
    )
    if result.failed or result.pending or result.problems:
        raise typer.Exit(1)


def _records(paths: list[Path]) -> list[Record]:
    from summarizer.display import report
    from summarizer.store import read_records

    records, problems = read_records(paths)
    for problem in problems:
        report(problem)
    return records


@app.command()
@_friendly
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

    RECORDS: `summarize extract` output files. Only grounded numbers are shown.
    """
    from summarizer.render import render_html, render_markdown

    renderers = {"markdown": render_markdown, "html": render_html}
    render = renderers.get(fmt)
    if render is None:
        raise typer.BadParameter(f"{fmt!r} is not one of markdown, html", param_hint="--format")
    _write_text(render(_records(paths)), output)


@app.command()
@_friendly
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
    from summarizer.display import say
    from summarizer.export import Format, tables, write

    data = tables(_records(paths))
    written = write(data, output, _choice(fmt, Format, "--format"))
    say(f"{len(data.papers)} papers, {len(data.metrics)} metrics -> {', '.join(map(str, written))}")


@app.command()
@_friendly
def results(
    query: Annotated[str, typer.Argument(metavar="QUERY", hidden=True)],
    paths: RecordPaths,
    fmt: Annotated[
        str, typer.Option("--format", metavar="FORMAT", help="table | csv | json")
    ] = "table",
    explain_it: Annotated[
        bool, typer.Option("--explain", help="Show how names were normalised to match.")
    ] = False,
) -> None:
    """Every grounded result on QUERY (a benchmark, metric or subject) in RECORDS..., newest first.

    QUERY: a name such as MATH-500 or "SWE-bench Verified"; spellings are normalised.
    RECORDS: `summarize extract` output files.
    """
    from summarizer.display import report, say
    from summarizer.results import Format, explain, render, results_in

    shown = _choice(fmt, Format, "--format")
    found, problems = results_in(query, paths)
    for problem in problems:
        report(problem)
    if explain_it:
        for line in explain(query, found):
            say(line)
    sys.stdout.write(render(found, shown))
    say(f"{len(found)} result(s) for {query!r}")


def _write_text(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from None


@app.command()
@_friendly
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
@_friendly
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of an output record."""
    from summarizer.schema import render_json_schema

    sys.stdout.write(render_json_schema())


@app.command()
@_friendly
def validate(
    file: Annotated[Path, typer.Argument(metavar="FILE", hidden=True)],
) -> None:
    """Check every line of FILE against the record schema.

    Exit status 1 when a line is invalid or when FILE holds no valid record at all.
    """
    from summarizer.display import report, say
    from summarizer.validate import validate_file

    checked = validate_file(file)
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
