from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from summarizer import read
from summarizer.text.sentences import _ABBREVIATIONS, numbered, split_sentences


def texts(sentences: list[str]) -> str:
    return " ".join(sentences)


def test_tricky_abbreviations_names_urls_and_tex() -> None:
    text = (
        "We use e.g. GPT-4o vs. Llama et al. (2024) and reach 3.5 points. "
        "Qwen2.5-VL-72B scores 74.8 on MathVista. J. Smith agreed. "
        "Code is at https://github.com/x/y.z for all. It gains $6.00\\%$. "
        "It beats GPT-4-128K. i) First item. ii) Second item."
    )
    assert [s.text for s in split_sentences(text)] == [
        "We use e.g. GPT-4o vs. Llama et al. (2024) and reach 3.5 points.",
        "Qwen2.5-VL-72B scores 74.8 on MathVista.",
        "J. Smith agreed.",
        "Code is at https://github.com/x/y.z for all.",
        "It gains $6.00\\%$.",
        "It beats GPT-4-128K.",
        "i) First item.",
        "ii) Second item.",
    ]


def test_seed_texts_split_into_sensible_sentences(fixtures: Path) -> None:
    items = read([fixtures / "seed_digest.txt", fixtures / "seed_abstracts.jsonl"]).items
    for item in items:
        sentences = split_sentences(item.text)
        assert 2 <= len(sentences) <= 20
        assert all(20 <= len(s.text) <= 700 for s in sentences), item.arxiv_id


def test_numbered_rendering() -> None:
    assert numbered(split_sentences("One here. Two there.")) == "[1] One here.\n[2] Two there."


@given(st.text())
def test_offsets_always_slice_back(text: str) -> None:
    sentences = split_sentences(text)
    assert [s.number for s in sentences] == list(range(1, len(sentences) + 1))
    previous_end = 0
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text
        assert sentence.text == sentence.text.strip()
        assert sentence.start >= previous_end
        previous_end = sentence.end
    covered = "".join(s.text for s in sentences)
    assert "".join(covered.split()) == "".join(text.split())


# Plain sentences: no abbreviation ("eq.", "no.") right before the full stop.
PLAIN = st.from_regex(r"[A-Z][a-z]{2,12}( [a-z]{2,10}){2,8}\.", fullmatch=True).filter(
    lambda s: s.split()[-1].rstrip(".") not in _ABBREVIATIONS
)


@given(st.lists(PLAIN, min_size=1))
def test_plain_sentences_are_found_exactly(parts: list[str]) -> None:
    assert [s.text for s in split_sentences(texts(parts))] == parts
