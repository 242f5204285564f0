"""`summarize`: a thin command-line shell over the public API."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from summarizer.config import ModeName, ProviderName, Settings
from summarizer.errors import SummarizerError
from summarizer.evaluation import Baseline, EvalReport, evaluate, regressions
from summarizer.evaluation import bless as bless_baseline
from summarizer.item import Item, Problem
from summarizer.pipeline import Line, extract_many
from summarizer.providers import resolve_provider
from summarizer.reader import iter_read
from summarizer.report import compare, render_markdown, write_reports
from summarizer.schema import Record, render_json_schema
from summarizer.validate import validate_file
from summarizer.weights import DEFAULT, KNOWN, model_status

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Turn AI-paper digests and arXiv abstracts into validated, source-grounded records.",
)
err = Console(stderr=True)

Paths = Annotated[list[str], typer.Argument(help="Files or folders to read; '-' reads stdin.")]


def main() -> None:
    """Entry point of the `summarize` console script."""
    # Failed items are reported as error lines; instructor's own log lines would repeat them.
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    # `kill PID` unwinds like Ctrl-C, so the embedded server is stopped and output closed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        app()
    except SummarizerError as exc:
        _fail(exc)


def _fail(exc: SummarizerError) -> NoReturn:
    err.print(Text.assemble(("error: ", "red"), str(exc)), highlight=False, soft_wrap=True)
    raise typer.Exit(2)


def _report(problem: Problem) -> None:
    colour = "yellow" if problem.severity == "warning" else "red"
    err.print(Text(str(problem), style=colour), highlight=False, soft_wrap=True)


def _items(paths: list[str]) -> tuple[list[Item], int]:
    items, skipped = [], 0
    for entry in iter_read(paths):
        if isinstance(entry, Item):
            items.append(entry)
        else:
            _report(entry)
            skipped += entry.severity == "error"
    return items, skipped


@app.command()
def read(paths: Paths) -> None:
    """Print one JSON line per item found in PATHS (rows of digests, abstracts)."""
    items, skipped = _items(paths)
    sys.stdout.writelines(item.model_dump_json() + "\n" for item in items)
    if skipped:
        err.print(f"skipped {skipped} unreadable item(s)")
        raise typer.Exit(1)


class _Bar:
    """A rich progress bar on stderr, shown only on a terminal."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("extracting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]}"),
            console=err,
            disable=not err.is_terminal,
        )
        self._task = self._progress.add_task("extract", total=None, status="")
        self._failed = 0

    def start(self, total: int) -> None:
        self._progress.start()
        self._progress.update(self._task, total=total)

    def advance(self, line: Line) -> None:
        if not isinstance(line, Record):
            self._failed += 1
            message = f"{line.source.location}: {line.error.message}"
            err.print(Text.assemble(("failed ", "red"), message), highlight=False, soft_wrap=True)
        status = f"{self._failed} failed" if self._failed else ""
        self._progress.update(self._task, advance=1, status=status)

    def stop(self) -> None:
        self._progress.stop()


@app.command()
def extract(
    paths: Paths,
    output: Annotated[Path, typer.Option("-o", "--output", help="JSONL file to append to.")] = Path(
        "summaries.jsonl"
    ),
    provider: Annotated[str, typer.Option(help="auto | openai | local | rules")] = "auto",
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    base_url: Annotated[
        str | None, typer.Option(help="OpenAI-compatible endpoint (also OPENAI_BASE_URL).")
    ] = None,
    model_path: Annotated[
        Path | None, typer.Option(help="GGUF file for --provider local (SUMMARIZE_MODEL_PATH).")
    ] = None,
    mode: Annotated[str, typer.Option(help="auto | tools | json_schema | json | md_json")] = "auto",
    concurrency: Annotated[int | None, typer.Option(help="Items in flight at once.")] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N items.")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="Completion token limit.")] = None,
    option: Annotated[
        list[str] | None,
        typer.Option(help="Extra request field KEY=VALUE, e.g. repeat_penalty=1.1."),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run items that failed before once more.")
    ] = False,
) -> None:
    """Extract one record per item into OUTPUT; re-running resumes where it stopped."""
    settings = Settings.from_env(
        provider=_choice(provider, ProviderName),
        model=model,
        base_url=base_url,
        model_path=model_path,
        mode=_choice(mode, ModeName),
        concurrency=concurrency,
        max_tokens=max_tokens,
        request_options=_options(option or []),
    )
    items, skipped = _items(paths)
    items = items[:limit] if limit is not None else items
    try:
        chosen = resolve_provider(settings)
    except SummarizerError as exc:
        _fail(exc)
    starting = " (starting the embedded llama.cpp server)" if chosen == "local" else ""
    err.print(f"{len(items)} item(s), provider {chosen}{starting}", highlight=False)
    bar = _Bar()
    try:
        result = extract_many(
            items, settings, output=output, retry_failed=retry_failed, progress=bar
        )
    except SummarizerError as exc:
        _fail(exc)
    finally:
        bar.stop()
    err.print(f"{result.summary}, unreadable {skipped} -> {output}", highlight=False)
    if result.summary.failed or skipped:
        raise typer.Exit(1)


def _choice(value: str, kind: Any) -> Any:
    allowed = kind.__args__
    if value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")
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


def _dataset(name: str) -> Path:
    path = Path(name)
    if path.exists():
        return path
    for root in (Path.cwd(), Path(__file__).resolve().parent.parent):
        found = sorted((root / "evals" / "datasets").glob(f"{name}.*"))
        if found:
            return found[0]
    raise typer.BadParameter(f"no dataset {name!r}: give a file, or a name in evals/datasets/")


def _baseline_file(path: Path, report: EvalReport) -> Path:
    return path / f"{report.dataset}.{report.provider}.json" if path.is_dir() else path


@app.command("eval")
def eval_(
    datasets: Annotated[
        list[str], typer.Argument(help="Dataset files or names; or: compare REPORT_A REPORT_B.")
    ],
    provider: Annotated[str, typer.Option(help="auto | openai | local | rules")] = "auto",
    model: Annotated[str | None, typer.Option(help="Model name.")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint.")] = None,
    predictions: Annotated[
        Path | None, typer.Option(help="Score this extract output instead of extracting.")
    ] = None,
    out: Annotated[Path, typer.Option(help="Folder for the report folders.")] = Path("reports"),
    baseline: Annotated[
        Path | None, typer.Option(help="Baseline file, or folder of DATASET.PROVIDER.json files.")
    ] = None,
    bless: Annotated[bool, typer.Option("--bless", help="Rewrite the baseline.")] = False,
) -> None:
    """Score extractions against the digests' summaries; gate on a baseline."""
    if datasets[0] == "compare":
        if len(datasets) != 3:
            raise typer.BadParameter("usage: summarize eval compare REPORT_A REPORT_B")
        a, b = (_load_report(Path(p)) for p in datasets[1:])
        sys.stdout.write(compare(a, b))
        return
    settings = Settings.from_env(
        provider=_choice(provider, ProviderName), model=model, base_url=base_url
    )
    command = "summarize eval " + " ".join(sys.argv[2:]) if len(sys.argv) > 2 else "summarize eval"
    failed = []
    for name in datasets:
        try:
            report = evaluate(_dataset(name), settings, predictions, command)
        except SummarizerError as exc:
            _fail(exc)
        folder = out / f"{report.dataset}.{report.provider}"
        write_reports(report, folder)
        err.print(f"{report.dataset}: {len(report.cases)} cases -> {folder}/report.html")
        sys.stdout.write(render_markdown(report).split("## Worst cases")[0])
        if baseline is None:
            continue
        target = _baseline_file(baseline, report)
        previous = Baseline.model_validate_json(target.read_text()) if target.exists() else None
        if bless:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(bless_baseline(report, previous).model_dump_json(indent=2) + "\n")
            err.print(f"baseline written: {target}")
        elif previous is None:
            raise typer.BadParameter(f"no baseline at {target}; create it with --bless")
        else:
            failed += [f"{report.dataset}: {r}" for r in regressions(report, previous)]
    for line in failed:
        err.print(Text.assemble(("regression: ", "red"), line))
    if failed:
        raise typer.Exit(1)


def _load_report(path: Path) -> EvalReport:
    file = path / "report.json" if path.is_dir() else path
    return EvalReport.model_validate_json(file.read_text(encoding="utf-8"))


@app.command()
def models() -> None:
    """List the known local models: size, checksum status and path."""
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
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of an output record."""
    sys.stdout.write(render_json_schema())


@app.command()
def validate(file: Annotated[Path, typer.Argument(help="A JSONL output file.")]) -> None:
    """Check every line of FILE against the record schema."""
    report = validate_file(file)
    for problem in report.invalid:
        _report(problem)
    err.print(
        f"{report.valid} valid record(s), {report.error_lines} error line(s), "
        f"{len(report.invalid)} invalid line(s)"
    )
    if not report.ok:
        raise typer.Exit(1)


if __name__ == "__main__":
    main()
