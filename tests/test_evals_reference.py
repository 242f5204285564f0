from __future__ import annotations

from summarizer.evals.reference import parse_reference


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
