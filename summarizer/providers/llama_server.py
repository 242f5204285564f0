"""Entry point of the embedded server's child process: llama-cpp-python's OpenAI-compatible server.

    python -m summarizer.providers.llama_server [--no-repack] SERVER-ARGS...

is `python -m llama_cpp.server SERVER-ARGS...`, except that `--no-repack` keeps the weights in
llama.cpp's ordinary CPU buffer. By default llama.cpp repacks them into extra buffer types
(interleaved Q4_K for AVX2/AVX-512, AMX tiles where the CPU advertises AMX), which is faster but
crashes with SIGILL on some machines that advertise AMX. llama-cpp-python does not expose
`use_extra_bufts`, so the default model parameters are wrapped before the server creates its model.

Only the child process imports this module (it needs llama-cpp-python).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from llama_cpp import llama_cpp as lib
from llama_cpp.server.__main__ import main as _serve

serve: Callable[[], None] = _serve


def disable_repack() -> None:
    """Make every model loaded in this process keep its weights unrepacked."""
    default = lib.llama_model_default_params

    def without_extra_buffers() -> Any:
        params = default()
        params.use_extra_bufts = False
        return params

    lib.llama_model_default_params = without_extra_buffers


def main(argv: list[str]) -> None:
    """Start the server with `argv` (see the module docstring)."""
    if "--no-repack" in argv:
        argv = [a for a in argv if a != "--no-repack"]
        disable_repack()
    sys.argv = ["llama_cpp.server", *argv]
    serve()


if __name__ == "__main__":
    main(sys.argv[1:])
