"""Rendering records as a digest: the reader reads it back, and only grounded numbers show."""

from __future__ import annotations

from pathlib import Path

from helpers import ROOT, rules_lines, seed_rows
from typer.testing import CliRunner

from summarizer import Item, Record, read, read_lines
from summarizer.cli import app
from summarizer.records.render import render_html, render_markdown, summary_text
from summarizer.sources.reader import parse_text

SEED_RECORDS = ROOT / "evals" / "predictions" / "seed_digest.local.jsonl"  # the embedded model's
runner = CliRunner()


def model_records() -> list[Record]:
    return [line for line in read_lines(SEED_RECORDS).lines if isinstance(line, Record)]


def test_the_rendered_seed_reads_back_to_the_same_papers(tmp_path: Path) -> None:
    records = model_records()
    digest = tmp_path / "digest.md"
    made = runner.invoke(app, ["digest", str(SEED_RECORDS), "-o", str(digest)])
    assert made.exit_code == 0, made.stderr
    back = runner.invoke(app, ["read", str(digest)])
    assert back.exit_code == 0, back.stderr
    items = read([digest]).items
    assert len(items) == len(records) == 20
    for item, record in zip(items, records, strict=True):
        assert (item.arxiv_id, item.title, item.authors) == (
            record.source.arxiv_id,
            record.source.title,
            record.source.authors,
        )
        assert item.digest_date == record.source.digest_date
    assert digest.read_text().startswith("## Papers for 2025-02-20\n")
    assert "(Read more on [arXiv](https://arxiv.org/abs/2502.13923)" in digest.read_text()


def test_pipes_and_line_breaks_stay_inside_their_cell() -> None:
    record = rules_lines(seed_rows()[:1])[0]
    assert isinstance(record, Record)
    source = record.source.model_copy(update={"title": "A | B\nC", "authors": ["X|Y"]})
    tricky = record.model_copy(update={"source": source, "objective": "Pipes | and\nbreaks."})
    (item,) = parse_text(render_markdown([tricky]), "rendered.md")
    assert isinstance(item, Item)
    assert (item.title, item.authors) == ("A | B C", ["X|Y"])
    assert "Pipes | and breaks." in item.text


def test_markup_and_a_forged_arxiv_id_are_inert_and_read_back_as_written() -> None:
    record = rules_lines(seed_rows()[:1])[0]
    assert isinstance(record, Record)
    forged = "2502.13923) [x](javascript:alert(1)"
    title = "<b>Bold</b> [link](javascript:alert(1)) Title"
    source = record.source.model_copy(update={"title": title, "arxiv_id": forged})
    hostile = record.model_copy(update={"source": source})
    markdown, page = render_markdown([hostile]), render_html([hostile])
    assert "javascript:alert(1)" not in markdown.replace("\\](javascript:alert(1))", "")
    assert forged not in markdown
    assert "arxiv.org" not in page  # no link at all for an id that is no arXiv id
    (item,) = parse_text(markdown, "rendered.md")
    assert isinstance(item, Item)
    assert item.title == title  # read back as written


def test_the_summary_has_the_hand_written_shape_and_only_grounded_numbers() -> None:
    record = model_records()[0]
    metric = record.headline_metrics[0]
    ungrounded = metric.model_copy(update={"value_text": "99.9", "value": 99.9, "grounded": False})
    shown = record.model_copy(update={"headline_metrics": [metric, ungrounded]})
    text = summary_text(shown)
    assert [text.find(f"{m})") >= 0 for m in ("i", "ii", "iii", "iv", "v")] == [True] * 5
    assert metric.value_text in text
    assert "99.9" not in text
    page = render_html([shown])
    assert "99.9" not in page
    assert f">{metric.value_text}</abbr><sup>1</sup>" in page
    assert metric.evidence[0].text[:40].replace("'", "&#x27;") in page
