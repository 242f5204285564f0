"""Reading a digest summary into parts, as the archive writes them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from summarizer.evals.reference import parse_reference

DATASETS = Path(__file__).resolve().parent.parent / "evals" / "datasets"


def test_list_form() -> None:
    ref = parse_reference(
        "i) A model for X. ii) The research aims to test X. iii) The methodology trains Y. "
        "iv) It reaches 81.2% on Z. v) AI practitioners can use it."
    )
    assert ref.parts == {
        "summary": "A model for X.",
        "objective": "The research aims to test X.",
        "methodology": "The methodology trains Y.",
        "results": "It reaches 81.2% on Z.",
        "implication": "AI practitioners can use it.",
    }
    assert [m.text for m in ref.numbers] == ["81.2%"]


def test_cue_phrase_prose() -> None:
    ref = parse_reference(
        "RAD builds a simulator. The main research objective is to fix confusion. The key "
        "methodology involves 3DGS. The primary results show a 3x lower collision rate. "
        "For AI practitioners, this suggests training in simulation."
    )
    assert list(ref.parts) == ["summary", "objective", "methodology", "results", "implication"]
    assert [m.value for m in ref.numbers] == [3.0]


def test_plain_prose_falls_back_to_position_and_numbers() -> None:
    ref = parse_reference(
        "This paper introduces LOOPY. It models long-term motion. "
        "Experiments show 12.5 FVD. This helps build avatars."
    )
    assert ref.part("summary") == "This paper introduces LOOPY."
    assert ref.part("results") == "Experiments show 12.5 FVD."
    assert ref.part("implication") == "This helps build avatars."
    assert ref.part("objective") == ""


def _summaries() -> list[tuple[str, str]]:
    rows = []
    for name in ("pairs_dev.jsonl", "seed_abstracts.jsonl"):
        for line in (DATASETS / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            rows.append((row["arxiv_id"], row["digest_summary"]))
    return rows


# A clause opening with "1." / "(2)" / "3)": the shape of a list marker, whatever the parser says.
_OPENING_MARKER = re.compile(r"(?:^|[.:;!?]\s+)\(?(\d+)[.)](?=\s|$)")


def test_every_archive_summary_reads_without_questions_or_list_markers() -> None:
    summaries = _summaries()
    assert len(summaries) == 272 + 20
    questions, markers = [], []
    for arxiv_id, summary in summaries:
        ref = parse_reference(summary)
        # A research question may be the objective; a question among the results is a trailer.
        if "?" in ref.results or re.search(r"follow[- ]?up question", ref.text, re.I):
            questions.append(arxiv_id)
        starts = {n.start for n in ref.numbers}
        markers += [arxiv_id for m in _OPENING_MARKER.finditer(ref.results) if m.start(1) in starts]
    assert questions == []
    assert markers == []


def test_a_follow_up_trailer_is_dropped_and_the_results_kept() -> None:
    summary = dict(_summaries())["2410.05265"]
    assert "Follow-up questions" in summary
    ref = parse_reference(summary)
    assert "7.43" in [n.text for n in ref.numbers]
    assert "71.08%" in [n.text for n in ref.numbers]
    assert "Follow-up" not in ref.text


def test_letter_markers_name_the_parts() -> None:
    ref = parse_reference(
        "a) The research aims to test X.  b) The method trains Y on Z.  c) It reaches 81.2% "
        "on Z.  d) AI practitioners can use it.  e) The paper does not test W."
    )
    assert ref.parts == {
        "objective": "The research aims to test X.",
        "methodology": "The method trains Y on Z.",
        "results": "It reaches 81.2% on Z.",
        "implication": "AI practitioners can use it.",
    }


def test_a_list_marker_opening_a_clause_is_not_a_number() -> None:
    ref = parse_reference("iv) Results: 1. accuracy rises to 81.2%; 2) latency falls 3x.")
    assert [n.text for n in ref.numbers] == ["81.2%", "3x"]
