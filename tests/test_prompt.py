"""Prompt files: every message ever sent is a section of the file, and the hash covers them."""

from __future__ import annotations

from importlib import resources

import pytest

from summarizer.errors import ConfigError
from summarizer.prompt import DEFAULT_PROMPT, load_prompt, parse_prompt

# The shipped default prompt file, as text.
TEXT = (resources.files("summarizer.prompts") / f"{DEFAULT_PROMPT}.txt").read_text("utf-8")


def test_the_reask_messages_are_sections_of_the_prompt_file() -> None:
    prompt = load_prompt()
    assert "cut off at the token limit" in prompt.reask_truncated
    reask = prompt.grounding_reask(["'accuracy' = 12: '12' is not written in the source text"])
    assert reask.startswith(
        "These parts of your answer are not supported by the text:\n- 'accuracy'"
    )
    assert "Answer again in full." in reask


@pytest.mark.parametrize("section", ["reask_grounding", "reask_truncated", "system", "user"])
def test_a_change_to_any_section_changes_the_hash(section: str) -> None:
    edited = TEXT.replace(f"=== {section} ===\n", f"=== {section} ===\nPlease. ", 1)
    assert edited != TEXT
    assert parse_prompt("x", edited).hash != parse_prompt("x", TEXT).hash


def test_a_missing_or_repeated_section_is_refused() -> None:
    without = TEXT.split("=== reask_truncated ===")[0]
    with pytest.raises(ConfigError, match="needs the sections"):
        parse_prompt("x", without)
    with pytest.raises(ConfigError, match="each once"):
        parse_prompt("x", TEXT + "\n=== user ===\nagain")
