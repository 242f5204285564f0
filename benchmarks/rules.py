"""Rules-provider throughput end to end: read, extract, ground and write, on real digests.

Prints rows per second for reading alone and for the whole pipeline, side by side in one run,
and the ratio to the target of 1,000 rows per second on 2 cores.

    python benchmarks/rules.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from summarizer import Extractor, Settings, extract_many, read

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "seeds", *sorted((ROOT / "tests" / "fixtures").glob("20*.md"))]
TARGET = 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rows = len(read(SOURCES).items)
    started = time.perf_counter()
    for _ in range(args.repeat):
        read(SOURCES)
    read_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp, Extractor(Settings(provider="rules")) as rules:
        started = time.perf_counter()
        for n in range(args.repeat):
            items = read(SOURCES).items
            extract_many(items, output=Path(tmp) / f"out{n}.jsonl", extractor=rules)
        full_s = time.perf_counter() - started
    total = rows * args.repeat
    print(f"{rows} digest rows from {len(SOURCES)} sources, {args.repeat} repeats")
    print(f"read only:                     {total / read_s:9.0f} rows/s")
    print(f"read + extract + ground + write: {total / full_s:7.0f} rows/s")
    print(f"end to end / target ({TARGET:.0f} rows/s): {total / full_s / TARGET:.2f}")


if __name__ == "__main__":
    main()
