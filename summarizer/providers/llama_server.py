"""Entry point of the embedded server's child process: llama-cpp-python's OpenAI-compatible server.

    python -m summarizer.providers.llama_server [--no-repack] [--sampler NAME] SERVER-ARGS...

is `python -m llama_cpp.server SERVER-ARGS...`, except that greedy generation under a grammar
checks the best tokens before the whole vocabulary (`sampler`; `--sampler full` is
llama-cpp-python's own chain, and the `X-Summarizer-Sampler` header chooses per request, for
measuring), and that `--no-repack` keeps the weights in llama.cpp's ordinary CPU buffer. By
default llama.cpp repacks them into extra buffer types (interleaved Q4_K for AVX2/AVX-512, AMX
tiles where the CPU advertises AMX), which is faster but crashes with SIGILL on some machines
that advertise AMX. llama-cpp-python does not expose
`use_extra_bufts`, so the default model parameters are wrapped before the server creates its model.

Only the child process imports this module (it needs llama-cpp-python).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import llama_cpp.server.__main__ as server_main
from llama_cpp import llama_cpp as lib

from summarizer.providers import sampler

serve: Callable[[], None] = server_main.main


def disable_repack() -> None:
    """Make every model loaded in this process keep its weights unrepacked."""
    default = lib.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = default()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = without_extra_buffers


class ChooseSampler:
    """ASGI middleware: the `X-Summarizer-Sampler` header of a request chooses its sampler."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            value = dict(scope["headers"]).get(sampler.HEADER.encode())
            try:
                sampler.choose(value.decode() if value else None)
            except ValueError as exc:
                body = json.dumps({"error": {"message": str(exc)}}).encode()
                await send({"type": "http.response.start", "status": 400,
                            "headers": [(b"content-type", b"application/json")]})  # fmt: skip
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def with_sampler_choice() -> None:
    """Make the server's app read the `X-Summarizer-Sampler` header."""
    create = server_main.create_app  # type: ignore[attr-defined]

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = create(*args, **kwargs)
        app.add_middleware(ChooseSampler)
        return app

    server_main.create_app = create_app  # type: ignore[attr-defined]


def main(argv: list[str]) -> None:
    """Start the server with `argv` (see the module docstring)."""
    if "--no-repack" in argv:
        argv = [a for a in argv if a != "--no-repack"]
        disable_repack()
    if "--sampler" in argv:
        at = argv.index("--sampler")
        sampler.set_default(argv[at + 1])
        argv = argv[:at] + argv[at + 2 :]
    sampler.install()
    with_sampler_choice()
    sys.argv = ["llama_cpp.server", *argv]
    serve()


if __name__ == "__main__":
    main(sys.argv[1:])
