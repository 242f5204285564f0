"""Bounded concurrency against a stub that answers valid records after a fixed delay.

Runs the same items sequentially and at concurrency 16 in one run, and prints wall times, the
ideal (items x delay / concurrency) and the ratios, plus the toolkit's own CPU time per item
(parse, validate, ground, write; the stub runs in another process).

Targets: concurrency 16 within 1.15x of ideal; at least 12x faster than sequential; toolkit CPU
time under 2 ms per item.

    python benchmarks/concurrency.py [--items 200] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from summarizer import Extractor, Item, Settings, extract_many, read
from summarizer.providers import Backend, Completion, Request
from summarizer.providers.openai import OpenAIBackend

ROOT = Path(__file__).resolve().parent.parent


def make_items(count: int) -> list[Item]:
    """`count` distinct items made from the seed digest rows."""
    seeds = read([ROOT / "seeds"]).items
    return [
        seeds[n % len(seeds)].model_copy(
            update={"text": f"{seeds[n % len(seeds)].text} Variant {n}."}
        )
        for n in range(count)
    ]


def start_stub(delay: float, folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    port_file = folder / "port"
    stub = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "stub_server.py"), "--delay", str(delay),
         "--port-file", str(port_file)]
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline:
            raise RuntimeError("stub did not start")
        time.sleep(0.05)
    return stub, f"http://127.0.0.1:{port_file.read_text()}/v1"


class TimedBackend:
    """Counts the CPU time spent inside the client libraries (openai + instructor)."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.provider, self.model = inner.provider, inner.model
        self.max_concurrency = inner.max_concurrency
        self.uses_prompt = inner.uses_prompt
        self.wire = inner.wire
        self.cpu = 0.0
        self._lock = threading.Lock()

    def complete(self, request: Request) -> Completion:
        started = time.thread_time()
        try:
            return self.inner.complete(request)
        finally:
            with self._lock:
                self.cpu += time.thread_time() - started

    def close(self) -> None:
        self.inner.close()


@dataclass
class Run:
    wall: float
    cpu: float
    client_cpu: float
    done: int


def run(items: list[Item], url: str, concurrency: int, out: Path) -> Run:
    settings = Settings(base_url=url, model="stub", concurrency=concurrency, max_reasks=0)
    backend = TimedBackend(OpenAIBackend(settings))
    with Extractor(settings, backend=backend) as extractor:
        cpu, wall = time.process_time(), time.perf_counter()
        result = extract_many(items, output=out, extractor=extractor)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return Run(wall, cpu, backend.cpu, result.summary.done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    items = make_items(args.items)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        stub, url = start_stub(args.delay, folder)
        try:
            run(items[:4], url, 4, folder / "warmup.jsonl")
            seq = run(items, url, 1, folder / "seq.jsonl")
            par = run(items, url, args.concurrency, folder / "par.jsonl")
        finally:
            stub.terminate()
            stub.wait()
    n = len(items)
    ideal_seq, ideal_par = n * args.delay, n * args.delay / args.concurrency
    print(f"{n} items, stub delay {args.delay * 1000:.0f} ms, done {seq.done} / {par.done}")
    print(f"{'run':<16} {'wall s':>8} {'ideal s':>8} {'wall/ideal':>10} {'cpu ms/item':>12} "
          f"{'in client':>10} {'own':>6}")  # fmt: skip
    for name, r, ideal in (("sequential", seq, ideal_seq),
                           (f"concurrency {args.concurrency}", par, ideal_par)):  # fmt: skip
        print(f"{name:<16} {r.wall:8.2f} {ideal:8.2f} {r.wall / ideal:10.3f} "
              f"{r.cpu / n * 1000:12.2f} {r.client_cpu / n * 1000:10.2f} "
              f"{(r.cpu - r.client_cpu) / n * 1000:6.2f}")  # fmt: skip
    print(f"speed-up over sequential: {seq.wall / par.wall:.1f}x (target >= 12x)")
    print(f"concurrency {args.concurrency} / ideal: {par.wall / ideal_par:.3f} (target <= 1.15)")
    own = (seq.cpu - seq.client_cpu) / n * 1000
    print(f"toolkit CPU per item: {seq.cpu / n * 1000:.2f} ms in all, of which {own:.2f} ms is the "
          "toolkit's own (read, prompt, ground, record, write) and the rest is openai + "
          "instructor building, sending and parsing the request (target < 2 ms)")  # fmt: skip


if __name__ == "__main__":
    main()
