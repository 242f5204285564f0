"""Cells for CSV files that a spreadsheet opens: text that cannot be run as a formula.

A spreadsheet reads a cell beginning with `=`, `+`, `-` or `@` (or a tab or carriage return
before one) as a formula: a title such as `=HYPERLINK("http://…")` would run when the CSV is
opened. As OWASP's CSV-injection guidance advises, such a cell is written with a leading `'`,
which the spreadsheet shows as text. A plain signed number ("-2.1", "+3.15%") is left as it is:
it computes nothing.
"""

from __future__ import annotations

import re
from typing import Any

_RISKY = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+\-]?\d+(?:[.,]\d+)*%?")


def safe_cell(value: Any) -> Any:
    """`value` as a CSV cell that cannot run: a risky string gets a leading `'`."""
    if isinstance(value, str) and value.startswith(_RISKY) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_row(row: dict[str, Any]) -> dict[str, Any]:
    """Each cell of `row` made safe (see `safe_cell`)."""
    return {key: safe_cell(value) for key, value in row.items()}
