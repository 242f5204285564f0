"""The record schema: what the model fills (`Extraction`) and what the toolkit writes (`Record`).

The model-facing half is deliberately small and bounded: lists and strings carry maximum sizes
so that grammar-constrained local models cannot loop until the token limit, and evidence is cited
by sentence number instead of copied text, which keeps completions short.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from summarizer.item import Location, SourceKind

SCHEMA_VERSION = "1.0"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Sentence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
Direction = Literal["higher_is_better", "lower_is_better"]


class Method(BaseModel):
    """A method, technique or resource the paper introduces or relies on."""

    name: Short
    description: Sentence = Field(description="One short sentence.")


class ExtractedMetric(BaseModel):
    """A headline quantitative result as the model reports it."""

    metric: Short = Field(description="What is measured, e.g. 'accuracy' or 'collision rate'.")
    value: float = Field(description="The number as a plain decimal (26% -> 26, 3x -> 3).")
    value_text: Short = Field(description="The number exactly as written, e.g. '26%' or '3x'.")
    unit: Short | None = Field(default=None, description="'%', 'x', 'points', 'tokens', ...")
    benchmark: Short | None = Field(default=None, description="Benchmark or dataset.")
    subject: Short | None = Field(default=None, description="Model or system that scored it.")
    comparison: Short | None = Field(default=None, description="Baseline compared against.")
    direction: Direction | None = None
    evidence: list[Annotated[int, Field(ge=1)]] = Field(
        min_length=1, max_length=3, description="Numbers of the sentences that state the value."
    )


class Extraction(BaseModel):
    """Structured summary of one paper, as extracted from its text."""

    one_line_summary: Sentence
    objective: Sentence
    methods: list[Method] = Field(max_length=4)
    headline_metrics: list[ExtractedMetric] = Field(max_length=4)
    implications: list[Sentence] = Field(max_length=3, description="For AI practitioners.")


class Evidence(BaseModel):
    """A cited source sentence and its `[start, end)` character span in `source.text`."""

    sentence: int
    start: int
    end: int
    text: str


class Metric(BaseModel):
    """A headline metric tied to the source sentences that state it."""

    metric: str
    value: float
    value_text: str
    unit: str | None = None
    benchmark: str | None = None
    subject: str | None = None
    comparison: str | None = None
    direction: Direction | None = None
    evidence: list[Evidence]
    grounded: bool
    grounding_note: str | None = None


class Grounding(BaseModel):
    """How many of a record's metrics were found in the sentences they cite."""

    grounded: int
    ungrounded: int
    ungrounded_before_reask: int = Field(
        default=0, description="Ungrounded metrics in the first answer, before the re-ask."
    )


class Usage(BaseModel):
    """Tokens spent on one item, over every attempt."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class Source(BaseModel):
    """The input a record was extracted from."""

    kind: SourceKind
    location: Location
    arxiv_id: str | None
    title: str
    authors: list[str]
    digest_date: date | None
    text: str


class Provenance(BaseModel):
    """How a record was produced."""

    model: str
    provider: str
    prompt_id: str
    prompt_hash: str
    schema_version: str = SCHEMA_VERSION
    usage: Usage
    latency_s: float
    attempts: int
    created_at: datetime


class Record(BaseModel):
    """One validated, source-grounded record: a line of `summarize extract` output."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["ok"] = "ok"
    key: str = Field(description="Resume key: input text, prompt and model hashed together.")
    one_line_summary: str
    objective: str
    methods: list[Method]
    headline_metrics: list[Metric]
    implications: list[str]
    grounding: Grounding
    source: Source
    provenance: Provenance


class ErrorInfo(BaseModel):
    """Why an item failed."""

    type: str
    message: str
    attempts: int


class ErrorLine(BaseModel):
    """A failed item, written in place of its record so that nothing is dropped silently."""

    status: Literal["error"] = "error"
    key: str
    source: Source
    error: ErrorInfo
    created_at: datetime


def record_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a `Record`."""
    schema = Record.model_json_schema()
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:summarizer:record:{SCHEMA_VERSION}",
        **schema,
    }


def render_json_schema() -> str:
    """`record_json_schema()` as stable, indented JSON text."""
    return json.dumps(record_json_schema(), indent=2, sort_keys=True) + "\n"
