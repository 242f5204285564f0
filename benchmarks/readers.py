"""Readers side by side: the same abstracts as JSON Lines, as one JSON array and as an Atom feed.

Writes N abstracts (from the seed set, each made its own) in the three formats, reads each with
`summarizer.read` in one process, several times, and prints the fastest time of each and its
ratio to JSON Lines. The target: the array and the feed within 1.5x of JSON Lines (their
readers once counted line numbers from the start of the file for every element, which made a
40,000-element array 10x slower than the same items as JSON Lines).

    python benchmarks/readers.py [--items 40000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from html import escape
from pathlib import Path

from summarizer import read

ROOT = Path(__file__).resolve().parent.parent
TARGET = 1.5


def _abstracts(count: int) -> list[dict[str, str]]:
    seeds = [json.loads(line) for line in (ROOT / "tests/fixtures/seed_abstracts.jsonl").open()]
    return [
        {
            "arxiv_id": f"2501.{n:05d}",
            "title": f"{seeds[n % len(seeds)]['title']} ({n})",
            "abstract": f"{seeds[n % len(seeds)]['abstract']} Run {n}.",
        }
        for n in range(count)
    ]


def _atom(rows: list[dict[str, str]]) -> str:
    entries = "".join(
        f"<entry>\n<id>http://arxiv.org/abs/{r['arxiv_id']}v1</id>\n"
        f"<title>{escape(r['title'])}</title>\n<summary>{escape(r['abstract'])}</summary>\n"
        "</entry>\n"
        for r in rows
    )
    return f'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n{entries}</feed>\n'


def _fastest(path: Path, runs: int, expected: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        reading = read([path], max_input_bytes=1 << 30)
        times.append(time.perf_counter() - started)
        assert len(reading.items) == expected, (path, len(reading.items), reading.problems[:3])
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = _abstracts(args.items)
    with tempfile.TemporaryDirectory() as folder:
        files = {
            "jsonl": Path(folder, "a.jsonl"),
            "array": Path(folder, "a.json"),
            "atom": Path(folder, "a.xml"),
        }
        files["jsonl"].write_text("".join(json.dumps(r) + "\n" for r in rows))
        files["array"].write_text("[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]\n")
        files["atom"].write_text(_atom(rows))
        times = {name: _fastest(path, args.runs, len(rows)) for name, path in files.items()}
    print(f"{len(rows):,} abstracts, fastest of {args.runs} runs each")
    for name, seconds in times.items():
        ratio = seconds / times["jsonl"]
        verdict = "" if name == "jsonl" else ("  ok" if ratio <= TARGET else "  OVER TARGET")
        print(
            f"  {name:<6} {seconds:6.2f} s   {ratio:4.2f}x JSON Lines (target {TARGET}x){verdict}"
        )


if __name__ == "__main__":
    main()
