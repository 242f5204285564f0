"""Versioned prompts: load a prompt file from `prompts/` and render the chat messages.

A prompt file holds a `=== system ===` section (fixed instructions), a `=== user ===` template
with `{title}`, `{sentences}` and `{numbers}` (the candidate values), and the two re-ask messages:
`=== reask_grounding ===` (with `{problems}`, sent when metric values are not in the text) and
`=== reask_truncated ===` (sent when an answer was cut off at the token limit). Everything that
is ever said to the model is in the file, so the prompt's hash, part of the resume key, covers it.
The instructions come first and the paper last, so that servers that cache prompt prefixes
(llama.cpp's KV cache, OpenAI's prompt caching) reuse the shared part.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from summarizer.errors import ConfigError
from summarizer.item import Item
from summarizer.text.candidates import Candidate, render_candidates
from summarizer.text.sentences import Sentence, numbered

DEFAULT_PROMPT = "extract.v3"
_SECTIONS = ("system", "user", "reask_grounding", "reask_truncated")
_SECTION = re.compile(r"^=== (\w+) ===$", re.MULTILINE)

Message = dict[str, str]


@dataclass(frozen=True)
class Prompt:
    """A loaded prompt: its id (file stem), content hash, and its sections."""

    id: str
    hash: str
    system: str
    user: str
    reask_grounding: str
    reask_truncated: str

    def messages(
        self,
        item: Item,
        sentences: list[Sentence],
        candidates: list[Candidate],
        metrics_only: bool = False,
    ) -> list[Message]:
        """The chat messages for one item: its text as numbered sentences, then the numbers
        a metric may cite. For metrics only, just the sentences that state a number are shown
        (with their own numbers), which shortens the prompt."""
        if metrics_only:
            stating = {n for c in candidates for n in c.sentences}
            sentences = [s for s in sentences if s.number in stating]
        user = self.user.format(
            title=item.title, sentences=numbered(sentences), numbers=render_candidates(candidates)
        )
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]

    def grounding_reask(self, problems: list[str]) -> str:
        """The message sent once when some metric values are not in the text."""
        return self.reask_grounding.format(problems="\n".join(f"- {p}" for p in problems))


@cache
def load_prompt(prompt_id: str = DEFAULT_PROMPT) -> Prompt:
    """Load `prompts/<prompt_id>.txt`; raises `ConfigError` naming the available ids."""
    folder = resources.files("summarizer.prompts")
    file = folder / f"{prompt_id}.txt"
    if not file.is_file():
        known = sorted(
            p.name.removesuffix(".txt") for p in folder.iterdir() if p.name.endswith(".txt")
        )
        raise ConfigError(f"unknown prompt {prompt_id!r}; available: {', '.join(known)}")
    return parse_prompt(prompt_id, file.read_text(encoding="utf-8"))


def parse_prompt(prompt_id: str, text: str) -> Prompt:
    """A prompt from the text of a prompt file; its hash covers the whole text."""
    parts = _SECTION.split(text)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2]), strict=True))
    if sorted(parts[1::2]) != sorted(_SECTIONS):
        wanted = ", ".join(f"'=== {name} ==='" for name in _SECTIONS)
        raise ConfigError(f"prompt {prompt_id!r} needs the sections {wanted}, each once")
    digest = hashlib.sha256(text.encode()).hexdigest()[:12]
    return Prompt(id=prompt_id, hash=digest, **sections)
