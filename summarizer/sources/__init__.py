"""Sources: files, folders and streams read into `Item`s, with a `Problem` for what cannot be read.

`reader` recognises each input by content and hands it to `digest` (daily-digest markdown tables)
or `abstracts` (JSON, JSONL, plain text, arXiv Atom XML).
"""

from __future__ import annotations

from summarizer.sources.reader import Reading, iter_read, read

__all__ = ["Reading", "iter_read", "read"]
