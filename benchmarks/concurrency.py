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
import time
from pathlib import Path

from summarizer import Item, Settings, extract_many, read

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


def run(items: list[Item], url: str, concurrency: int, out: Path) -> tuple[float, float, int]:
    settings = Settings(base_url=url, model="stub", concurrency=concurrency, max_reasks=0)
    cpu, wall = time.process_time(), time.perf_counter()
    result = extract_many(items, settings, output=out)
    return time.perf_counter() - wall, time.process_time() - cpu, result.summary.done


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
            seq_wall, seq_cpu, seq_done = run(items, url, 1, folder / "seq.jsonl")
            par_wall, par_cpu, par_done = run(items, url, args.concurrency, folder / "par.jsonl")
        finally:
            stub.terminate()
            stub.wait()
    n = len(items)
    ideal_seq, ideal_par = n * args.delay, n * args.delay / args.concurrency
    print(f"{n} items, stub delay {args.delay * 1000:.0f} ms, done {seq_done} / {par_done}")
    print(f"{'run':<16} {'wall s':>8} {'ideal s':>8} {'wall/ideal':>10} {'cpu ms/item':>12}")
    print(f"{'sequential':<16} {seq_wall:8.2f} {ideal_seq:8.2f} {seq_wall / ideal_seq:10.3f} "
          f"{seq_cpu / n * 1000:12.2f}")  # fmt: skip
    print(f"{f'concurrency {args.concurrency}':<16} {par_wall:8.2f} {ideal_par:8.2f} "
          f"{par_wall / ideal_par:10.3f} {par_cpu / n * 1000:12.2f}")  # fmt: skip
    print(f"speed-up over sequential: {seq_wall / par_wall:.1f}x (target >= 12x)")
    print(f"concurrency {args.concurrency} / ideal: {par_wall / ideal_par:.3f} (target <= 1.15)")
    print(f"toolkit CPU per item: {seq_cpu / n * 1000:.2f} ms (target < 2 ms)")


if __name__ == "__main__":
    main()
