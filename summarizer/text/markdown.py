"""Text made safe for one cell of a Markdown table, for every Markdown output of the toolkit.

A record's text is the paper's, the model's or whoever edited the line: in a cell it must stay
one line, keep the table's shape, and be inert. So control characters (a NUL would make the file
binary) and line breaks become spaces, `|` is escaped as the digest reader expects, and `<`,
`>`, `[`, `]` are backslash-escaped (CommonMark's escapes), so that `<script>` and
`[x](javascript:...)` are shown as text, never run as markup or followed as a link. The digest
reader undoes these escapes when it reads a digest back.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL; tabs and line ends become spaces with the rest.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_MARKUP = re.compile(r"[<>\[\]]")


def cell(text: str) -> str:
    """`text` as one safe table cell (see module docstring)."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    return _MARKUP.sub(r"\\\g<0>", flat.replace("|", "\\|"))
