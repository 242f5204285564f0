"""A stub of the Files and Batches endpoints, written from OpenAI's API reference, for what this
machine cannot reach: upload, create, retrieve, cancel, download. A batch finishes when it is
first retrieved: each request is answered as `stub_server` answers online, unless the stub is
told to expire the batch after some requests or to fail some of them into the error file, or
to answer the next calls with HTTP errors (`errors`), or to spoil the answers to some lines
(`spoil`, as the online stub's faults do)."""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from stub_server import LoopbackServer, QuietHandler, completion, spoiled


class BatchStub(LoopbackServer):
    """The endpoints' state: files, batches, and how the next batch is to end."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.expire_after: int | None = None  # answer this many, then expire
        self.fail_every: int = 0  # put every Nth request into the error file
        # HTTP statuses to answer the next requests with, in order (0: answer that one as usual)
        self.errors: list[int] = []
        # The fault to answer a request line with (see `stub_server.spoiled`); None: answer it.
        self.spoil: Callable[[dict[str, Any]], str | None] = lambda line: None
        self.lock = threading.Lock()
        super().__init__(self._handler())

    def _file(self, data: bytes, purpose: str) -> dict[str, Any]:
        file_id = f"file-{len(self.files) + 1}"
        self.files[file_id] = data
        return {
            "id": file_id, "object": "file", "bytes": len(data), "created_at": 0,
            "filename": "requests.jsonl", "purpose": purpose, "status": "processed",
        }  # fmt: skip

    def _run(self, batch: dict[str, Any]) -> None:
        """Finish `batch`: answer its requests into an output file and an error file."""
        lines = [json.loads(t) for t in self.files[batch["input_file_id"]].splitlines() if t]
        answered, failed = [], []
        for number, line in enumerate(lines, start=1):
            if self.expire_after is not None and number > self.expire_after:
                break
            body = line["body"]
            if self.fail_every and number % self.fail_every == 0:
                failed.append({"id": f"req-{number}", "custom_id": line["custom_id"],
                               "response": {"status_code": 500, "request_id": "r", "body": {}},
                               "error": None})  # fmt: skip
                continue
            reply = completion(body, *spoiled(body, self.spoil(line)))
            answered.append({
                "id": f"req-{number}", "custom_id": line["custom_id"], "error": None,
                "response": {"status_code": 200, "request_id": "r", "body": reply},
            })  # fmt: skip
        batch["status"] = "expired" if self.expire_after is not None else "completed"
        for key, rows in (("output_file_id", answered), ("error_file_id", failed)):
            if rows:
                data = "".join(json.dumps(r) + "\n" for r in rows).encode()
                batch[key] = self._file(data, "batch_output")["id"]
        batch["request_counts"] = {"total": len(lines), "completed": len(answered),
                                   "failed": len(failed)}  # fmt: skip
        batch["usage"] = {  # what the stub's answers count, 100 + 50 tokens each
            "input_tokens": 100 * len(answered), "output_tokens": 50 * len(answered),
            "total_tokens": 150 * len(answered), "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0},
        }  # fmt: skip

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(QuietHandler):
            def _fault(self) -> bool:
                with stub.lock:
                    status = stub.errors.pop(0) if stub.errors else None
                if status:  # 0: this request is answered as usual
                    body = {"error": {"message": f"stub fault {status}", "type": "stub"}}
                    self._send(status, json.dumps(body).encode(), {"Retry-After": "0"})
                return bool(status)

            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers["Content-Length"]))
                if self._fault():
                    return
                with stub.lock:
                    if self.path == "/v1/files":
                        self._json(stub._file(_upload(self.headers["Content-Type"], data), "batch"))
                    elif self.path == "/v1/batches":
                        asked = json.loads(data)
                        batch_id = f"batch_{len(stub.batches) + 1}"
                        stub.batches[batch_id] = {
                            "id": batch_id, "object": "batch", "endpoint": asked["endpoint"],
                            "completion_window": asked["completion_window"], "created_at": 0,
                            "input_file_id": asked["input_file_id"], "status": "validating",
                        }  # fmt: skip
                        self._json(stub.batches[batch_id])
                    elif self.path.endswith("/cancel"):
                        batch = stub.batches[self.path.split("/")[-2]]
                        batch["status"] = "cancelled"
                        self._json(batch)
                    else:
                        self._json({"error": {"message": "no such endpoint"}}, 404)

            def do_GET(self) -> None:
                if self._fault():
                    return
                with stub.lock:
                    parts = self.path.split("/")
                    if self.path.startswith("/v1/batches/"):
                        batch = stub.batches[parts[-1]]
                        if batch["status"] == "validating":
                            batch["status"] = "in_progress"  # finished at the next look
                        elif batch["status"] == "in_progress":
                            stub._run(batch)
                        self._json(batch)
                    elif self.path.endswith("/content"):
                        self._send(200, stub.files[parts[-2]], content="application/octet-stream")
                    else:
                        self._json({"error": {"message": "no such endpoint"}}, 404)

            def _json(self, value: dict[str, Any], status: int = 200) -> None:
                self._send(status, json.dumps(value).encode())

        return Handler


def _upload(content_type: str, data: bytes) -> bytes:
    """The `file` part of a multipart/form-data upload."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + data)
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == "file":
            payload = part.get_payload(decode=True)
            return payload if isinstance(payload, bytes) else b""
    return b""
