"""summarizer: validated, source-grounded records from AI-paper digests and arXiv abstracts."""

from summarizer.config import Settings
from summarizer.errors import (
    ConfigError,
    ExtractionError,
    ProviderError,
    SummarizerError,
    TruncatedOutputError,
)
from summarizer.extract import Extractor, extract
from summarizer.item import Item, Location, Problem
from summarizer.pipeline import RunResult, RunSummary, extract_many
from summarizer.reader import Reading, read
from summarizer.schema import ErrorLine, Extraction, Metric, Record, record_json_schema
from summarizer.validate import ValidationReport, validate_file

__all__ = [
    "ConfigError",
    "ErrorLine",
    "Extraction",
    "ExtractionError",
    "Extractor",
    "Item",
    "Location",
    "Metric",
    "Problem",
    "ProviderError",
    "Reading",
    "Record",
    "RunResult",
    "RunSummary",
    "Settings",
    "SummarizerError",
    "TruncatedOutputError",
    "ValidationReport",
    "extract",
    "extract_many",
    "read",
    "record_json_schema",
    "validate_file",
]
