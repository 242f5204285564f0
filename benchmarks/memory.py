"""Peak memory of `summarize extract --provider rules` over a large digest, and of a resume.

Builds a digest of about 50 MB from the seed rows (each row made its own), runs `summarize
extract` on it in a child process, then the same command again (a resume with nothing to do),
and prints each run's peak resident set size. The targets: under 300 MB for the run and under
150 MB for the resume (the CLI once kept every record and the reader held the whole file twice:
692 MB and 379 MB).

    python benchmarks/memory.py [--megabytes 50]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS_MB = {"extract": 300, "resume": 150}


def _digest(path: Path, megabytes: int) -> int:
    table = [line for line in (ROOT / "tests/fixtures/seed_digest.txt").open() if line[:1] == "|"]
    header, rows = table[:2], table[2:]
    size, count = 0, 0
    with path.open("w", encoding="utf-8") as out:
        out.writelines(header)
        while size < megabytes * 1_000_000:
            row = rows[count % len(rows)].rstrip().removesuffix("|").rstrip()
            line = f"{row} Run {count}. |\n"
            out.write(line)
            size, count = size + len(line), count + 1
    return count


def _peak_mb(command: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of `command`, run in a fresh child process."""
    started = time.perf_counter()
    code = f"import resource, subprocess, sys; subprocess.run({command!r}, check=True); " + (
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return time.perf_counter() - started, int(out.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        digest, output = Path(folder) / "digest.md", Path(folder) / "out.jsonl"
        rows = _digest(digest, args.megabytes)
        command = [sys.executable, "-m", "summarizer.cli", "extract", str(digest),
                   "--provider", "rules", "-o", str(output)]  # fmt: skip
        print(f"{digest.stat().st_size / 1e6:.0f} MB digest, {rows:,} rows")
        for name in ("extract", "resume"):
            seconds, peak = _peak_mb(command)
            verdict = "OK" if peak < TARGETS_MB[name] else "OVER"
            print(f"{name:8s} {seconds:6.1f} s  peak RSS {peak:6.0f} MB  "
                  f"(target < {TARGETS_MB[name]} MB: {verdict})")  # fmt: skip


if __name__ == "__main__":
    main()
