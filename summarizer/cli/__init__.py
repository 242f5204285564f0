"""The `summarize` command: a thin shell over the public API.

The commands live in `main` (read, extract, eval, log, models, schema, validate), `records`
(digest, export, results) and `batch` (batch submit, status, collect, cancel); `common` holds
the app and option types they share, `display` what they show on stderr.
"""

from summarizer.cli.main import app, main

__all__ = ["app", "main"]
