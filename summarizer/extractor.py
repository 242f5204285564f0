"""Extract one record from one item: build the prompt, call the backend, ground, assemble."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from types import TracebackType

from pydantic import ValidationError

from summarizer.candidates import find_candidates
from summarizer.config import Settings
from summarizer.errors import ExtractionError, ProviderError, SummarizerError
from summarizer.grounding import Grounded, ground
from summarizer.item import Item
from summarizer.labels import paper_name
from summarizer.prompt import Prompt, load_prompt
from summarizer.providers import (
    Backend,
    Completion,
    Request,
    model_name,
    open_backend,
    resolve_provider,
)
from summarizer.reask import ReaskPolicy
from summarizer.redact import mask_secrets, redact
from summarizer.schema import (
    SCHEMA_VERSION,
    ErrorInfo,
    ErrorLine,
    Extraction,
    Provenance,
    Record,
    Source,
    invalid_because,
)
from summarizer.sentences import split_sentences
from summarizer.usage import Usage


def record_key(item: Item, prompt: Prompt, model: str, settings: Settings) -> str:
    """The resume key: everything that changes the answer, hashed. The input text; the prompt
    (its hash covers the re-ask messages too); the schema version; the provider and model; and
    the generation settings."""
    return _key(item.text, prompt, model, generation(settings))


def generation(settings: Settings) -> str:
    """The settings that change an answer, as stable text (part of the resume key)."""
    return json.dumps(
        {
            "provider": settings.provider,
            "mode": settings.mode,
            "temperature": settings.temperature,
            "max_tokens": settings.max_tokens,
            "max_reasks": settings.max_reasks,
            "request_options": settings.request_options,
            "fields": "metrics" if settings.metrics_only else "all",
        },
        sort_keys=True,
    )


def _key(text: str, prompt: Prompt, model: str, generation: str) -> str:
    parts = (text, prompt.id, prompt.hash, SCHEMA_VERSION, model, generation)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def build_request(
    item: Item,
    prompt: Prompt,
    metrics_only: bool = False,
    policy: ReaskPolicy | None = None,
    prompted: bool = True,
) -> Request:
    """What a backend is asked for `item`: its sentences, the numbers they state, the messages,
    and the calls `policy` allows for it (the default policy when None). Without `prompted`
    (a backend that reads the sentences alone) no messages or candidates are built."""
    sentences = split_sentences(item.text)
    candidates = find_candidates(sentences) if prompted else []
    messages = prompt.messages(item, sentences, candidates, metrics_only) if prompted else []
    max_calls = (policy or ReaskPolicy()).max_calls
    return Request(
        messages, item, sentences, candidates, metrics_only, max_calls, prompt.reask_truncated
    )


def source_of(item: Item) -> Source:
    """The `source` block of a record or error line: the item itself (validated, frozen)."""
    return item


class Extractor:
    """Extracts records with one backend, opened on first use (so a run with nothing to do
    never loads a model); use as a context manager to release it."""

    def __init__(self, settings: Settings | None = None, backend: Backend | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.prompt = load_prompt(self.settings.prompt)
        self.policy = ReaskPolicy.from_settings(self.settings)
        self._generation = generation(self.settings)
        self._backend = backend
        self._lock = threading.Lock()
        self.model = backend.model if backend is not None else model_name(self.settings)

    @property
    def backend(self) -> Backend:
        """The backend, opened now if it is not yet (for the local provider: the server starts)."""
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = open_backend(self.settings)
        return self._backend

    @property
    def provider(self) -> str:
        """The provider records name, known without opening the backend."""
        if self._backend is not None:
            return self._backend.provider
        return resolve_provider(self.settings)

    @property
    def opened(self) -> bool:
        """Whether the backend has been opened."""
        return self._backend is not None

    def __enter__(self) -> Extractor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the backend, if it was opened (for the local provider: stop its server)."""
        if self._backend is not None:
            self._backend.close()

    def key(self, item: Item) -> str:
        """The resume key of `item` under this extractor's prompt and model."""
        return _key(item.text, self.prompt, self.model, self._generation)

    def extract(self, item: Item) -> Record:
        """One validated, grounded record; raises a `SummarizerError` subclass on failure."""
        try:
            return self._extract(item)
        except SummarizerError:
            raise
        except ValidationError as exc:
            raise ExtractionError(
                f"the {self.provider} provider's answer did not validate: {invalid_because(exc)}",
                attempts=1,
            ) from exc
        except Exception as exc:  # a bug: still this item's failure, named, with its cause chained
            raise ExtractionError(
                f"unexpected {type(exc).__name__} while extracting: {exc}", attempts=1
            ) from exc

    def _extract(self, item: Item) -> Record:
        started = time.perf_counter()
        # Until the backend is open, whether it reads the prompt is unknown: build it, so that
        # a metrics-only item stating no number is answered without opening anything.
        prompted = self._backend.uses_prompt if self._backend is not None else True
        request = build_request(
            item, self.prompt, self.settings.metrics_only, self.policy, prompted
        )
        sentences = request.sentences
        paper = paper_name(item.title, item.text)
        if request.metrics_only and prompted and not request.candidates:
            completion = Completion(Extraction(), attempts=0)  # no number: nothing to ask
        else:
            completion = self.backend.complete(request)
        usage, attempts = completion.usage, completion.attempts
        completion = replace(completion, extraction=self.mask(completion.extraction))
        grounded = ground(completion.extraction, sentences, paper)
        first_problems = len(grounded.problems)
        if grounded.to_reask and self.policy.may_reask_grounding(attempts):
            retry, spent = self._reask(request, completion, grounded.to_reask, attempts)
            usage, attempts = usage + spent.usage, attempts + spent.attempts
            if retry is not None:
                retry = replace(retry, extraction=self.mask(retry.extraction))
                again = ground(retry.extraction, sentences, paper)
                if len(again.to_reask) <= len(grounded.to_reask):
                    completion, grounded = retry, again
        return self.record(
            item,
            completion.extraction,
            grounded,
            ungrounded_before_reask=first_problems,
            usage=usage,
            attempts=attempts,
            latency_s=time.perf_counter() - started,
        )

    def mask(self, extraction: Extraction) -> Extraction:
        """`extraction` with the API key masked wherever the answer echoes it: every path from
        an answer to a record (online, `batch`) goes through here before grounding. (A raw
        answer kept on an error line is redacted there.)"""
        text = extraction.model_dump_json()
        masked = mask_secrets(text, self.settings.key_value())
        return extraction if masked == text else Extraction.model_validate_json(masked)

    def record(
        self,
        item: Item,
        extraction: Extraction,
        grounded: Grounded,
        *,
        ungrounded_before_reask: int,
        usage: Usage,
        attempts: int,
        latency_s: float,
    ) -> Record:
        """The record of `item` from an answer and its grounding (also used by `batch`)."""
        return Record(
            schema_version=SCHEMA_VERSION,
            key=self.key(item),
            created_at=datetime.now(UTC),
            one_line_summary=extraction.one_line_summary,
            objective=extraction.objective,
            methods=extraction.methods,
            headline_metrics=grounded.metrics,
            implications=extraction.implications,
            grounding=grounded.summary.model_copy(
                update={"ungrounded_before_reask": ungrounded_before_reask}
            ),
            source=source_of(item),
            provenance=Provenance(
                model=self.model,
                provider=self.provider,
                prompt_id=self.prompt.id,
                prompt_hash=self.prompt.hash,
                usage=usage,
                latency_s=round(latency_s, 3),
                attempts=attempts,
            ),
        )

    def _reask(
        self, request: Request, first: Completion, problems: list[str], made: int
    ) -> tuple[Completion | None, Completion]:
        """Ask once more when metric values are not in the text, within the calls the policy
        has left after `made`. Returns the answer (None if it failed) and what the re-ask
        spent, counted either way."""
        messages = [
            *request.messages,
            {"role": "assistant", "content": first.extraction.model_dump_json()},
            {"role": "user", "content": self.prompt.grounding_reask(problems)},
        ]
        left = self.policy.calls_left(made)
        try:
            retry = self.backend.complete(replace(request, messages=messages, max_calls=left))
        except ExtractionError as exc:
            return None, Completion(Extraction(), exc.usage, exc.attempts)
        except ProviderError as exc:  # the item fails: its error line counts every token
            exc.usage = first.usage + exc.usage
            raise
        return retry, retry

    def error_line(self, item: Item, error: Exception) -> ErrorLine:
        """The output line recording that `item` failed."""
        secret = self.settings.key_value()
        last_output = getattr(error, "last_output", None)
        return ErrorLine(
            schema_version=SCHEMA_VERSION,
            key=self.key(item),
            created_at=datetime.now(UTC),
            source=source_of(item),
            error=ErrorInfo(
                type=type(error).__name__,
                message=redact(str(error), secret),
                attempts=getattr(error, "attempts", 1),
                last_output=redact(last_output, secret) if last_output is not None else None,
            ),
            usage=getattr(error, "usage", None) or Usage(),
        )


def extract(item: Item, settings: Settings | None = None) -> Record:
    """Extract one record from `item` (opens and closes a backend; prefer `Extractor` for many)."""
    with Extractor(settings) as extractor:
        return extractor.extract(item)
