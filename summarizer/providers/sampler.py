"""Greedy sampling under a grammar that checks the few best tokens before the whole vocabulary.

llama-cpp-python applies the grammar to every token of the vocabulary (151,936 for Qwen2.5)
before the greedy pick, on every generated token. llama.cpp's own C++ sampler
(`common/sampling.cpp`) instead picks first and checks only that token, applying the grammar to
the whole vocabulary only when it is rejected. `GrammarFirstCheck` does that at the end of
llama-cpp-python's sampler chain (after the repetition penalties, as before): it checks the
tokens whose logit is among the `top` highest (ties included) and picks the best one the grammar
allows; only when none is allowed does it apply the grammar to all tokens and pick the best of
those. The best allowed token among the highest is the best allowed token of all, so the answer
is the one the full check gives, token for token; only the work differs.

`install()` makes every greedy generation with a grammar in this process use it, and refuses a
JSON Schema with a keyword the grammar would not enforce (`unenforceable`); `design()`
says which one a request gets: `SAMPLERS[...]`, chosen per server (`--sampler`) and, for
measuring them side by side, per request (the `X-Summarizer-Sampler` header). Anything else
(sampling at a temperature, mirostat, logits processors) keeps llama-cpp-python's own chain.

Only the embedded server's child process imports this module (it needs llama-cpp-python).
"""

from __future__ import annotations

import ctypes
import json
import math
import re
from contextvars import ContextVar
from typing import Any, Final

import numpy as np
from llama_cpp import _internals
from llama_cpp import llama as llama_module
from llama_cpp import llama_cpp as lib
from llama_cpp import llama_grammar as grammar_module

# name -> how many of the highest tokens are checked first (0: llama-cpp-python's own chain).
SAMPLERS: Final = {"full": 0, "check-first": 1, "top-64": 64}
DEFAULT: Final = "check-first"  # measured: see README, Benchmarks
HEADER: Final = "x-summarizer-sampler"

_TOKEN = np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)], align=True)
_chosen: ContextVar[str | None] = ContextVar("summarizer_sampler", default=None)
_refused: ContextVar[str | None] = ContextVar("summarizer_refused_schema", default=None)
_server = {"default": DEFAULT}  # the server's choice, set once at start-up


class GrammarFirstCheck:
    """A llama.cpp sampler (the last of a chain): greedy under `grammar`, checking the `top`
    best tokens first (see module docstring). Counts how often the first check sufficed."""

    def __init__(self, vocab: Any, grammar: Any, top: int) -> None:
        self.top = top
        self.grammar = lib.llama_sampler_init_grammar(
            vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self.grammar:
            raise ValueError("llama.cpp could not parse the grammar")
        self.checked = self.fallbacks = 0
        self._buffer = (lib.llama_token_data * max(top, 1))()
        # The callbacks must outlive the sampler: kept on the object.
        self._callbacks = (
            lib.llama_sampler_i_accept(self._accept),
            lib.llama_sampler_i_apply(self._apply),
            lib.llama_sampler_i_reset(self._reset),
        )
        iface = lib.llama_sampler_i()
        iface.accept, iface.apply, iface.reset = self._callbacks
        self._iface = iface
        self.sampler = lib.llama_sampler()
        self.sampler.iface = ctypes.pointer(iface)
        self.sampler.ctx = None

    def pointer(self) -> Any:
        """The `llama_sampler *` to add to a chain."""
        return ctypes.pointer(self.sampler)

    def close(self) -> None:
        """Free the grammar (the chain must not call this sampler after)."""
        if self.grammar:
            lib.llama_sampler_free(self.grammar)
            self.grammar = None

    def _accept(self, _sampler: Any, token: int) -> None:
        lib.llama_sampler_accept(self.grammar, token)

    def _reset(self, _sampler: Any) -> None:
        lib.llama_sampler_reset(self.grammar)

    def _apply(self, _sampler: Any, cur_p: Any) -> None:
        array = cur_p.contents
        size = int(array.size)
        data = (lib.llama_token_data * size).from_address(ctypes.addressof(array.data.contents))
        logits = np.frombuffer(memoryview(data), dtype=_TOKEN, count=size)["logit"]
        best = self._best_of_highest(logits, data)
        if best is None:  # none of the highest is allowed: check them all, as the chain would
            self.fallbacks += 1
            lib.llama_sampler_apply(self.grammar, cur_p)
            logits = np.frombuffer(memoryview(data), dtype=_TOKEN, count=size)["logit"]
            best = int(np.argmax(logits))  # the first of equal logits, as llama.cpp's greedy
        array.selected = best

    def _best_of_highest(self, logits: Any, data: Any) -> int | None:
        """The index of the best token the grammar allows among those whose logit is among the
        `top` highest (all tokens tied with the last of them included), or None."""
        self.checked += 1
        if self.top == 1:
            bound = float(logits.max())
        else:
            bound = float(np.partition(logits, -self.top)[-self.top])
        if math.isinf(bound) and bound < 0:
            return None
        indices = np.flatnonzero(logits >= bound)
        # Highest logit first; among equal ones the lowest index, as llama.cpp's greedy picks.
        indices = indices[np.lexsort((indices, -logits[indices]))]
        if len(indices) > len(self._buffer):
            self._buffer = (lib.llama_token_data * len(indices))()
        buffer = self._buffer
        for slot, index in enumerate(indices):
            buffer[slot] = data[index]
        candidates = lib.llama_token_data_array(
            data=ctypes.cast(buffer, lib.llama_token_data_p),
            size=len(indices),
            selected=-1,
            sorted=False,
        )
        lib.llama_sampler_apply(self.grammar, ctypes.byref(candidates))
        for slot, index in enumerate(indices):
            if not (math.isinf(buffer[slot].logit) and buffer[slot].logit < 0):
                return int(index)
        return None


# What llama-cpp-python's JSON Schema converter turns into grammar rules, and what only
# describes (no constraint to enforce). Any other keyword would be dropped silently.
ENFORCED: Final = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "prefixItems",
    "minItems", "maxItems", "enum", "const", "anyOf", "oneOf", "allOf", "$ref", "$defs",
    "definitions", "pattern", "minLength", "maxLength",
})  # fmt: skip
DESCRIPTIVE: Final = frozenset({"title", "description", "default", "examples", "$schema", "$id"})


def unenforceable(schema: Any, where: str = "") -> str | None:
    """The first keyword of `schema` (a JSON Schema) that the grammar would not enforce, with
    where it is (`properties.x.minimum`), or None when every constraint is enforced."""
    if isinstance(schema, list):
        for n, part in enumerate(schema):
            if (found := unenforceable(part, f"{where}[{n}]")) is not None:
                return found
        return None
    if not isinstance(schema, dict):
        return None
    for keyword, value in schema.items():
        at = f"{where}.{keyword}" if where else keyword
        if keyword in {"properties", "$defs", "definitions"} and isinstance(value, dict):
            for name, part in value.items():
                if (found := unenforceable(part, f"{at}.{name}")) is not None:
                    return found
        elif keyword == "format":  # only the formats the converter has rules for
            known = f"{value}-string" in grammar_module.STRING_FORMAT_RULES
            if not (known or re.fullmatch(r"uuid[1-5]?", str(value))):
                return at
        elif keyword in ENFORCED:
            nested = isinstance(value, dict | list) and keyword not in {"enum", "const", "required"}
            if nested and (found := unenforceable(value, at)) is not None:
                return found
        elif keyword not in DESCRIPTIVE:
            return at
    return None


def design() -> str:
    """The sampler this request gets: its header's, else the server's default."""
    return _chosen.get() or _server["default"]


def choose(name: str | None) -> None:
    """Use sampler `name` for the request being served (None: the server's default); a new
    request starts with no schema refused."""
    _refused.set(None)
    if name is not None and name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}; known: {', '.join(SAMPLERS)}")
    _chosen.set(name)


def set_default(name: str) -> None:
    """The sampler requests without the header get."""
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}; known: {', '.join(SAMPLERS)}")
    _server["default"] = name


def install() -> None:
    """Make every greedy generation with a grammar in this process use the chosen sampler."""
    original = llama_module.Llama._init_sampler

    def init_sampler(self: Any, **options: Any) -> Any:
        top = SAMPLERS[design()]
        greedy = options.get("temp", 0.80) == 0.0 and not options.get("mirostat_mode")
        grammar = options.get("grammar")
        if not top or grammar is None or not greedy or options.get("logits_processor"):
            return original(self, **options)
        sampler = _internals.LlamaSampler()  # type: ignore[no-untyped-call]
        sampler.add_penalties(  # as llama-cpp-python's own chain has them, first
            n_vocab=self._n_vocab,
            penalty_last_n=self.last_n_tokens_size,
            penalty_repeat=options.get("repeat_penalty", 1.0),
            penalty_freq=options.get("frequency_penalty", 0.0),
            penalty_present=options.get("presence_penalty", 0.0),
        )
        last = GrammarFirstCheck(self._model.vocab, grammar, top)
        lib.llama_sampler_chain_add(sampler.sampler, last.pointer())
        # Removed from the chain before the chain is freed (llama-cpp-python's rule for
        # samplers it did not make), and its grammar freed before that.
        position = lib.llama_sampler_chain_n(sampler.sampler) - 1
        sampler.custom_samplers.append((position, last))  # type: ignore[arg-type]
        sampler._exit_stack.callback(last.close)
        return sampler

    setattr(llama_module.Llama, "_init_sampler", init_sampler)  # noqa: B010 - a patch

    # A schema keyword the converter would drop is refused, naming it. llama-cpp-python falls
    # back to any JSON when a schema fails to convert; that fallback is refused too, so an
    # answer the schema does not allow is never produced silently.
    grammar = grammar_module.LlamaGrammar
    convert, parse = grammar.from_json_schema, grammar.from_string

    def from_json_schema(json_schema: str, verbose: bool = True) -> Any:
        found = unenforceable(json.loads(json_schema))
        if found is not None:
            why = (
                f"the schema keyword {found!r} cannot be enforced by llama.cpp's grammar; "
                "remove it or express it with enum, pattern or lengths"
            )
            _refused.set(why)
            raise ValueError(why)
        return convert(json_schema, verbose=verbose)

    def from_string(text: str, verbose: bool = True) -> Any:
        refused = _refused.get()
        if refused is not None and text == grammar_module.JSON_GBNF:
            raise ValueError(refused)  # not any JSON in place of the schema refused
        return parse(text, verbose=verbose)

    setattr(grammar, "from_json_schema", staticmethod(from_json_schema))  # noqa: B010
    setattr(grammar, "from_string", staticmethod(from_string))  # noqa: B010
