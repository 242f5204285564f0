"""What the `summarize` commands share: the app, option types, and argument handling.

The commands live in `cli.main`, `cli.records` and `cli.batch`; each imports the toolkit when
it runs, so that `summarize --help` starts fast.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, ParamSpec

import typer
from typer.core import TyperGroup

from summarizer.errors import ConfigError, OutputError, SummarizerError

if TYPE_CHECKING:
    from summarizer.config import Settings
    from summarizer.item import Item
    from summarizer.records.schema import Record

# Commands import the toolkit when they run, so that `summarize --help` starts fast.
P = ParamSpec("P")
# The order of a workflow; the utilities follow in the order they are added.
WORKFLOW = ("read", "extract", "eval", "digest", "export", "results", "batch")


class InOrder(TyperGroup):
    """Lists its commands in the order of a workflow (typer lists command groups, such as
    `eval` and `batch`, after every plain command)."""

    # `ctx` is typer's own (vendored, private) click Context, hence Any here and below.
    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        first = [name for name in WORKFLOW if name in names]
        return first + [name for name in names if name not in first]


class RunUnlessCommand(TyperGroup):
    """A group whose arguments, unless they begin with one of its commands, are those of its
    `run` command: `summarize eval DATASET...` is `summarize eval run DATASET...`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["run", *args]
        return super().parse_args(ctx, args)


app = typer.Typer(
    cls=InOrder,
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
CacheOpt = Annotated[
    bool,
    typer.Option(
        "--cache", help="Answer a request sent before from the call log, without a model call."
    ),
]
BudgetOpt = Annotated[
    int | None,
    typer.Option(metavar="TOKENS", help="Stop before a call that could pass this many tokens."),
]
RecordPaths = Annotated[list[Path], typer.Argument(metavar="RECORDS", hidden=True)]


def friendly(command: Callable[P, None]) -> Callable[P, None]:
    """Report a `SummarizerError` as one line and exit 2, instead of a traceback."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
        except SummarizerError as exc:
            fail(exc)

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


def fail(exc: SummarizerError) -> NoReturn:
    """Print `exc` as one line and exit with status 2."""
    from summarizer.cli.display import error

    error("error", str(exc))
    raise typer.Exit(2)


def show_progress_logs() -> None:
    """Show the toolkit's start-up steps and warnings on stderr (once per process)."""
    from summarizer.cli.display import Say

    toolkit = logging.getLogger("summarizer")
    toolkit.setLevel(logging.INFO)
    if not any(isinstance(h, Say) for h in toolkit.handlers):
        toolkit.addHandler(Say())


class ItemStream:
    """The items of `paths`, read as they are iterated (once): unreadable ones are reported on
    stderr and counted in `skipped`. Memory is one file's text, not every item of the input."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = paths
        self.skipped = 0

    def __iter__(self) -> Iterator[Item]:
        from summarizer.cli.display import report
        from summarizer.item import Item
        from summarizer.sources import iter_read

        for entry in iter_read(self.paths):
            if isinstance(entry, Item):
                yield entry
            else:
                report(entry)
                self.skipped += entry.severity == "error"


def read_items(paths: list[str]) -> tuple[list[Item], int]:
    """The items of `paths`, all read (see `ItemStream`), and how many were unreadable."""
    stream = ItemStream(paths)
    items = list(stream)
    return items, stream.skipped


def choice(value: str, kind: Any, option: str) -> Any:
    """`value` if it is one of the `Literal` `kind`'s values, else a usage error naming `option`."""
    allowed = kind.__args__
    if value not in allowed:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}", param_hint=option)
    return value


def model_settings(
    provider: str,
    mode: str,
    option: list[str] | None,
    model: str | None,
    base_url: str | None,
    model_path: Path | None = None,
    prompt: str | None = None,
    cache: bool = False,
    budget: int | None = None,
    **given: Any,
) -> Settings:
    """A command's model options as `Settings`, the environment filling what is not given:
    the one place that checks `--provider` and `--mode` and parses `--option`."""
    from summarizer.config import ModeName, ProviderName, Settings  # here: keeps --help fast

    return Settings.from_env(
        provider=choice(provider, ProviderName, "--provider"),
        mode=choice(mode, ModeName, "--mode"),
        request_options=options(option or []),
        model=model,
        base_url=base_url,
        model_path=model_path,
        prompt=prompt,
        cache=cache or None,
        budget=budget,
        **given,
    )


def options(pairs: list[str]) -> dict[str, str | int | float | bool]:
    """`--option KEY=VALUE` pairs as request fields, values read as bool, int, float or text."""
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


def existing(paths: list[Path]) -> list[Path]:
    """`paths`, each a file: a missing one, or a folder, is a `ConfigError` (exit 2) naming it,
    not an empty result that looks like an answer."""
    for path in paths:
        if path.is_dir():
            raise ConfigError(f"{path}: is a folder; give the output files in it")
        if not path.exists():
            raise ConfigError(f"{path}: no such file")
        if not path.is_file():
            raise ConfigError(f"{path}: not a file (a device or a pipe); give an output file")
    return paths


def load_records(paths: list[Path]) -> list[Record]:
    """The records of output files that verify; unreadable lines and records whose claims do
    not hold are reported on stderr, one line each. A missing file is a `ConfigError`."""
    from summarizer.cli.display import report
    from summarizer.records.store import read_records

    existing(paths)
    records, problems = read_records(paths)
    for problem in problems:
        report(problem)
    return records


def write_text(text: str, output: Path | None) -> None:
    """Write `text` to `output`, or to stdout when it is None."""
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from None
