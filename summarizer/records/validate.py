"""Check an output file line by line: records against the published JSON Schema (`jsonschema`)
and, unless told not to, every claim they make against their own source (`verify`); error lines
against their model; and every line's schema version against this one's."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator

from summarizer.item import Problem
from summarizer.records.claims import describe, verify
from summarizer.records.schema import SCHEMA_VERSION, record_json_schema
from summarizer.records.store import entries, parse_line


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
        """True when every line is valid."""
        return not self.invalid


def validate_file(path: str | os.PathLike[str], claims: bool = True) -> ValidationReport:
    """Validate every line of a `summarize extract` JSONL file; `claims=False` checks the
    schema only."""
    path = Path(path)
    report = ValidationReport()
    for entry in entries(path):
        location, data = entry.location, entry.data
        if data is None or entry.torn:
            parsed = parse_line(entry)
            assert isinstance(parsed, Problem)
            report.invalid.append(parsed)
            continue
        version = data.get("schema_version", "2.0")
        if version != SCHEMA_VERSION:
            message = (
                f"written by record schema {version}, not {SCHEMA_VERSION}; run `summarize "
                "extract` on its sources again to write it in this one"
            )
            report.invalid.append(Problem(location=location, message=message))
            continue
        if data.get("status") == "error":
            parsed = parse_line(entry)
            if isinstance(parsed, Problem):
                report.invalid.append(parsed)
            else:
                report.error_lines += 1
            continue
        errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            where = "/".join(str(p) for p in errors[0].absolute_path) or "(root)"
            message = f"{where}: {errors[0].message[:200]}"
            report.invalid.append(Problem(location=location, message=message))
            continue
        if not claims:
            report.valid += 1
            continue
        line = parse_line(entry)
        violations = [] if isinstance(line, Problem) else verify(line)
        if isinstance(line, Problem):
            report.invalid.append(line)
        elif violations:
            report.invalid.append(Problem(location=location, message=describe(violations)))
        else:
            report.valid += 1
    return report
