"""The parts of a digest summary: one marker table, and the part of an unmarked sentence."""

from __future__ import annotations

import json
from pathlib import Path

from summarizer.text.numbers import find_numbers
from summarizer.text.parts import (
    ABSTRACT_CUES,
    LETTERS,
    MARKER_OF,
    PARTS,
    ROMAN,
    cued,
    marked,
    part_of,
    unmarked,
)
from summarizer.text.sentences import split_sentences

DATASETS = Path(__file__).resolve().parent.parent / "evals" / "datasets"


def test_markers_name_the_parts_in_order() -> None:
    assert list(ROMAN.values()) == list(PARTS)
    assert [MARKER_OF[part] for part in PARTS] == ["i", "ii", "iii", "iv", "v"]
    assert marked("iv) It reaches 74.8%.") == ("results", "It reaches 74.8%.")
    assert marked("(ii) To find out.") == ("objective", "To find out.")
    assert marked("b) A survey.", LETTERS) == ("methodology", "A survey.")
    assert marked("b) A survey.") is None  # letters only where the caller reads that variant
    assert marked("vi) Not a part.") is None
    assert unmarked("v) Use it.") == "Use it."
    assert unmarked("It reaches 74.8%.") == "It reaches 74.8%."


def test_an_unmarked_sentence_is_placed_by_cue_number_then_place() -> None:
    assert part_of("A new model for charts.", 0, 4, states_number=True) == "summary"
    assert part_of("The objective is to read charts.", 0, 4, states_number=False) == "objective"
    assert part_of("It outperforms GPT-4.", 2, 4, states_number=False) == "results"
    assert part_of("It gains 3 points.", 1, 4, states_number=True) == "results"
    assert part_of("It trains on synthetic charts.", 1, 4, states_number=False) == "methodology"
    assert part_of("This helps chart readers.", 3, 4, states_number=False) == "implication"


def test_each_genre_has_its_cue_phrases_for_the_same_parts() -> None:
    assert cued("The key methodology is a survey.") == "methodology"
    assert cued("We propose a survey.") is None  # not how a digest writer says it
    assert cued("We propose a survey.", ABSTRACT_CUES) == "methodology"
    assert cued("It outperforms GPT-4 on charts.", ABSTRACT_CUES) == "results"
    assert {part for part, _ in ABSTRACT_CUES} <= set(PARTS)


def test_the_parts_of_marked_digest_summaries_are_found_without_their_markers() -> None:
    """The module's measured claim: of the `pairs_dev` summaries whose five sentences are all
    marked, the markers removed, at least 120 of the 130 sentences get their marked part."""
    found = total = 0
    for line in (DATASETS / "pairs_dev.jsonl").read_text(encoding="utf-8").splitlines():
        sentences = split_sentences(json.loads(line)["digest_summary"])
        parts = [marked(s.text) for s in sentences]
        if len(parts) != 5 or None in parts:
            continue
        for index, (part, body) in enumerate(p for p in parts if p is not None):
            total += 1
            found += part_of(body, index, 5, states_number=bool(find_numbers(body))) == part
    assert total == 130
    assert found >= 120
