"""Embedded model on the seed digest: speed, prefix reuse, the toolkit's overhead, and levers.

Runs the 20 seed rows one after another through the embedded llama.cpp server and prints, per
paper and side by side from the same run:
- seconds per paper as the toolkit sees it (request, validation, grounding, re-asks);
- prompt tokens the server evaluated (after its KV-cache prefix hit) against the paper's own tokens;
- completion tokens;
- where llama.cpp's time went: prompt evaluation, token generation, and the rest of its total,
  which is mostly sampling under the grammar built from the request's schema;
- the toolkit's wall time over llama.cpp's own time for the same prompts and completions, as the
  server reports it (`llama_perf_context_print: total time`).

Targets: all fields median <= 20 s and mean <= 24 s per paper; metrics only (`--modes
all,metrics`) median <= 6 s; sampling <= 10 % of generation time; ratio <= 1.10; prompt tokens
evaluated after the first paper <= 1.2 x the paper's own tokens.

Levers, each measured on its own in the same run:
- `--modes tools,all`: every field asked in tools mode (the schema is written into the prompt by
  the chat template, and re-evaluated per paper from its first per-paper enum on) against JSON
  mode with a schema (the same grammar, no schema in the prompt; the default);
- `--modes all,metrics`: every field against headline metrics only, same papers, same server;
- `--prompts extract.v2,extract.v3`: the same papers under each prompt version (v3 asks for one
  line of compact JSON, one method and terser prose; the schema's one-method limit applies to
  both), each prompt's first paper paying for its own cached prefix;
- `--grammar-probe N`: for the first N papers, the all-fields request sent twice more, as is and
  with `maxLength` on its strings (what the schema had before lengths moved out of the grammar),
  and the sampling time of both;
- `--samplers full,check-first,top-64`: the same papers under each of the server's samplers
  (`summarizer.providers.sampler`, chosen per request by header): per generated token, the
  forward pass and the sampling in milliseconds, and whether the records are identical to the
  first sampler's.

`--paths fast,portable` runs the same papers on both of llama.cpp's CPU paths (weights repacked
or not; see `summarizer.providers.local`) one after the other and prints their speeds side by
side: prompt and generation tokens per second as llama.cpp reports them, and seconds per paper.

    python benchmarks/local_model.py [--limit N] [--model-path FILE.gguf] [--paths fast,portable]
        [--modes tools,all,metrics] [--prompts extract.v2,extract.v3] [--grammar-probe N]
        [--samplers full,check-first,top-64]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import llama_cpp
import openai

from summarizer import Extractor, Item, Record, Settings, SummarizerError, read
from summarizer.extractor import build_request
from summarizer.prompt import DEFAULT_PROMPT, load_prompt
from summarizer.providers import Backend
from summarizer.providers.codec import response_model
from summarizer.providers.local import LocalBackend, local_settings
from summarizer.providers.openai import OpenAIBackend
from summarizer.providers.sampler import HEADER, SAMPLERS
from summarizer.providers.weights import DEFAULT, ensure_model
from summarizer.text.sentences import numbered, split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
_PREFIX = re.compile(r"prefix-match hit, remaining (\d+) prompt tokens")
_PROMPT = re.compile(r"prompt eval time =\s+([\d.]+) ms /\s+(\d+) tokens")
_EVAL = re.compile(r"\beval time =\s+([\d.]+) ms /\s+(\d+) runs")
_TOTAL = re.compile(r"total time =\s+([\d.]+) ms")


@dataclass
class ServerTimes:
    """What llama.cpp reported for the requests of one paper."""

    requests: int = 0
    first_prompt_evaluated: int = 0
    prompt_evaluated: int = 0
    completion: int = 0
    total_ms: float = 0.0
    prompt_ms: float = 0.0
    eval_ms: float = 0.0

    @property
    def other_ms(self) -> float:
        """llama.cpp's total beyond prompt evaluation and generation: mostly sampling."""
        return max(self.total_ms - self.prompt_ms - self.eval_ms, 0.0)


def parse_log(text: str) -> ServerTimes:
    """Sum llama.cpp's perf lines in a slice of the server log."""
    times = ServerTimes()
    times.requests = len(_TOTAL.findall(text))
    prompts = [int(n) for _, n in _PROMPT.findall(text)]
    times.first_prompt_evaluated = prompts[0] if prompts else 0
    times.prompt_evaluated = sum(prompts)
    times.prompt_ms = sum(float(ms) for ms, _ in _PROMPT.findall(text))
    times.completion = sum(int(n) for _, n in _EVAL.findall(text))
    times.eval_ms = sum(float(ms) for ms, _ in _EVAL.findall(text))
    times.total_ms = sum(float(ms) for ms in _TOTAL.findall(text))
    return times


@dataclass
class PathResult:
    """One run over the papers: a CPU path and a mode."""

    name: str
    walls: list[float]
    server: list[ServerTimes]
    answers: list[str | None]
    group: str = ""  # runs asking the same (prompt, fields, mode) share it

    def rate(self, tokens: str, ms: str) -> float:
        done = sum(getattr(t, tokens) for t in self.server)
        spent = sum(getattr(t, ms) for t in self.server) / 1000
        return done / spent if spent else float("nan")


def server_slice(backend: LocalBackend, offset: int) -> ServerTimes:
    """llama.cpp's perf lines written since `offset`."""
    time.sleep(0.2)  # let the server flush its perf lines
    with backend.log_path.open(encoding="utf-8", errors="replace") as log:
        log.seek(offset)
        return parse_log(log.read())


def run_path(
    items: list[Item],
    backend: LocalBackend,
    settings: Settings,
    label: str,
    *,
    tools: bool = False,
    sampler: str | None = None,
) -> PathResult:
    """Extract `items` one at a time; print a row per paper. The backend stays open (the
    caller closes it), so several modes and samplers can share one server. `sampler` names the
    server's sampler for these requests (`X-Summarizer-Sampler`; None: its default)."""
    sender: Backend = backend
    if tools or sampler is not None:
        url = f"http://127.0.0.1:{backend.port}/v1"
        mode = {"mode": "tools"} if tools else {}
        local = local_settings(settings.model_copy(update=mode), url, backend.model)
        direct = OpenAIBackend(local, "local", healthy=backend.alive)
        if sampler is not None:
            client = direct.transport.client
            direct.transport.client = client.with_options(default_headers={HEADER: sampler})
        sender = direct
    extractor = Extractor(settings, backend=sender)
    vocab = llama_cpp.Llama(str(backend.model_path), vocab_only=True, verbose=False)
    print(f"model {backend.model}, {len(items)} papers, one at a time, {label}\n")
    header = f"{'paper':<12} {'toolkit s':>9} {'llama s':>8} {'prompt s':>8} {'gen s':>6} "
    print(
        header + f"{'other s':>7} {'ratio':>6} {'reqs':>4} {'own tok':>7} {'eval tok':>8} "
        f"{'compl tok':>9}  status"
    )
    rows = []
    answers: list[str | None] = []
    for item in items:
        offset = backend.log_path.stat().st_size
        started = time.perf_counter()
        try:
            record = extractor.extract(item)
            status = "ok"
            answers.append(answer_of(record))
        except SummarizerError as exc:
            status = type(exc).__name__
            answers.append(None)
        wall = time.perf_counter() - started
        server = server_slice(backend, offset)
        user = f"Title: {item.title}\n\n{numbered(split_sentences(item.text))}"
        own = len(vocab.tokenize(user.encode(), add_bos=False))
        ratio = wall / (server.total_ms / 1000) if server.total_ms else float("nan")
        rows.append((wall, server, own, ratio))
        print(
            f"{item.arxiv_id or '?':<12} {wall:9.1f} {server.total_ms / 1000:8.1f} "
            f"{server.prompt_ms / 1000:8.1f} {server.eval_ms / 1000:6.1f} "
            f"{server.other_ms / 1000:7.1f} {ratio:6.3f} {server.requests:4d} {own:7d} "
            f"{server.prompt_evaluated:8d} {server.completion:9d}  {status}"
        )
    summarise(rows)
    return PathResult(label, [r[0] for r in rows], [r[1] for r in rows], answers)


def answer_of(record: Record) -> str:
    """What a record says, without when, how long or under which key."""
    data = record.model_dump(mode="json", exclude={"created_at", "key"})
    data["provenance"].pop("latency_s")
    return json.dumps(data, sort_keys=True)


def summarise(rows: list[tuple[float, ServerTimes, int, float]]) -> None:
    """The targets' lines for one run."""
    later = rows[1:] or rows
    walls = [r[0] for r in rows]
    llama_s = sum(r[1].total_ms for r in rows) / 1000
    ratio_all = sum(walls) / llama_s if llama_s else float("nan")
    first_asks = [r[1].first_prompt_evaluated / r[2] for r in later if r[1].requests]
    completions = [r[1].completion / max(r[1].requests, 1) for r in rows]
    print()
    median, mean = statistics.median(walls), statistics.mean(walls)
    print(f"seconds per paper: median {median:.1f}, mean {mean:.1f}")
    spent = {
        name: sum(getattr(r[1], f"{name}_ms") for r in rows) / 1000 / len(rows)
        for name in ("prompt", "eval", "other")
    }
    print(
        "llama.cpp seconds per paper: prompt {prompt:.1f}, generation {eval:.1f}, "
        "other (sampling under the grammar) {other:.1f}".format(**spent)
    )
    tokens = sum(r[1].completion for r in rows)
    forward = sum(r[1].eval_ms for r in rows) / max(tokens, 1)
    sampling = sum(r[1].other_ms for r in rows) / max(tokens, 1)
    share = sampling / (forward + sampling) if forward + sampling else float("nan")
    print(
        f"per generated token ({tokens} in all): forward pass {forward:.1f} ms, sampling "
        f"{sampling:.1f} ms ({share:.0%} of generation; target <= 10 %)"
    )
    print(f"toolkit / llama.cpp time: {ratio_all:.3f} (target <= 1.10)")
    print(f"completion tokens per request: median {statistics.median(completions):.0f}")
    if first_asks:
        print(
            "prompt tokens evaluated for each paper's first request after the first paper / "
            f"paper's own tokens: median {statistics.median(first_asks):.2f}, "
            f"max {max(first_asks):.2f} (target <= 1.2)"
        )
    reasks = sum(max(r[1].requests - 1, 0) for r in rows)
    print(f"re-asks (grounding, validation, truncation): {reasks} over {len(rows)} papers\n")


def with_max_length(schema: Any) -> Any:
    """`schema` with the string lengths the record schema had in the grammar before."""
    if isinstance(schema, list):
        return [with_max_length(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: with_max_length(v) for k, v in schema.items()}
    if out.get("type") == "string" and "enum" not in out:
        out |= {"minLength": 1, "maxLength": 120}
    for name in ("one_line_summary", "objective"):
        if name in out.get("properties", {}):
            out["properties"][name] |= {"maxLength": 400}
    return out


def grammar_probe(items: list[Item], backend: LocalBackend, settings: Settings) -> None:
    """Send each paper's request as is and with `maxLength`, and compare llama.cpp's times."""
    url = f"http://127.0.0.1:{backend.port}/v1"
    client: Any = openai.OpenAI(base_url=url, api_key="unused", max_retries=0)
    prompt = load_prompt(settings.prompt)
    options = local_settings(settings, url, backend.model).request_options
    print(f"grammar probe, {len(items)} papers: the same request without and with maxLength\n")
    print(
        f"{'paper':<12} {'variant':<14} {'llama s':>8} {'gen tok':>7} {'other s':>7} {'per tok':>7}"
    )
    totals: dict[str, list[float]] = {"as sent": [], "with maxLength": []}
    for item in items:
        request = build_request(item, prompt)
        function: dict[str, Any] = getattr(response_model(request), "openai_schema")  # noqa: B009
        variants = {"as sent": function, "with maxLength": with_max_length(function)}
        for name, tool in variants.items():
            offset = backend.log_path.stat().st_size
            client.chat.completions.create(
                model=backend.model,
                messages=request.messages,
                response_format={"type": "json_object", "schema": tool["parameters"]},
                max_tokens=settings.max_tokens,
                temperature=0,
                extra_body=dict(options),
            )
            server = server_slice(backend, offset)
            per_token = server.other_ms / max(server.completion, 1) / 1000
            totals[name].append(per_token)
            print(
                f"{item.arxiv_id or '?':<12} {name:<14} {server.total_ms / 1000:8.1f} "
                f"{server.completion:7d} {server.other_ms / 1000:7.1f} {per_token:7.3f}"
            )
    sent, longer = (statistics.mean(totals[k]) for k in ("as sent", "with maxLength"))
    print(
        f"\nsampling seconds per generated token: as sent {sent:.3f}, with maxLength "
        f"{longer:.3f} ({longer / sent:.2f}x)\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--model-path", type=Path, default=None)
    parser.add_argument(
        "--paths", default="auto", help="auto (as users get it), or fast,portable to compare"
    )
    parser.add_argument(
        "--modes", default="all", help="all, metrics, tools, or several to compare: tools,all"
    )
    parser.add_argument(
        "--prompts", default=DEFAULT_PROMPT, help="prompt ids, or several: extract.v2,extract.v3"
    )
    parser.add_argument("--grammar-probe", type=int, default=0, metavar="N")
    parser.add_argument(
        "--samplers",
        default="",
        help=f"server samplers to compare, e.g. full,check-first,top-64 ({', '.join(SAMPLERS)})",
    )
    args = parser.parse_args()
    items = read([SEEDS]).items[: args.limit]
    model = args.model_path or ensure_model(DEFAULT)
    chosen = {"auto": None, "fast": True, "portable": False}
    results = []
    for path in args.paths.split(","):
        settings = Settings(provider="local", model_path=model)
        backend = LocalBackend(model, settings, repack=chosen[path])
        try:
            samplers: list[str | None] = list(args.samplers.split(",")) if args.samplers else [None]
            runs = itertools.product(args.prompts.split(","), args.modes.split(","), samplers)
            for prompt, mode, sampler in runs:
                wanted = settings.model_copy(
                    update={"metrics_only": mode == "metrics", "prompt": prompt}
                )
                what = "all fields, tools mode" if mode == "tools" else f"{mode} fields"
                how = f", sampler {sampler}" if sampler else ""
                label = f"{backend.path_name} CPU path, {what}, {prompt}{how}"
                result = run_path(
                    items, backend, wanted, label, tools=mode == "tools", sampler=sampler
                )
                result.group = f"{backend.path_name} {prompt} {mode}"
                results.append(result)
            if args.grammar_probe:
                grammar_probe(items[: args.grammar_probe], backend, settings)
        finally:
            backend.close()
    if len(results) < 2:
        return
    print(f"{'run':<50} {'prompt tok/s':>12} {'gen tok/s':>9} {'median s':>8} {'mean s':>7}")
    for result in results:
        print(
            f"{result.name:<50} {result.rate('prompt_evaluated', 'prompt_ms'):12.1f} "
            f"{result.rate('completion', 'eval_ms'):9.2f} {statistics.median(result.walls):8.1f} "
            f"{statistics.mean(result.walls):7.1f}"
        )
    for other in results[1:]:
        # Against the first run asking the same (prompt and fields): records are comparable.
        first = next(r for r in results if r.group == other.group)
        if first is other:
            first = results[0]
        total = sum(other.walls) / sum(first.walls)
        line = f"{other.name} / {first.name}: total time {total:.2f}"
        if first.group == other.group:
            pairs = zip(first.answers, other.answers, strict=True)
            same = sum(a == b and a is not None for a, b in pairs)
            line += f"; records identical on {same} of {len(first.answers)} papers"
        print(line)


if __name__ == "__main__":
    main()
