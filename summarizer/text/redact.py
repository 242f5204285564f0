"""Keep secrets out of everything the toolkit writes or prints.

A server may echo a request's headers in its error text, and a URL may carry a password, so
every message that reaches an error line, stderr or an eval report goes through `redact`: the
configured API key (and `OPENAI_API_KEY`), anything shaped like a bearer token or an API key,
the values of credential headers, and the user information of URLs are replaced by `[redacted]`.
A model's answer can echo the key too: every string a record takes from it goes through
`mask_secrets` (the keys only, so that prose about "token embeddings" stays as written).
"""

from __future__ import annotations

import os
import re

MASK = "[redacted]"
_HEADERS = re.compile(
    r"(?i)\b(authorization|proxy-authorization|api-key|x-api-key|openai-organization|"
    r"openai-project|cookie|set-cookie)(\"?\s*[:=]\s*\"?)[^\n;,\"'}]+"
)
_SCHEMES = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}")
_KEY_SHAPED = re.compile(r"\b(?:sk|pk|rk|sess)-[A-Za-z0-9_-]{16,}")
# scheme://user:password@host -> scheme://[redacted]@host
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@")
# A secret this short would mask ordinary words; real keys are far longer.
_MIN_SECRET = 8


def known_secrets(*secrets: str | None) -> list[str]:
    """`secrets` and `OPENAI_API_KEY`, long enough to be keys, longest first."""
    known = {s for s in (*secrets, os.environ.get("OPENAI_API_KEY")) if s and len(s) >= _MIN_SECRET}
    return sorted(known, key=len, reverse=True)


def mask_secrets(text: str, *secrets: str | None) -> str:
    """`text` with the configured keys masked, and nothing else: for text a model wrote (a
    record's prose), where the credential-shaped patterns of `redact` would mask ordinary words
    ("token embeddings")."""
    for secret in known_secrets(*secrets):
        text = text.replace(secret, MASK)
    return text


def redact(text: str, *secrets: str | None) -> str:
    """`text` with `secrets`, `OPENAI_API_KEY` and anything credential-shaped masked."""
    text = mask_secrets(text, *secrets)
    text = _HEADERS.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _SCHEMES.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _KEY_SHAPED.sub(MASK, text)
    return _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
