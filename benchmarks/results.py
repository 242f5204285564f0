"""`summarize results` over a year of the rules provider's records: time to answer a query.

Builds 5,000 records with the rules provider from a realistic archive (`archive.py`), then
times the whole `summarize results QUERY RECORDS` process (start-up included) for a few
benchmark names, and the query alone in-process, side by side; prints the fastest of the runs
(as `timeit` does: this machine's speed varies between identical runs) as a ratio to the target
of 1 s, and the median.

    python benchmarks/results.py [--rows 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from archive import write_archive

from summarizer.records.results import results_in

TARGET_S = 1.0
QUERIES = ("MATH-500", "SWE-bench Verified", "MathVista", "accuracy")


def command(query: str, records: Path) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "summarizer.cli", "results", query, str(records), "--format",
         "csv"],
        check=True,
        capture_output=True,
        text=True,
    )  # fmt: skip
    return time.perf_counter() - started, done.stderr.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        write_archive(tmp / "archive", args.rows)
        records = tmp / "records.jsonl"
        subprocess.run(
            [sys.executable, "-m", "summarizer.cli", "extract", str(tmp / "archive"),
             "--provider", "rules", "-o", str(records)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        count = sum(1 for _ in records.open())
        print(f"{count} records ({records.stat().st_size / 1e6:.1f} MB) from {args.rows} rows\n")
        print(f"{'query':<20} {'fastest s':>9} {'/ target':>9} {'median s':>9} "
              f"{'in-process s':>13}  found")  # fmt: skip
        for query in QUERIES:
            times, said = [], ""
            for _ in range(args.runs):
                seconds, said = command(query, records)
                times.append(seconds)
            started = time.perf_counter()
            results_in(query, [records])
            inner = time.perf_counter() - started
            best, median = min(times), statistics.median(times)
            print(f"{query:<20} {best:9.2f} {best / TARGET_S:9.2f} {median:9.2f} "
                  f"{inner:13.3f}  {said}")  # fmt: skip


if __name__ == "__main__":
    main()
