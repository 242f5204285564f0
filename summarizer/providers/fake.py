"""An in-memory backend that answers from a queue of extractions: for tests and notebooks.

Pass it to `Extractor(backend=FakeBackend([...]))` to see what grounding, records and the output
file make of answers you write yourself, without a model. It records the requests it was sent.
An exception in the queue is raised instead of answered, to play a failing endpoint.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable

from summarizer.errors import ExtractionError
from summarizer.providers.base import Completion, Request
from summarizer.providers.codec import Wire
from summarizer.records.schema import Extraction
from summarizer.usage import Usage


class FakeBackend:
    """Answers each request with the next extraction of `answers` (or raises it, if it is an
    exception); when they run out, raises `ExtractionError`."""

    provider = "fake"
    max_concurrency: int | None = 1
    uses_prompt = True
    wire: Wire | None = None  # answers are not sent for: the key hashes the provider and model

    def __init__(self, answers: Iterable[Extraction | Exception], model: str = "fake") -> None:
        self.model = model
        self.requests: list[Request] = []
        self._answers = deque(answers)
        self._lock = threading.Lock()

    def complete(self, request: Request) -> Completion:
        """The next queued answer, counted as one call with no tokens."""
        with self._lock:
            self.requests.append(request)
            if not self._answers:
                raise ExtractionError("the fake backend has no answer left", attempts=1)
            answer = self._answers.popleft()
        if isinstance(answer, Exception):
            raise answer
        return Completion(answer, Usage(), attempts=1)

    def close(self) -> None:
        """Nothing to release."""
