"""The JSON Schema mode's `response_format`, in the dialect each kind of endpoint reads.

instructor sends `{"type": "json_schema", "json_schema": {"name", "schema"}}`, non-strict.
OpenAI enforces a schema only in its strict form; llama-cpp-python's server reads a schema only
from `{"type": "json_object", "schema": ...}` (as Together's and Anyscale's JSON modes do).
"""

from __future__ import annotations

from typing import Any


def strict_response_format(response_format: dict[str, Any]) -> dict[str, Any]:
    """`response_format` in OpenAI's strict structured-output form, which the endpoint enforces
    (instructor sends it non-strict): every object closed and every property required, an
    optional one as nullable."""
    inner = dict(response_format["json_schema"])
    inner["schema"] = _strict(inner["schema"])
    inner["strict"] = True
    return {**response_format, "json_schema": inner}


def schema_object_response_format(response_format: dict[str, Any]) -> dict[str, Any]:
    """`response_format` as llama-cpp-python's server reads it: JSON mode with a schema, which
    it turns into a grammar. Unlike tools mode, the schema is not written into the prompt."""
    return {"type": "json_object", "schema": response_format["json_schema"]["schema"]}


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items() if k not in {"default", "title"}}
    if "const" in out:  # one allowed value, written as the enum OpenAI documents
        out["enum"] = [out.pop("const")]
    if out.get("type") == "object" and "properties" in out:
        required = set(out.get("required", []))
        for name, prop in out["properties"].items():
            if name not in required and "anyOf" not in prop:
                out["properties"][name] = {"anyOf": [prop, {"type": "null"}]}
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out
