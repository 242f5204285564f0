"""How long `summarize --help` takes, beside a bare Python start measured in the same run.

Target: under 0.3 s for `summarize --help`.

    python benchmarks/cli_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def timed(command: list[str], runs: int) -> float:
    """Median wall seconds of `runs` runs of `command`."""
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    bare = timed([sys.executable, "-c", "pass"], args.runs)
    help_ = timed([sys.executable, "-m", "summarizer.cli", "--help"], args.runs)
    extract_help = timed([sys.executable, "-m", "summarizer.cli", "extract", "--help"], args.runs)
    print(f"{'command':<26} {'median s':>8} {'/ bare':>7}")
    for name, value in (("python -c pass", bare), ("summarize --help", help_),
                        ("summarize extract --help", extract_help)):  # fmt: skip
        print(f"{name:<26} {value:8.3f} {value / bare:7.1f}")
    print(f"summarize --help: {help_:.3f} s (target < 0.3 s)")


if __name__ == "__main__":
    main()
