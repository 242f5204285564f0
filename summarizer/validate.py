"""Check an output file against the published JSON Schema, line by line, with `jsonschema`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from summarizer.item import Location, Problem
from summarizer.schema import record_json_schema


@cache
def _validator() -> Draft202012Validator:
    schema = record_json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@dataclass
class ValidationReport:
    """Valid records, error lines (failed items, valid as such) and invalid lines."""

    valid: int = 0
    error_lines: int = 0
    invalid: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every record line is valid."""
        return not self.invalid


def validate_file(path: Path) -> ValidationReport:
    """Validate every line of a `summarize extract` JSONL file."""
    report = ValidationReport()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            location = Location(path=str(path), line=number)
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as exc:
                report.invalid.append(Problem(location=location, message=f"not JSON: {exc.msg}"))
                continue
            if isinstance(entry, dict) and entry.get("status") == "error":
                report.error_lines += 1
                continue
            errors = sorted(_validator().iter_errors(entry), key=lambda e: list(e.absolute_path))
            if errors:
                where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
                message = f"{where}: {errors[0].message[:200]}"
                report.invalid.append(Problem(location=location, message=message))
            else:
                report.valid += 1
    return report
