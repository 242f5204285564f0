"""Rules-provider throughput end to end: read, extract, ground and write, on digests.

Two measurements, side by side in one run:
- a realistic archive (`archive.py`: rows of the real test digests, each made its own, about 30
  a day), timed as the whole `summarize extract --provider rules` process, start-up included;
- the real digest rows repeated in-process (the earlier measure; repeats share their caches).
Each is printed in rows per second and as a ratio to the target of 1,000 rows per second on 2
cores. The archive is timed several times and judged on the fastest run, as `timeit` does: the
speed of a shared machine varies between identical runs (a fixed CPU loop here took from 2.2 to
3.5 s), and the fastest run is the one least slowed by others. The median is printed too.

    python benchmarks/rules.py [--rows 5000] [--runs 3] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive import SOURCES, write_archive

from summarizer import Extractor, Settings, extract_many, read

TARGET = 1000.0


def whole_process(archive: Path, out: Path) -> float:
    """Seconds for one `summarize extract` over `archive` into a new `out`."""
    out.unlink(missing_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "summarizer.cli", "extract", str(archive), "--provider", "rules",
         "-o", str(out)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def repeated(repeat: int, tmp: Path) -> tuple[int, float]:
    """Rows and seconds for reading and extracting the real rows `repeat` times in-process."""
    rows = len(read(SOURCES).items)
    with Extractor(Settings(provider="rules")) as rules:
        started = time.perf_counter()
        for n in range(repeat):
            extract_many(read(SOURCES).items, output=tmp / f"out{n}.jsonl", extractor=rules)
        return rows * repeat, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        rows = write_archive(tmp / "archive", args.rows)
        days = len(list((tmp / "archive").iterdir()))
        times = [whole_process(tmp / "archive", tmp / "out.jsonl") for _ in range(args.runs)]
        written = sum(1 for _ in (tmp / "out.jsonl").open())
        total, seconds = repeated(args.repeat, tmp)
    best, median = min(times), statistics.median(times)
    print(f"realistic archive: {rows} rows over {days} days, {written} records written")
    print(f"  whole process, {args.runs} runs: {', '.join(f'{t:.2f}' for t in times)} s")
    print(f"  fastest {best:.2f} s = {rows / best:.0f} rows/s; median {median:.2f} s = "
          f"{rows / median:.0f} rows/s")  # fmt: skip
    print(
        f"  fastest / target ({TARGET:.0f} rows/s): {rows / best / TARGET:.2f}; "
        f"median / target: {rows / median / TARGET:.2f}"
    )
    print(f"repeated real rows in-process: {total} rows, {total / seconds:.0f} rows/s")
    print(f"  / target: {total / seconds / TARGET:.2f}")


if __name__ == "__main__":
    main()
