"""The lines of a text one at a time, as `str.splitlines` would give them all at once.

A 50 MB digest split whole is a second copy of it in 40,000 strings; the readers walk the text
instead, so that a file costs its text and the item being read, not twice its size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# `str.splitlines`'s boundaries: \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, \u2028, \u2029.
_LINE = re.compile(
    r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*(\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])?"
)


def iter_lines(text: str) -> Iterator[str]:
    """`text.splitlines()`, lazily: the same lines, without their line ends."""
    at, end = 0, len(text)
    while at < end:
        found = _LINE.match(text, at)
        assert found is not None  # the pattern matches the empty string
        yield text[at : found.start(1)] if found.group(1) else text[at : found.end()]
        at = found.end()
