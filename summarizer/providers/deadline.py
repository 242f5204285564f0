"""Time limits that hold whatever the server does: per request, body included, and per item.

httpx bounds each socket read, not a whole response: a server that trickles its body a byte a
second never times out. `DeadlineTransport` bounds the whole exchange by the request's read
timeout instead, checked as each chunk arrives (a server that stalls completely is still caught
by the read timeout itself, so an exchange ends within twice the limit at worst). `Deadline`
is one item's budget across its requests, transport retries and re-asks.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx2


class DeadlineTransport(httpx2.BaseTransport):
    """An HTTP transport whose responses raise `ReadTimeout` once the request's read timeout has
    passed since it was sent."""

    def __init__(self) -> None:
        self._inner = httpx2.HTTPTransport()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send `request`; its body must arrive before the deadline."""
        timeouts = request.extensions.get("timeout") or {}
        budget = timeouts.get("read")
        started = time.monotonic()
        response = self._inner.handle_request(request)
        if budget is not None:
            assert isinstance(response.stream, httpx2.SyncByteStream)
            response.stream = _DeadlineStream(response.stream, started + budget, budget, request)
        return response

    def close(self) -> None:
        """Close the connection pool."""
        self._inner.close()


class _DeadlineStream(httpx2.SyncByteStream):
    def __init__(
        self, inner: httpx2.SyncByteStream, deadline: float, budget: float, request: httpx2.Request
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._budget = budget
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._inner:
            if time.monotonic() > self._deadline:
                raise httpx2.ReadTimeout(
                    f"the response was not complete within {self._budget:g}s",
                    request=self._request,
                )
            yield chunk

    def close(self) -> None:
        self._inner.close()


class DeadlineClient(httpx2.Client):
    """An HTTP client for the `openai` SDK over a `DeadlineTransport`, closed when collected
    as the SDK's own client is (a backend nobody closed must not leak its sockets). The SDK
    sets the timeouts of every request itself."""

    def __init__(self) -> None:
        super().__init__(transport=DeadlineTransport(), follow_redirects=True)

    def __del__(self) -> None:
        if not self.is_closed:
            with contextlib.suppress(Exception):
                self.close()


@dataclass
class Deadline:
    """One item's time budget, shared by all of its requests."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        """Seconds left; zero or less once spent."""
        return self.started + self.seconds - time.monotonic()

    def passed(self) -> bool:
        """True once the budget is spent."""
        return self.remaining() <= 0
