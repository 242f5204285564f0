"""Embedded model on the seed digest: speed, prefix reuse, and the toolkit's overhead.

Runs the 20 seed rows one after another through the embedded llama.cpp server and prints, per
paper and side by side from the same run:
- seconds per paper as the toolkit sees it (request, validation, grounding, re-asks);
- prompt tokens the server evaluated (after its KV-cache prefix hit) against the paper's own tokens;
- completion tokens;
- the toolkit's wall time over llama.cpp's own time for the same prompts and completions, as the
  server reports it (`llama_perf_context_print: total time`).

Targets: ratio <= 1.10; median completion <= 250 tokens; prompt tokens evaluated after the first
paper <= 1.2 x the paper's own tokens.

`--paths fast,portable` runs the same papers on both of llama.cpp's CPU paths (weights repacked
or not; see `summarizer.providers.local`) one after the other and prints their speeds side by
side: prompt and generation tokens per second as llama.cpp reports them, and seconds per paper.

    python benchmarks/local_model.py [--limit N] [--model-path FILE.gguf] [--paths fast,portable]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import llama_cpp

from summarizer import Extractor, Item, Settings, SummarizerError, read
from summarizer.providers.local import LocalBackend
from summarizer.sentences import numbered, split_sentences
from summarizer.weights import DEFAULT, ensure_model

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
    """One CPU path's run over the papers."""

    name: str
    walls: list[float]
    server: list[ServerTimes]

    def rate(self, tokens: str, ms: str) -> float:
        done = sum(getattr(t, tokens) for t in self.server)
        spent = sum(getattr(t, ms) for t in self.server) / 1000
        return done / spent if spent else float("nan")


def run_path(items: list[Item], model: Path, repack: bool | None) -> PathResult:
    """Extract `items` one at a time with the server on one CPU path; print a row per paper."""
    settings = Settings(provider="local", model_path=model)
    backend = LocalBackend(model, settings, repack=repack)
    name = backend.path_name
    with Extractor(settings, backend=backend) as extractor:
        vocab = llama_cpp.Llama(str(backend.model_path), vocab_only=True, verbose=False)
        print(f"model {backend.model}, {len(items)} papers, one at a time, {name} CPU path\n")
        header = f"{'paper':<12} {'toolkit s':>9} {'llama s':>8} {'ratio':>6} {'reqs':>4} "
        print(header + f"{'own tok':>7} {'eval tok':>8} {'compl tok':>9}  status")
        rows = []
        for item in items:
            offset = backend.log_path.stat().st_size
            started = time.perf_counter()
            try:
                extractor.extract(item)
                status = "ok"
            except SummarizerError as exc:
                status = type(exc).__name__
            wall = time.perf_counter() - started
            time.sleep(0.2)  # let the server flush its perf lines
            with backend.log_path.open(encoding="utf-8", errors="replace") as log:
                log.seek(offset)
                server = parse_log(log.read())
            user = f"Title: {item.title}\n\n{numbered(split_sentences(item.text))}"
            own = len(vocab.tokenize(user.encode(), add_bos=False))
            ratio = wall / (server.total_ms / 1000) if server.total_ms else float("nan")
            rows.append((wall, server, own, ratio))
            print(
                f"{item.arxiv_id or '?':<12} {wall:9.1f} {server.total_ms / 1000:8.1f} "
                f"{ratio:6.3f} {server.requests:4d} {own:7d} {server.prompt_evaluated:8d} "
                f"{server.completion:9d}  {status}"
            )
    summarise(rows)
    return PathResult(name, [r[0] for r in rows], [r[1] for r in rows])


def summarise(rows: list[tuple[float, ServerTimes, int, float]]) -> None:
    """The targets' lines for one path."""
    later = rows[1:] or rows
    walls = [r[0] for r in rows]
    ratio_all = sum(walls) / (sum(r[1].total_ms for r in rows) / 1000)
    first_asks = [r[1].first_prompt_evaluated / r[2] for r in later if r[1].requests]
    completions = [r[1].completion / max(r[1].requests, 1) for r in rows]
    print()
    median, mean = statistics.median(walls), statistics.mean(walls)
    print(f"seconds per paper: median {median:.1f}, mean {mean:.1f}")
    print(f"toolkit / llama.cpp time: {ratio_all:.3f} (target <= 1.10)")
    print(
        f"completion tokens per request: median {statistics.median(completions):.0f} "
        "(target <= 250)"
    )
    if first_asks:
        print(
            "prompt tokens evaluated for each paper's first request after the first paper / "
            f"paper's own tokens: median {statistics.median(first_asks):.2f}, "
            f"max {max(first_asks):.2f} (target <= 1.2)"
        )
    reasks = sum(r[1].requests - 1 for r in rows)
    print(f"re-asks (grounding, validation, truncation): {reasks} over {len(rows)} papers\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--model-path", type=Path, default=None)
    parser.add_argument(
        "--paths", default="auto", help="auto (as users get it), or fast,portable to compare"
    )
    args = parser.parse_args()
    items = read([SEEDS]).items[: args.limit]
    model = args.model_path or ensure_model(DEFAULT)
    chosen = {"auto": None, "fast": True, "portable": False}
    results = [run_path(items, model, chosen[name]) for name in args.paths.split(",")]
    if len(results) < 2:
        return
    print(f"{'CPU path':<10} {'prompt tok/s':>12} {'gen tok/s':>9} {'median s/paper':>14}")
    for result in results:
        print(
            f"{result.name:<10} {result.rate('prompt_evaluated', 'prompt_ms'):12.1f} "
            f"{result.rate('completion', 'eval_ms'):9.2f} {statistics.median(result.walls):14.1f}"
        )
    first, second = results[0], results[1]
    prompt = second.rate("prompt_evaluated", "prompt_ms") / first.rate(
        "prompt_evaluated", "prompt_ms"
    )
    generation = second.rate("completion", "eval_ms") / first.rate("completion", "eval_ms")
    total = sum(second.walls) / sum(first.walls)
    print(
        f"{second.name} / {first.name}: prompt speed {prompt:.2f}, "
        f"generation speed {generation:.2f}, total time {total:.2f}"
    )


if __name__ == "__main__":
    main()
