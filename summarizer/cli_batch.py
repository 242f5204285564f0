"""`summarize batch submit` and `collect`: batch files for OpenAI's Batch API and vLLM."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from summarizer.cli_common import (
    BaseUrlOpt,
    ModelOpt,
    ModeOpt,
    OptionOpt,
    Paths,
    ProviderOpt,
    app,
    choice,
    friendly,
    options,
    read_items,
)

if TYPE_CHECKING:
    from summarizer.extractor import Extractor

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
            provider=choice(provider, ProviderName, "--provider"),
            model=model,
            base_url=base_url,
            mode=choice(mode, ModeName, "--mode"),
            request_options=options(option or []),
        )
    )


@batch.command()
@friendly
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
    items, skipped = read_items(paths)
    with _batch_extractor(provider, model, base_url, mode, option) as extractor:
        count = write_requests(items, extractor, write_only)
    say(f"{count} request(s), unreadable {skipped} -> {write_only}")


@batch.command()
@friendly
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
    items, _ = read_items(paths)
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
