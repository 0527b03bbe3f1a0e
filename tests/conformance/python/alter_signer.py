"""An independent request signer written from ../shared/spec/protocol-core.md §1.2 and §2.

The tamper tests need to build requests the official SDK would never send (stale timestamp,
signature from another key, ...). They use this signer, which is checked two ways before it is
trusted: it reproduces every vector of signing-vectors.json, and it reproduces the signature the
official SDK put on a request captured on the wire (test_00_signer.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from urllib.parse import parse_qsl, unquote, urlencode

# §1.2: signing key = HMAC-SHA256(api key, "alter-signing-v1").
SIGNING_KEY_MESSAGE = b"alter-signing-v1"

# §2.4: identity lines appended to the V2 string, in this order: (label, header).
IDENTITY_FIELDS = (
    ("caller", "X-Alter-Caller"),
    ("caller-type", "X-Alter-Caller-Type"),
    ("actor-id", "X-Alter-Actor-ID"),
    ("actor-context", "X-Alter-Context"),
)


def signing_key(api_key: str) -> bytes:
    return hmac.new(api_key.encode("utf-8"), SIGNING_KEY_MESSAGE, hashlib.sha256).digest()


def canonical_path(path: str) -> str:
    """§2.2: decoded path; form-decoded, sorted, quote_plus re-encoded query."""
    path_part, sep, query = path.partition("?")
    decoded = unquote(path_part)
    if not sep or query == "":
        return decoded
    pairs = sorted(parse_qsl(query, keep_blank_values=True, separator="&"))
    return f"{decoded}?{urlencode(pairs)}"


def content_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def strings_to_sign(
    method: str,
    path: str,
    timestamp: str,
    nonce: str,
    body_hash: str,
    scope_constraints: str = "",
    request_rule: str = "",
    identity: dict[str, str] | None = None,
) -> tuple[str, str | None]:
    """§2.3/§2.4: (legacy string, V2 string or None when no identity field is set)."""
    legacy = "\n".join(
        [method.upper(), canonical_path(path), timestamp, nonce, body_hash, scope_constraints]
    )
    if request_rule:
        legacy += f"\nrequest-rule:{request_rule}"
    identity = identity or {}
    v2 = legacy
    for label, header in IDENTITY_FIELDS:
        value = identity.get(header, "")
        if value:
            v2 += f"\n{label}:{value}"
    return legacy, (v2 if v2 != legacy else None)


def sign(
    api_key: str,
    method: str,
    path: str,
    body: bytes = b"",
    *,
    timestamp: str | None = None,
    nonce: str | None = None,
    scope_constraints: str = "",
    request_rule: str = "",
    identity: dict[str, str] | None = None,
    key_for_hmac: str | None = None,
) -> dict[str, str]:
    """Return the §2.5 signature header set for one request.

    ``key_for_hmac`` signs with another key's signing key (the "wrong key" tamper case) while
    everything else stays as for ``api_key``.
    """
    ts = timestamp if timestamp is not None else str(int(time.time()))
    nn = nonce if nonce is not None else secrets.token_hex(16)
    body_hash = content_sha256(body)
    legacy, v2 = strings_to_sign(
        method, path, ts, nn, body_hash, scope_constraints, request_rule, identity
    )
    key = signing_key(key_for_hmac if key_for_hmac is not None else api_key)
    digest = hmac.new(key, (v2 or legacy).encode("utf-8"), hashlib.sha256).hexdigest()
    headers = {
        "x-api-key": api_key,
        "X-Alter-Timestamp": ts,
        "X-Alter-Nonce": nn,
        "X-Alter-Content-SHA256": body_hash,
        "X-Alter-Signature": digest,
    }
    if v2 is not None:
        headers["X-Alter-Signature-V2"] = digest
    if scope_constraints:
        headers["X-Alter-Scope-Constraints"] = scope_constraints
    if request_rule:
        headers["X-Alter-Request-Rule"] = request_rule
    if body:
        headers["Content-Type"] = "application/json"
    return headers
