"""Extract one record from one item: build the prompt, call the backend, ground, assemble."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType

from pydantic import ValidationError

from summarizer.config import Settings
from summarizer.errors import ExtractionError, ProviderError, SummarizerError
from summarizer.item import Item
from summarizer.prompt import Prompt, load_prompt
from summarizer.providers import (
    Backend,
    Completion,
    Request,
    codec,
    model_name,
    open_backend,
    resolve_provider,
    wire_for,
)
from summarizer.providers.codec import Wire
from summarizer.reask import ReaskPolicy
from summarizer.records.grounding import GroundingCheck, ground
from summarizer.records.schema import (
    SCHEMA_VERSION,
    ErrorInfo,
    ErrorLine,
    Extraction,
    Provenance,
    Record,
    invalid_because,
)
from summarizer.text.candidates import find_candidates
from summarizer.text.labels import paper_name
from summarizer.text.redact import mask_secrets, redact
from summarizer.text.sentences import split_sentences
from summarizer.usage import Usage

# Keys remembered at most (each a few hundred bytes): memory stays bounded on any input.
_KEYS_KEPT = 4096


def request_key(
    item: Item, request: Request, wire: Wire | None, *, policy: ReaskPolicy, prompt: Prompt,
    sender: str,
) -> str:  # fmt: skip
    """The resume key of `item` (and its batch `custom_id`): what is sent, hashed. The item's
    text; the body of its first call, as `codec.encode` builds it for `wire` (the prompt, the
    answer schema, the model, the mode and every request field); the schema version; and what
    a re-ask would add: the policy and the prompt's re-ask messages. Anything that changes the
    request changes the key by construction, and nothing else does (whether the provider was
    named or chosen by `auto`). A backend that sends nothing (`wire` None) is named by
    `sender` (its provider, model and fields) instead of a body."""
    sent = codec.digest(codec.encode(request, wire)) if wire is not None else sender
    parts = (
        item.text,
        sent,
        SCHEMA_VERSION,
        f"max_reasks={policy.max_reasks} grounding_reasks={policy.grounding_reasks}",
        prompt.reask_grounding,
        prompt.reask_truncated,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def legacy_key(item: Item, prompt: Prompt, model: str, settings: Settings) -> str:
    """The key versions up to 0.1 wrote (a hash of settings, not of what was sent): still
    recognised on resume, so that upgrading redoes no finished item. Records written now carry
    `request_key`."""
    generation = json.dumps(
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
    parts = (item.text, prompt.id, prompt.hash, SCHEMA_VERSION, model, generation)
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


@dataclass(frozen=True)
class Checked:
    """An answer, masked of the key, and what grounding made of it."""

    extraction: Extraction
    grounded: GroundingCheck


class Extractor:
    """Extracts records with one backend, opened on first use (so a run with nothing to do
    never loads a model); use as a context manager to release it."""

    def __init__(self, settings: Settings | None = None, backend: Backend | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.prompt = load_prompt(self.settings.prompt)
        self.policy = ReaskPolicy.from_settings(self.settings)
        self._backend = backend
        self._lock = threading.Lock()
        self.model = backend.model if backend is not None else model_name(self.settings)
        self.wire = backend.wire if backend is not None else wire_for(self.settings)
        self._keys: dict[tuple[str, str], str] = {}

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
        """The resume key of `item` (see `request_key`); remembered for the items of a run,
        which ask for it several times."""
        cached = (item.title, item.text)
        key = self._keys.get(cached)
        if key is None:
            sender = json.dumps(
                {
                    "provider": self.provider,
                    "model": self.model,
                    "fields": self.settings.metrics_only,
                }
            )
            request = self.request(item)
            key = request_key(
                item, request, self.wire, policy=self.policy, prompt=self.prompt, sender=sender
            )
            if len(self._keys) >= _KEYS_KEPT:
                self._keys.clear()
            self._keys[cached] = key
        return key

    def keys(self, item: Item) -> tuple[str, str]:
        """The key of `item`, and the key versions up to 0.1 gave it (`legacy_key`)."""
        return self.key(item), legacy_key(item, self.prompt, self.model, self.settings)

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

    def request(self, item: Item, prompted: bool = True) -> Request:
        """What the backend is asked first for `item`."""
        return build_request(item, self.prompt, self.settings.metrics_only, self.policy, prompted)

    def _extract(self, item: Item) -> Record:
        started = time.perf_counter()
        # Until the backend is open, whether it reads the prompt is unknown: build it, so that
        # a metrics-only item stating no number is answered without opening anything.
        prompted = self._backend.uses_prompt if self._backend is not None else True
        request = replace(self.request(item, prompted), key=self.key(item))
        if request.metrics_only and prompted and not request.candidates:
            completion = Completion(Extraction(), attempts=0)  # no number: nothing to ask
        else:
            completion = self.backend.complete(request)
        usage, attempts = completion.usage, completion.attempts
        first = self.check(item, request, completion.extraction)
        retry = None
        again = self.grounding_request(request, first, attempts)
        if again is not None:
            answer, spent = self._reask(again, completion)
            usage, attempts = usage + spent.usage, attempts + spent.attempts
            if answer is not None:
                retry = self.check(item, request, answer.extraction)
        return self.finish(
            item,
            first,
            retry,
            usage=usage,
            attempts=attempts,
            latency_s=time.perf_counter() - started,
        )

    def check(self, item: Item, request: Request, extraction: Extraction) -> Checked:
        """An answer for `item`, masked of the key and grounded in its sentences."""
        extraction = self.mask(extraction)
        paper = paper_name(item.title, item.text)
        return Checked(extraction, ground(extraction, request.sentences, paper))

    def grounding_request(self, request: Request, first: Checked, made: int) -> Request | None:
        """The grounding re-ask of `request` after its answer `first` and `made` calls: the
        conversation, the answer, and what is not in the text, within the calls left; None
        when nothing is to be re-asked or the policy allows no more."""
        problems = first.grounded.to_reask
        if not problems or not self.policy.may_reask_grounding(made):
            return None
        messages = [
            *request.messages,
            {"role": "assistant", "content": first.extraction.model_dump_json()},
            {"role": "user", "content": self.prompt.grounding_reask(problems)},
        ]
        return replace(request, messages=messages, max_calls=self.policy.calls_left(made))

    def finish(
        self,
        item: Item,
        first: Checked,
        retry: Checked | None,
        *,
        usage: Usage,
        attempts: int,
        latency_s: float,
    ) -> Record:
        """The record of `item` from its first checked answer and, if it was re-asked for
        grounding, the answer to that (kept unless it has more to re-ask than the first). The
        one assembly of a record, online and in a batch."""
        chosen = first
        if retry is not None and len(retry.grounded.to_reask) <= len(first.grounded.to_reask):
            chosen = retry
        return self.record(
            item,
            chosen.extraction,
            chosen.grounded,
            ungrounded_before_reask=len(first.grounded.problems),
            usage=usage,
            attempts=attempts,
            latency_s=latency_s,
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
        grounded: GroundingCheck,
        *,
        ungrounded_before_reask: int,
        usage: Usage,
        attempts: int,
        latency_s: float,
    ) -> Record:
        """The record of `item` from an answer and its grounding."""
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
            source=item,
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

    def _reask(self, request: Request, first: Completion) -> tuple[Completion | None, Completion]:
        """The grounding re-ask `request`, sent. Returns the answer (None if it failed) and
        what the re-ask spent, counted either way."""
        try:
            retry = self.backend.complete(request)
        except ExtractionError as exc:
            return None, Completion(Extraction(), exc.usage, exc.attempts)
        except ProviderError as exc:  # the item fails: its error line counts every token
            raise exc.spent(first.usage + exc.usage) from exc.__cause__
        return retry, retry

    def error_line(self, item: Item, error: Exception) -> ErrorLine:
        """The output line recording that `item` failed."""
        secret = self.settings.key_value()
        last_output = getattr(error, "last_output", None)
        return ErrorLine(
            schema_version=SCHEMA_VERSION,
            key=self.key(item),
            created_at=datetime.now(UTC),
            source=item,
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
