"""The one page shell and stylesheet of every HTML output (rendered digests, eval reports).

Each page is self-contained, so it opens from disk and survives being mailed or archived: the
style is inline and nothing is fetched. Callers escape their own content (`html.escape`).
"""

from __future__ import annotations

import html

STYLE = (
    "body{font:15px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
    "color:#222}table{border-collapse:collapse}td,th{padding:6px 10px;vertical-align:top;"
    "text-align:left;border-bottom:1px solid #ddd}small{color:#666}"
)


def page(title: str, body: str, style: str = "") -> str:
    """A standalone HTML page: `title` (escaped here), `body` (already HTML), the shared
    stylesheet and the page's own `style` after it."""
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>'
        f"{html.escape(title)}</title><style>{STYLE}{style}</style></head><body>\n"
        f"{body}\n</body></html>\n"
    )
