"""A tiny OpenAI-compatible stub, for what a real server will not do on demand.

It answers `/v1/chat/completions` in tools mode with a valid extraction built from the request's
numbered sentences and schema (the first value offered becomes a metric citing its sentence),
after an optional fixed delay. A queue of faults (`401`, `429`, `500`, `timeout`, `drop`,
`malformed`, `truncated`, `invalid`, `hang` (never answers), `trickle` (a body at one byte a
second), `echo401` (a 401 whose text repeats the request's headers, key included), `html` (a
200 that is an HTML page), `garbage`, `choices_str`, `error200`, `no_choices` (200 bodies that
are no chat completion)) is served first, one per request; `always` serves one fault to every
request after that (an outage). Run it as a script for the benchmark and the signal tests:
`python tests/stub_server.py --delay 0.2 --port-file PORT [--always FAULT]`.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

_SENTENCE = re.compile(r"^\[(\d+)\] (.*)$", re.MULTILINE)


def answer(request: dict[str, Any]) -> dict[str, Any]:
    """A valid, grounded extraction for the paper in `request`: the first values its schema
    offers (as many as it asks for at least, one at minimum) become metrics, each citing the
    first sentence that writes it."""
    user = next(m["content"] for m in reversed(request["messages"]) if m["role"] == "user")
    sentences = _SENTENCE.findall(user) or _SENTENCE.findall(request["messages"][1]["content"])
    offered, wanted = _offered(request)
    metrics = []
    for value in offered[: max(wanted, 1)]:
        number = next((n for n, text in sentences if value in text), None)
        if number is not None:
            metrics.append(
                {
                    "value_text": value,
                    "metric": "score",
                    "benchmark": None,
                    "subject": None,
                    "evidence": [int(number)],
                }
            )
    first = sentences[0][1] if sentences else "A paper."
    return {
        "one_line_summary": first[:300],
        "objective": first[:300],
        "methods": [{"name": "method", "description": "The method of the paper."}],
        "implications": ["Practitioners can use it."],
        "headline_metrics": metrics,
    }


def spoiled(request: dict[str, Any], fault: str | None) -> tuple[str, str]:
    """The tool-call arguments and finish reason of `answer`, spoiled as `fault` says: cut off
    at the token limit ("truncated"), missing a required field ("invalid"), or with a number
    in its prose that the text does not state ("unstated")."""
    good = answer(request)
    if fault == "truncated":
        return json.dumps(good)[: len(json.dumps(good)) // 2], "length"
    if fault == "invalid":
        del good["objective"]
    if fault == "unstated":
        good["objective"] = "It is 99.9% accurate."
    return json.dumps(good), "tool_calls"


def _offered(request: dict[str, Any]) -> tuple[list[str], int]:
    """The values the request's tool schema allows for `value_text`, and its `minItems`."""
    try:
        parameters = request["tools"][0]["function"]["parameters"]
        metrics = parameters["properties"]["headline_metrics"]
        value = metrics["items"]["properties"]["value_text"]
        offered = value.get("enum", [value["const"]] if "const" in value else [])
        return list(offered), int(metrics.get("minItems", 0))
    except (KeyError, IndexError, TypeError):
        return [], 0


def completion(request: dict[str, Any], arguments: str, finish: str) -> dict[str, Any]:
    """A chat completion carrying `arguments` as the forced tool call."""
    name = request["tools"][0]["function"]["name"] if request.get("tools") else "Extraction"
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "stub"),
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "call_0",
                            "type": "function",
                            "function": {"name": name, "arguments": arguments},
                        }
                    ],
                },
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
    }


class LoopbackServer:
    """A threaded HTTP server on a free loopback port, served from a daemon thread."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> Self:
        # shutdown() waits for the serving loop's next poll: 0.5 s by default, once per test.
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# 200 bodies that are JSON but no chat completion: the SDK builds them without validating.
_NOT_COMPLETIONS = {
    "garbage": b"\x8f\xff{not json at all",
    "choices_str": b'{"id": "x", "object": "chat.completion", "choices": "nope"}',
    "error200": b'{"error": {"message": "model overloaded", "type": "server_error"}}',
    "no_choices": b'{"id": "x", "object": "chat.completion", "created": 0, "model": "m", '
    b'"choices": []}',
}


class QuietHandler(BaseHTTPRequestHandler):
    """An HTTP/1.1 handler that logs nothing and sends whole bodies with their length."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self,
        status: int,
        data: bytes,
        headers: dict[str, str] | None = None,
        content: str = "application/json",
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class Stub(LoopbackServer):
    """The stub's state: the fault queue, the delay, and the requests it received."""

    def __init__(self, delay: float = 0.0, faults: list[str] | None = None) -> None:
        self.delay = delay
        self.faults: deque[str] = deque(faults or [])
        self.always: str | None = None
        self.requests: list[dict[str, Any]] = []
        self.log: str | None = None  # a file that gets a line per request received
        self.lock = threading.Lock()
        super().__init__(self._handler())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stub.lock:
                    stub.requests.append(body)
                    if stub.log is not None:
                        with open(stub.log, "a", encoding="utf-8") as log:
                            log.write(f"{body.get('model')}\n")
                    fault = stub.faults.popleft() if stub.faults else stub.always
                if stub.delay:
                    time.sleep(stub.delay)
                self._serve(body, fault)

            def _serve(self, body: dict[str, Any], fault: str | None) -> None:
                if fault == "drop":
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault == "timeout":
                    time.sleep(2.0)
                if fault == "hang":
                    time.sleep(3600)
                    return
                if fault == "trickle":
                    self._trickle(json.dumps(completion(body, json.dumps(answer(body)), "stop")))
                    return
                if fault == "echo401":
                    echoed = "; ".join(f"{k}: {v}" for k, v in self.headers.items())
                    payload = {"error": {"message": f"bad request headers: {echoed}"}}
                    self._send(401, json.dumps(payload).encode())
                    return
                if fault == "html":
                    self._send(200, b"<html><body>Bad gateway</body></html>", content="text/html")
                    return
                if fault in {"401", "429", "500"}:
                    payload = {"error": {"message": f"stub fault {fault}", "type": "stub"}}
                    self._send(int(fault), json.dumps(payload).encode(), {"Retry-After": "0"})
                    return
                if fault in _NOT_COMPLETIONS:
                    self._send(200, _NOT_COMPLETIONS[fault])
                    return
                if fault == "malformed":
                    self._send(200, b'{"id": "chatcmpl-stub", "choices": [')
                    return
                arguments, finish = spoiled(body, fault)
                self._send(200, json.dumps(completion(body, arguments, finish)).encode())

            def _trickle(self, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(text)))
                self.end_headers()
                for char in text:
                    self.wfile.write(char.encode())
                    self.wfile.flush()
                    time.sleep(1.0)

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--port-file", help="write the chosen port here once listening")
    parser.add_argument("--always", help="serve this fault to every request")
    parser.add_argument("--log", help="append a line to this file per request received")
    args = parser.parse_args()
    stub = Stub(delay=args.delay)
    stub.always = args.always
    stub.log = args.log
    if args.port_file:
        with open(args.port_file, "w", encoding="utf-8") as f:
            f.write(str(stub.port))
    stub.server.serve_forever()


if __name__ == "__main__":
    main()
