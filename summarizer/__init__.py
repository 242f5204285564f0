"""summarizer: validated, source-grounded records from AI-paper digests and arXiv abstracts.

The public API is imported on first use of each name, so that a program that needs one part
(the `summarize` command's help, say) does not pay for all of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the same names as `__all__` (a test compares them), typed for checkers
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
    from summarizer.extractor import Extractor, extract
    from summarizer.item import Item, Location, Problem
    from summarizer.pipeline import RunResult, RunSummary, extract_many
    from summarizer.providers import Backend, Completion, Request
    from summarizer.providers.fake import FakeBackend
    from summarizer.reask import ReaskPolicy
    from summarizer.records.claims import Violation, verify
    from summarizer.records.export import Tables, tables
    from summarizer.records.render import render_html, render_markdown
    from summarizer.records.results import Result, find_results, results_in
    from summarizer.records.schema import (
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
    from summarizer.records.store import Line, LineReading, read_lines
    from summarizer.records.validate import ValidationReport, validate_file
    from summarizer.sources import Reading, read
    from summarizer.usage import Usage

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
    "Tables": "records.export",
    "tables": "records.export",
    "render_html": "records.render",
    "render_markdown": "records.render",
    "Result": "records.results",
    "find_results": "records.results",
    "results_in": "records.results",
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
    "ErrorLine": "records.schema",
    "Evidence": "records.schema",
    "ExtractedMetric": "records.schema",
    "Extraction": "records.schema",
    "Method": "records.schema",
    "Metric": "records.schema",
    "Provenance": "records.schema",
    "Record": "records.schema",
    "record_json_schema": "records.schema",
    "Line": "records.store",
    "LineReading": "records.store",
    "read_lines": "records.store",
    "Usage": "usage",
    "ValidationReport": "records.validate",
    "validate_file": "records.validate",
    "Violation": "records.claims",
    "verify": "records.claims",
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
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'summarizer' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"summarizer.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
