"""The record schema: what the model fills (`Extraction`) and what the toolkit writes (`Record`).

The model-facing half is built per request (`answer_model`) and is deliberately small: a metric's
value is chosen from the numbers the text states rather than written, evidence is cited by
sentence number instead of copied text, and lists are bounded, so that grammar-constrained local
models stay short and cannot invent a number.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
)

from summarizer.item import Item
from summarizer.usage import Usage

# 3.0: `schema_version` and `created_at` on every line (error lines too), usage and the last
# output on error lines. 3.1: labels and prose numbers checked against the source
# (`unstated_labels` per metric, `unstated_labels` and `unstated_prose_numbers` in `grounding`),
# a grounded `value_text` the source's own span. Older lines are read (see `store.read_lines`),
# never resumed.
SCHEMA_VERSION = "3.1"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_METRICS = 4
_SHORT, _LONG = 120, 400
# The most characters a label or name keeps, and a prose field of the answer (a summary, an
# objective, an implication); longer ones are cut, with an ellipsis.
SHORT_CHARS, LONG_CHARS = _SHORT, _LONG


def _clip(limit: int) -> Callable[[str], str]:
    """Strip, refuse empty, and cut text longer than `limit` at a word boundary.

    Lengths are enforced here rather than as `maxLength` in the schema sent to the model, so
    that a long answer is cut instead of refused and re-asked, and the schema a server puts in
    the prompt stays short. (Whether `maxLength` also slows llama.cpp's grammar sampling is not
    settled: `benchmarks/local_model.py --grammar-probe` measures it.)
    """

    def clip(text: str) -> str:
        text = " ".join(text.split())
        if not text:
            raise ValueError("must not be empty")
        if len(text) <= limit:
            return text
        return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:") + "\u2026"

    return clip


def clip(text: str, limit: int = LONG_CHARS) -> str:
    """`text` cut as the answer schema cuts a field of `limit` characters (see `_clip`)."""
    return _clip(limit)(text)


_NO_VALUE = frozenset({"", "null", "none", "n/a", "na", "-"})


def _none_if_blank(value: Any) -> Any:
    return None if isinstance(value, str) and value.strip().lower() in _NO_VALUE else value


ShortText = Annotated[str, AfterValidator(_clip(_SHORT))]
LongText = Annotated[str, AfterValidator(_clip(_LONG))]
# An optional label left blank or written as a word for nothing ("benchmark": "", "null",
# "none") says the same as null: read it so, rather than refusing the answer (a re-ask for a
# field that may have no value) or keeping "null" as a benchmark name.
Label = Annotated[ShortText | None, BeforeValidator(_none_if_blank)]


def _compact(schema: dict[str, Any]) -> None:
    """Shrink the schema a model reads (servers put it in the prompt): no per-property titles,
    and an optional field is shown as its type alone, to be left out rather than sent as null
    (the model still may send null)."""
    for name, prop in schema.get("properties", {}).items():
        prop.pop("title", None)
        options = prop.get("anyOf", [])
        if name not in schema.get("required", []) and {"type": "null"} in options:
            schema["properties"][name] = next(o for o in options if o != {"type": "null"})


_COMPACT = ConfigDict(json_schema_extra=_compact)


class _Strict(BaseModel):
    """A model that refuses unknown fields: a misspelt field is an error, not lost data."""

    model_config = ConfigDict(extra="forbid")


class Method(_Strict):
    """A method, technique or resource the paper introduces or relies on."""

    name: ShortText
    description: LongText


class _Labels(_Strict):
    """What a headline number measures: the fields a picked and a grounded metric share."""

    metric: ShortText
    value_text: ShortText
    benchmark: Label = None
    subject: Label = None
    comparison: Label = None


class ExtractedMetric(_Labels):
    """A headline result as the model (or the rules provider) picks it: which number, and what
    it measures. The numeric value and unit are derived from `value_text` by grounding."""

    model_config = _COMPACT

    evidence: list[int] = Field(min_length=1, max_length=3)


class _Prose(_Strict):
    """The written part of a summary, shared by an extraction and a record. In metrics-only
    runs it stays empty."""

    one_line_summary: str = ""
    objective: str = ""
    methods: list[Method] = Field(default_factory=list, max_length=4)
    implications: list[str] = Field(default_factory=list, max_length=3)


class Extraction(_Prose):
    """Structured summary of one paper, as extracted from its text."""

    model_config = _COMPACT

    headline_metrics: list[ExtractedMetric] = Field(default_factory=list, max_length=MAX_METRICS)


class _Inlined(BaseModel):
    """A model whose JSON Schema has its nested models written in place (no `$defs`), so that
    the schema reads in property order."""

    model_config = _COMPACT

    @field_validator("methods", mode="before", check_fields=False)
    @classmethod
    def _drop_blank_methods(cls, value: Any) -> Any:
        # A small model sometimes leaves a second method's name or description empty. Such a
        # method says nothing; refusing the whole answer for it costs re-asks that repeat it.
        if not isinstance(value, list):
            return value
        return [
            m
            for m in value
            if not isinstance(m, dict)
            or all(isinstance(m.get(k), str) and m[k].strip() for k in ("name", "description"))
        ]

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema with every `$ref` replaced by its definition."""
        schema = super().model_json_schema(*args, **kwargs)
        defs = schema.pop("$defs", {})

        def inline(node: Any) -> Any:
            if isinstance(node, dict):
                if "$ref" in node:
                    return inline(defs[node["$ref"].rsplit("/", 1)[-1]])
                return {k: inline(v) for k, v in node.items()}
            if isinstance(node, list):
                return [inline(v) for v in node]
            return node

        inlined: dict[str, Any] = inline(schema)
        return inlined


# The model-facing method: the same fields, without a docstring to repeat in every prompt.
_METHOD = create_model(
    "Method", __config__=_COMPACT, name=(ShortText, ...), description=(LongText, ...)
)


def invalid_because(exc: ValidationError) -> str:
    """Why an answer did not validate, in one line: the first error's field and message."""
    errors = exc.errors()
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "the answer"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def _one_of(options: tuple[Any, ...]) -> Any:
    """`Literal[options]`, built at run time: a JSON Schema `enum`."""
    return Literal.__getitem__(options)


def _list_of(item: Any) -> Any:
    return list[item]


@lru_cache(maxsize=256)
def answer_model(
    values: tuple[str, ...], sentence_count: int, metrics_only: bool = False, at_least: int = 0
) -> type[BaseModel]:
    """The model a backend asks for, built per request: `value_text` can only be one of
    `values` (the numbers the text states), `evidence` only a sentence that exists, and when
    the text states no number `headline_metrics` must be empty (`maxItems: 0`). `at_least`
    sets `minItems`: the number of likely results the text states (a small model otherwise
    stops after one or two).

    Cached on its arguments, so papers with the same numbers reuse one class (and instructor's
    schema cache with it).
    """
    sentence_numbers = tuple(range(1, max(sentence_count, 1) + 1))
    # The model writes properties in this order: the prose first, then each metric's number
    # before its labels. The parts that vary per paper (the two enums) come last in the schema,
    # so that a server caching prompt prefixes reuses everything before them.
    metric = create_model(
        "Metric",
        __config__=_COMPACT,
        value_text=(_one_of(values) if values else ShortText, ...),
        metric=(ShortText, ...),
        benchmark=(Label, ...),
        subject=(Label, ...),
        comparison=(Label, None),
        evidence=(_list_of(_one_of(sentence_numbers)), Field(min_length=1, max_length=3)),
    )
    fields: dict[str, Any] = {}
    if not metrics_only:
        fields |= {
            "one_line_summary": (LongText, ...),
            "objective": (LongText, ...),
            # One method: a second cost about 44 tokens (5 s a paper on 2 cores) and often
            # restated the first.
            "methods": (_list_of(_METHOD), Field(max_length=1)),
            "implications": (_list_of(LongText), Field(max_length=1)),
        }
    limit = min(MAX_METRICS, len(values))
    fields["headline_metrics"] = (
        _list_of(metric),
        Field(min_length=min(at_least, limit), max_length=limit),
    )
    answer: type[BaseModel] = create_model(
        "Extraction",
        __base__=_Inlined,
        __doc__="Summary of one paper.",
        **fields,
    )
    return answer


class Evidence(_Strict):
    """A cited source sentence and its `[start, end)` character span in `source.text`."""

    sentence: int
    start: int
    end: int
    text: str


class Metric(_Labels):
    """A headline metric tied to the source sentences that state it. `value` and `unit` are
    derived from `value_text`; `value` is None only when `value_text` states no number (and
    then `grounded` is false)."""

    # A non-finite value would be written as null in JSON: refused, never silently nulled.
    value: float | None = Field(allow_inf_nan=False)
    unit: str | None = None
    evidence: list[Evidence]
    grounded: bool
    grounding_note: str | None = None
    unstated_labels: list[Literal["benchmark", "subject", "comparison"]] = Field(
        default_factory=list,
        description="Labels whose text the source does not state (see `grounding`): shown and "
        "matched as facts only when not listed here.",
    )


class Grounding(_Strict):
    """How many of a record's metrics were found in the sentences they cite, how many labels
    the source does not state, and the numbers of the prose it does not write."""

    grounded: int
    ungrounded: int
    ungrounded_before_reask: int = Field(
        default=0, description="Ungrounded metrics in the first answer, before the re-ask."
    )
    unstated_labels: int = 0
    unstated_prose_numbers: list[str] = Field(
        default_factory=list,
        description="Numbers of the prose that no source sentence writes, as 'FIELD: NUMBER'; "
        "a digest never shows the sentences that hold them.",
    )


class Provenance(_Strict):
    """How a record was produced."""

    model: str
    provider: str
    prompt_id: str
    prompt_hash: str
    usage: Usage
    latency_s: float
    attempts: int


class _Line(_Strict):
    """What every output line holds: its status, the schema it was written in, the resume
    key, when it was written, and its source."""

    status: str
    # Required, so that a line of an older schema, which has none, is never read as this one.
    schema_version: str
    key: str = Field(description="Resume key: the input text and the request sent for it, hashed.")
    created_at: datetime
    source: Item  # the input, written whole into the line


class Record(_Prose, _Line):
    """One validated, source-grounded record: a line of `summarize extract` output."""

    status: Literal["ok"] = "ok"
    headline_metrics: list[Metric]
    grounding: Grounding
    provenance: Provenance


class ErrorInfo(_Strict):
    """Why an item failed, and the model's last answer when there was one."""

    type: str
    message: str
    attempts: int
    last_output: str | None = None


class ErrorLine(_Line):
    """A failed item, written in place of its record so that nothing is dropped silently.
    `usage` counts the tokens its attempts spent."""

    status: Literal["error"] = "error"
    error: ErrorInfo
    usage: Usage = Field(default_factory=Usage)


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
