from __future__ import annotations

from summarizer.text.candidates import find_candidates, kind_of, render_candidates
from summarizer.text.numbers import parse_number
from summarizer.text.sentences import split_sentences

TEXT = (
    "We train a 7B model on 100,000 trajectories. "
    "It improves accuracy by 18.4% over GPT-4o and is 3x faster. "
    "Claude 3.5 Sonnet reaches 61.2 on MATH, as shown in Section 4 and [12]. "
    "Our pipeline has two stages: (1) retrieval and (2) reranking. "
    "It improves accuracy by 18.4% again."
)


def test_candidates_are_distinct_numbers_as_written_results_first() -> None:
    found = find_candidates(split_sentences(TEXT))
    assert [(c.text, c.kind) for c in found] == [
        ("18.4%", "result"),
        ("3x", "result"),
        ("61.2", "result"),
        ("7B", "size"),
        ("100,000", "size"),
    ]
    assert found[0].sentences == (2, 5)


def test_versions_sections_citations_and_list_markers_are_not_candidates() -> None:
    texts = {c.text for c in find_candidates(split_sentences(TEXT))}
    assert not texts & {"3.5", "4", "12", "1", "2"}


def test_no_numbers_no_candidates() -> None:
    sentences = split_sentences("We study alignment. It matters for safety.")
    assert find_candidates(sentences) == []
    assert "none" in render_candidates([])


def test_kind_of() -> None:
    def kind(text: str) -> str:
        mention = parse_number(text.split("|", maxsplit=1)[0])
        assert mention is not None
        return kind_of(mention, text.replace("|", ""))

    assert kind("26%") == "result"
    assert kind("+3.15") == "result"
    assert kind("1.3B") == "size"
    assert kind("500| examples") == "size"
    assert kind("12") == "other"


def test_rendering_groups_by_kind() -> None:
    rendered = render_candidates(find_candidates(split_sentences(TEXT)))
    assert rendered.splitlines() == [
        '"18.4%" [2][5], "3x" [2], "61.2" [3]',
        '"7B" [1], "100,000" [1]',
    ]


def test_limit_keeps_results() -> None:
    many = " ".join(f"Run {i} used {i * 100 + 7} samples." for i in range(40)) + " It gains 5%."
    found = find_candidates(split_sentences(many), limit=3)
    assert len(found) == 3
    assert found[0].text == "5%"
