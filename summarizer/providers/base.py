"""The one seam between the pipeline and a model: `Backend.complete(request) -> Completion`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from summarizer.item import Item
from summarizer.prompt import Message
from summarizer.records.schema import Extraction
from summarizer.text.candidates import Candidate
from summarizer.text.sentences import Sentence
from summarizer.usage import Usage

if TYPE_CHECKING:
    from summarizer.providers.codec import Wire


@dataclass(frozen=True)
class Request:
    """What a backend is asked: the rendered messages, the numbers a metric may cite, whether
    only metrics are wanted, plus the item and its sentences for backends that work on the text
    directly. `max_calls` bounds the model calls the backend may make for it, re-asks included
    (see `summarizer.reask`); `truncation_reask` is what to say when an answer was cut off."""

    messages: list[Message]
    item: Item
    sentences: list[Sentence]
    candidates: list[Candidate] = field(default_factory=list)
    metrics_only: bool = False
    max_calls: int = 1
    truncation_reask: str = ""
    key: str = ""  # the item's resume key, as the call log names it


@dataclass(frozen=True)
class Completion:
    """A validated extraction and what it cost: tokens, and model calls (`attempts`)."""

    extraction: Extraction
    usage: Usage = field(default_factory=Usage)
    attempts: int = 1
    raw: str | None = field(default=None, repr=False)


class Backend(Protocol):
    """A model that turns a request into a validated `Extraction`.

    Implementations raise `ProviderError` when the endpoint fails and `ExtractionError` when its
    output never validates. `close()` releases what the backend holds (a server, a client).
    """

    provider: str
    model: str
    max_concurrency: int | None  # requests the backend serves at once; None: no limit of its own
    # Whether it reads `messages` and `candidates`; a backend working on the sentences alone
    # (the rules provider) is spared building them.
    uses_prompt: bool

    @property
    def wire(self) -> Wire | None:
        """How its requests are encoded (`codec`), or None for one that sends none: the resume
        key hashes the encoded body."""

    def complete(self, request: Request) -> Completion: ...

    def close(self) -> None: ...
