"""`summarize batch submit`, `status`, `collect`, `cancel`: OpenAI's Batch API, and batch files
for vLLM's run_batch."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from summarizer.cli.common import (
    BaseUrlOpt,
    ModelOpt,
    ModeOpt,
    OptionOpt,
    ProviderOpt,
    app,
    friendly,
    model_settings,
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
OutputOpt = Annotated[
    Path, typer.Option("-o", "--output", metavar="FILE", help="JSONL file to append to.")
]
# For the commands that only look at the batches an output waits for.
BatchesOpt = Annotated[
    Path,
    typer.Option("-o", "--output", metavar="FILE", help="The output the batches were sent for."),
]


def _batch_extractor(
    provider: str, model: str | None, base_url: str | None, mode: str, option: list[str] | None
) -> Extractor:
    from summarizer.extractor import Extractor

    return Extractor(model_settings(provider, mode, option, model, base_url))


@batch.command()
@friendly
def submit(
    paths: Annotated[list[str] | None, typer.Argument(metavar="PATH", hidden=True)] = None,
    output: OutputOpt = Path("summaries.jsonl"),
    write_only: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Only write the batch request file, one line an item."),
    ] = None,
    provider: ProviderOpt = "openai",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mode: ModeOpt = "auto",
    option: OptionOpt = None,
    reask: Annotated[
        bool,
        typer.Option(
            "--reask", help="Send the re-asks `collect` prepared for OUTPUT as the next round."
        ),
    ] = False,
) -> None:
    """Submit the items of PATH... not yet in OUTPUT as batches (or only write the file).

    PATH: files or folders to read, as for `extract`. The batches are recorded in
    OUTPUT.batches.json; `status`, `collect` and `cancel` need only OUTPUT. With --reask, no
    PATH: the answers `collect` found invalid, cut off or not grounded are asked again, as the
    online path would ask them, within the same --max-reasks budget.
    """
    from summarizer.batch.api import extractor_for, state_path, submit_reasks, write_reasks
    from summarizer.batch.api import submit as submit_batches
    from summarizer.batch.files import write_requests
    from summarizer.cli.display import say

    if reask:
        if paths:
            raise typer.BadParameter(
                "--reask sends OUTPUT's re-asks; give no PATH", param_hint="PATH"
            )
        if write_only is not None:
            count = write_reasks(output, write_only)
            say(f"{count} re-ask request(s) -> {write_only}")
            return
        with extractor_for(output) as extractor:
            made = submit_reasks(output, extractor)
        requests = sum(len(b.items) for b in made)
        ids = ", ".join(b.id for b in made) or "none (no re-ask waiting)"
        say(f"{len(made)} batch(es), {requests} re-ask(s): {ids}; recorded in {state_path(output)}")
        return
    if not paths:
        raise typer.BadParameter("give the files or folders to submit", param_hint="PATH")
    items, skipped = read_items(paths)
    with _batch_extractor(provider, model, base_url, mode, option) as extractor:
        if write_only is not None:
            count = write_requests(items, extractor, write_only)
            say(f"{count} request(s), unreadable {skipped} -> {write_only}")
            return
        made = submit_batches(items, extractor, output)
    requests = sum(len(b.items) for b in made)
    ids = ", ".join(b.id for b in made) or "none (nothing left to submit)"
    say(f"{len(made)} batch(es), {requests} request(s): {ids}; recorded in {state_path(output)}")


@batch.command()
@friendly
def status(output: BatchesOpt = Path("summaries.jsonl")) -> None:
    """Show each batch of OUTPUT: its state and request counts."""
    from summarizer.batch.api import extractor_for, statuses

    with extractor_for(output) as extractor:
        for submitted, found in statuses(output, extractor):
            parts = [f"{submitted.id}: {found.status}", f"{len(submitted.items)} item(s)"]
            if found.request_counts:
                counts = found.request_counts
                parts.append(f"{counts.completed}/{counts.total} done, {counts.failed} failed")
            if found.usage:  # the API's own count, as billed
                tokens = found.usage
                parts.append(f"tokens {tokens.input_tokens} prompt + {tokens.output_tokens} output")
            if submitted.collected:
                parts.append("collected")
            typer.echo(", ".join(parts))


@batch.command()
@friendly
def collect(
    paths: Annotated[list[str] | None, typer.Argument(metavar="PATH", hidden=True)] = None,
    responses: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Read this response file (with PATH... and options)."),
    ] = None,
    output: OutputOpt = Path("summaries.jsonl"),
    provider: ProviderOpt = "openai",
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mode: ModeOpt = "auto",
    option: OptionOpt = None,
) -> None:
    """Download the answers of OUTPUT's finished batches into OUTPUT; or, with --responses FILE,
    read a response file written elsewhere (vLLM's run_batch) for the items of PATH...

    Items whose request failed or was not answered stay pending for `extract` or `submit`.
    """
    from summarizer.batch.api import collect as collect_batches
    from summarizer.batch.api import extractor_for
    from summarizer.batch.files import collect_responses
    from summarizer.cli.display import report, say

    if responses is not None:
        if not paths:
            raise typer.BadParameter("give the inputs the responses are for", param_hint="PATH")
        items, _ = read_items(paths)
        with _batch_extractor(provider, model, base_url, mode, option) as extractor:
            result = collect_responses(responses, items, extractor, output)
    else:
        with extractor_for(output) as extractor:
            result = collect_batches(output, extractor)
    for problem in result.problems:
        report(problem)
    say(
        f"done {result.done}, failed {result.failed}, to re-ask {result.reasks}, pending "
        f"{result.pending}, already in output {result.skipped}, tokens {result.usage} -> {output}"
    )
    if result.reasks:
        say(f"send the re-asks with: summarize batch submit --reask -o {output}")
    if result.failed or result.pending or result.reasks or result.problems:
        raise typer.Exit(1)


@batch.command()
@friendly
def cancel(output: BatchesOpt = Path("summaries.jsonl")) -> None:
    """Cancel OUTPUT's batches that have not finished."""
    from summarizer.batch.api import cancel as cancel_batches
    from summarizer.batch.api import extractor_for
    from summarizer.cli.display import say

    with extractor_for(output) as extractor:
        cancelled = cancel_batches(output, extractor)
    say(f"cancelled {len(cancelled)} batch(es): {', '.join(cancelled) or 'none unfinished'}")
