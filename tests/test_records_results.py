"""Results across papers, over the rules provider's records of the test digests (96 rows)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import ARCHIVE_ROWS, FIXTURES, rules_lines, write_lines
from typer.testing import CliRunner

from summarizer import ConfigError, Record, read
from summarizer.cli import app
from summarizer.records.results import find_results, might_hold, normalise

runner = CliRunner()
RECORDS = [
    line
    for line in rules_lines(read([FIXTURES / name for name, _ in ARCHIVE_ROWS]).items)
    if isinstance(line, Record)
]
# Read from the fixtures: three papers report on MATH-500, spelt "MATH500" and "MATH 500". The
# model sizes in the same sentences ("2.6B", "8B", "7B") are not MATH-500 results, and neither
# are ThinkPO's 8.6% accuracy and 25.9% length gains, stated before "for example ... on MATH500".
MATH_500 = {
    ("Scaling Latent Reasoning via Looped Language Models", "90.85"),
    ("Reasoning-Aware GRPO using Process Mining", "91.1%"),
    ("Thinking Preference Optimization", "87.4%"),
    ("Thinking Preference Optimization", "91.2%"),
}


@pytest.mark.parametrize("query", ["MATH-500", "MATH500", "Math 500", "math 500"])
def test_every_spelling_of_a_benchmark_finds_the_same_results(query: str) -> None:
    found = find_results(query, RECORDS)
    assert {(r.title, r.value_text) for r in found} == MATH_500
    assert [r.date for r in found] == sorted((r.date for r in found), reverse=True)
    for result in found:
        assert result.value_text in result.evidence  # as written in the cited sentence
        assert "MATH" in result.evidence


def test_names_are_normalised_as_documented() -> None:
    assert normalise("SWE-bench Verified") == normalise("SWE-Bench-Verified") == "swebenchverified"
    assert normalise("MATH-500") == normalise("Math 500") == "math500"
    with pytest.raises(ConfigError, match="no letter or digit"):
        find_results(" - ", RECORDS)


def test_the_command_prints_each_format_and_explains(tmp_path: Path) -> None:
    records = write_lines(tmp_path / "rules.jsonl", list(RECORDS))
    as_json = runner.invoke(app, ["results", "MATH-500", str(records), "--format", "json"])
    assert as_json.exit_code == 0, as_json.stderr
    assert {(r["title"], r["value_text"]) for r in json.loads(as_json.stdout)} == MATH_500
    table = runner.invoke(app, ["results", "mathvista", str(records), "--explain"])
    assert table.stdout.splitlines()[0].startswith("| date | title |")
    # Two papers report on MathVista: Vision-R1's 73.5% and its gap to o1 there (0.4%), and
    # Qwen2.5-VL's 74.8.
    assert len(table.stdout.splitlines()) == 2 + 3
    assert "query 'mathvista' is matched as 'mathvista'" in table.stderr
    assert "'MathVista' -> 'mathvista'" in table.stderr
    as_csv = runner.invoke(app, ["results", "MATH 500", str(records), "--format", "csv"])
    assert len(as_csv.stdout.strip().splitlines()) == 1 + len(MATH_500)


def test_the_line_filter_never_drops_a_line_that_matches() -> None:
    """Lines are skipped unparsed when their JSON text cannot hold a match; spellings, JSON
    escapes and non-ASCII letters must not hide one."""
    base = next(r for r in RECORDS if r.headline_metrics)
    metric = base.headline_metrics[0]
    names = ["M.A.T.H 500", "math_500", "MATH\u00ad500", "Ma\u00dfTH-500"]  # soft hyphen, ß
    lines = [
        base.model_copy(update={"key": f"k{n}", "headline_metrics": [
            metric.model_copy(update={"benchmark": name})]})
        for n, name in enumerate(names)
    ]  # fmt: skip
    # One line written with ASCII escapes (as json.dumps does by default), the others as is.
    text = [line.model_dump_json() for line in lines]
    text[2] = json.dumps(lines[2].model_dump(mode="json"))
    accepts = might_hold("MATH-500")
    assert [accepts(t) for t in text] == [True] * len(text)
    # These spellings are no source's (edited by hand): only an unstated search meets them.
    found = find_results("MATH-500", lines, include_unstated=True)
    assert {r.benchmark for r in found} == set(names[:3])  # "Maßth500" is not "math500"
    assert find_results("MATH-500", lines) == []


def test_the_line_filter_skips_lines_that_cannot_match() -> None:
    accepts = might_hold("MATH-500")
    texts = [r.model_dump_json() for r in RECORDS]
    kept = [t for t in texts if accepts(t)]
    holding = {r.key for r in RECORDS for _ in find_results("MATH-500", [r])}
    assert {r.key for r, t in zip(RECORDS, texts, strict=True) if accepts(t)} >= holding
    assert len(kept) < len(texts) / 4  # most of the 96 lines are never parsed
