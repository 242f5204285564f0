"""summarizer: validated, source-grounded records from AI-paper digests and arXiv abstracts.

The public API is imported on first use of each name, so that a program that needs one part
(the `summarize` command's help, say) does not pay for all of them.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names as `__all__` (a test compares them), typed for checkers
    from summarizer.claims import Violation, verify
    from summarizer.config import Settings
    from summarizer.errors import (
        BudgetSpentError,
        ConfigError,
        ExtractionError,
        FatalProviderError,
        OutputError,
        ProviderError,
        ServerDiedError,
        SummarizerError,
        TruncatedOutputError,
    )
    from summarizer.export import Tables, tables
    from summarizer.extractor import Extractor, extract
    from summarizer.item import Item, Location, Problem
    from summarizer.pipeline import RunResult, RunSummary, extract_many
    from summarizer.providers import Backend, Completion, Request
    from summarizer.providers.fake import FakeBackend
    from summarizer.reask import ReaskPolicy
    from summarizer.render import render_html, render_markdown
    from summarizer.results import Result, find_results, results_in
    from summarizer.schema import (
        ErrorLine,
        Evidence,
        ExtractedMetric,
        Extraction,
        Method,
        Metric,
        Provenance,
        Record,
        record_json_schema,
    )
    from summarizer.sources import Reading, read
    from summarizer.store import Line, LineReading, read_lines
    from summarizer.usage import Usage
    from summarizer.validate import ValidationReport, validate_file

_HOMES = {
    "Settings": "config",
    "BudgetSpentError": "errors",
    "ConfigError": "errors",
    "ExtractionError": "errors",
    "FatalProviderError": "errors",
    "OutputError": "errors",
    "ProviderError": "errors",
    "ServerDiedError": "errors",
    "SummarizerError": "errors",
    "TruncatedOutputError": "errors",
    "Tables": "export",
    "tables": "export",
    "render_html": "render",
    "render_markdown": "render",
    "Result": "results",
    "find_results": "results",
    "results_in": "results",
    "Extractor": "extractor",
    "extract": "extractor",
    "Item": "item",
    "Location": "item",
    "Problem": "item",
    "RunResult": "pipeline",
    "RunSummary": "pipeline",
    "extract_many": "pipeline",
    "Reading": "sources",
    "read": "sources",
    "Backend": "providers",
    "Completion": "providers",
    "Request": "providers",
    "FakeBackend": "providers.fake",
    "ReaskPolicy": "reask",
    "ErrorLine": "schema",
    "Evidence": "schema",
    "ExtractedMetric": "schema",
    "Extraction": "schema",
    "Method": "schema",
    "Metric": "schema",
    "Provenance": "schema",
    "Record": "schema",
    "record_json_schema": "schema",
    "Line": "store",
    "LineReading": "store",
    "read_lines": "store",
    "Usage": "usage",
    "ValidationReport": "validate",
    "validate_file": "validate",
    "Violation": "claims",
    "verify": "claims",
}

__all__ = [
    "Backend",
    "BudgetSpentError",
    "Completion",
    "ConfigError",
    "ErrorLine",
    "Evidence",
    "ExtractedMetric",
    "Extraction",
    "ExtractionError",
    "Extractor",
    "FakeBackend",
    "FatalProviderError",
    "Item",
    "Line",
    "LineReading",
    "Location",
    "Method",
    "Metric",
    "OutputError",
    "Problem",
    "Provenance",
    "ProviderError",
    "Reading",
    "ReaskPolicy",
    "Record",
    "Request",
    "Result",
    "RunResult",
    "RunSummary",
    "ServerDiedError",
    "Settings",
    "SummarizerError",
    "Tables",
    "TruncatedOutputError",
    "Usage",
    "ValidationReport",
    "Violation",
    "extract",
    "extract_many",
    "find_results",
    "read",
    "read_lines",
    "record_json_schema",
    "render_html",
    "render_markdown",
    "results_in",
    "tables",
    "validate_file",
    "verify",
]


def __getattr__(name: str) -> Any:
    if name == "Source":  # a second name for Item until 0.2 (see CHANGELOG.md)
        warnings.warn(
            "summarizer.Source is deprecated; use summarizer.Item", DeprecationWarning, stacklevel=2
        )
        name = "Item"
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"summarizer.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
