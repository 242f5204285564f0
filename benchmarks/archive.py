"""A realistic archive of daily digests for benchmarks: many days, no row repeated.

Rows come from the real digests in `tests/fixtures` and `seeds` (five archive variants, 96
rows), and each generated row differs from every other: its numbers are rescaled, its title and
arXiv id are its own, and each day draws its own mix of rows, so no cache or duplicate check
makes a run faster than a real year of digests would.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from pathlib import Path

from summarizer import read

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "seeds", *sorted((ROOT / "tests" / "fixtures").glob("20*.md"))]
_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]*\d)")


def _vary(text: str, rng: random.Random) -> str:
    """`text` with every plain number rescaled by up to ±30%, written with the same decimals."""

    def rescale(match: re.Match[str]) -> str:
        written = match.group(1)
        value = float(written) * rng.uniform(0.7, 1.3)
        decimals = len(written.split(".")[1]) if "." in written else 0
        return f"{value:.{decimals}f}"

    return _NUMBER.sub(rescale, text)


def _code(serial: int) -> str:
    """A short name of letters only, so that it adds no number to the text."""
    letters = ""
    while True:
        serial, digit = divmod(serial, 26)
        letters += "abcdefghijklmnopqrstuvwxyz"[digit]
        if not serial:
            return letters.capitalize()


def write_archive(folder: Path, rows: int, seed: int = 7) -> int:
    """Write digests of about 30 rows a day into `folder` until `rows` rows; returns the count."""
    rng = random.Random(seed)
    pool = read(SOURCES).items
    folder.mkdir(parents=True, exist_ok=True)
    day, written, serial = date(2024, 1, 1), 0, 0
    while written < rows:
        count = min(rng.randint(20, 40), rows - written)
        lines = [f"## Papers for {day.isoformat()}", "", "| Title | Authors | Summary |",
                 "|-------|---------|---------|"]  # fmt: skip
        for item in rng.sample(pool, count):
            serial += 1
            arxiv = f"{2400 + serial // 90000}.{serial % 90000:05d}"
            # The paper's name (its title's first word) becomes its own in title and text.
            name = re.split(r"[:\s]", item.title, maxsplit=1)[0]
            new = f"{name}-{_code(serial)}"
            title = item.title.replace(name, new, 1).replace("|", "\\|")
            text = item.text.replace(name, new) if name in item.text else f"{new}: {item.text}"
            summary = _vary(text, rng).replace("|", "\\|")
            links = f"(Read more on [arXiv](https://arxiv.org/abs/{arxiv}))"
            lines.append(f"| {title} {links} | {', '.join(item.authors)} | {summary} |")
        (folder / f"{day.isoformat()}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        written += count
        day += timedelta(days=1)
    return written
