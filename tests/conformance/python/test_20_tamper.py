"""Tampered requests must be refused by the vault.

A real signed request is captured from the official SDK (observed with an httpx event hook, not
changed). Then it is replayed or modified with plain httpx. Every tampered variant is paired
with an untampered control built the same way, so a refusal can only come from the tampering:
- replayed nonce: the SDK's exact bytes, sent a second time;
- body byte flipped: fresh timestamp/nonce/signature over the original body (control: accepted),
  then one byte of the body flipped (the JSON stays valid) — with the SDK's content hash kept, and
  with the content hash recomputed for the flipped body;
- stale timestamp: signed correctly, but 10 minutes old (and 10 minutes ahead);
- wrong key: the signature made with another key's signing key; and an unregistered key.
"""

from __future__ import annotations

import time

import httpx
import pytest
from alter_sdk import App

import alter_signer
import demo
from capture import Captured, Recorder
from conftest import check, run

REFUSED = "HTTP 401"
# Headers the tamper requests carry over from the captured request (never the signature set).
_SIGNATURE_HEADERS = {
    "x-alter-timestamp", "x-alter-nonce", "x-alter-content-sha256", "x-alter-signature",
    "x-alter-signature-v2", "content-length", "host", "x-api-key",
}


@pytest.fixture(scope="module")
def captured(vault) -> Captured:
    async def go() -> Recorder:
        async with App(api_key=demo.APP_KEY) as app:
            rec = Recorder().attach(app)
            resp = await app.request(
                "GET", f"{vault.base_url}/mock/google/conformance/tamper-source",
                grant_id=demo.GRANT_GOOGLE_ALICE,
            )
            assert resp.status_code == 200
        return rec

    tokens = run(go()).to("/sdk/token")
    assert len(tokens) == 1
    return tokens[0]


def send(vault, req: Captured, headers: dict[str, str] | list[tuple[str, str]], body: bytes):
    with httpx.Client(base_url=vault.base_url, timeout=30.0) as c:
        return c.request(req.method, req.path, headers=headers, content=body)


def resigned(req: Captured, body_for_signature: bytes, **kw) -> dict[str, str]:
    """The captured request's own headers with a freshly computed signature set."""
    keep = {k: v for k, v in req.headers if k.lower() not in _SIGNATURE_HEADERS}
    identity = {h: req.header(h) or "" for _, h in alter_signer.IDENTITY_FIELDS}
    return {**keep, **alter_signer.sign(demo.APP_KEY, req.method, req.path, body_for_signature,
                                        identity=identity, **kw)}


def flip_one_byte(body: bytes) -> bytes:
    """Flip the low bit of one letter inside the provider URL, so the JSON stays valid."""
    i = body.index(b"tamper-source")
    return body[:i] + bytes([body[i] ^ 0x01]) + body[i + 1:]


def outcome(*resps: httpx.Response) -> str:
    """ "HTTP <status>"; with several variants, the first one that was not refused (if any)."""
    for resp in resps:
        if resp.status_code != 401:
            return f"HTTP {resp.status_code}"
    return f"HTTP {resps[0].status_code}"


def refusal_code(resp: httpx.Response) -> str | None:
    """The vault's refusal code (dev-vault/README.md "SDK endpoints": signature failures)."""
    try:
        data = resp.json()
    except ValueError:
        return None
    detail = data.get("detail", data) if isinstance(data, dict) else {}
    return detail.get("error") if isinstance(detail, dict) else None


def test_control_resigned_copy_is_accepted(vault, captured: Captured) -> None:
    resp = send(vault, captured, resigned(captured, captured.body), captured.body)
    check("tamper_control_resigned", outcome(resp))
    assert resp.json()["grant_id"] == demo.GRANT_GOOGLE_ALICE


def test_replayed_nonce_is_refused(vault, captured: Captured) -> None:
    resp = send(vault, captured, captured.headers, captured.body)
    check("tamper_replayed_nonce", outcome(resp))
    assert refusal_code(resp) == "replayed_nonce"


def test_body_byte_flipped_is_refused(vault, captured: Captured) -> None:
    flipped = flip_one_byte(captured.body)
    assert flipped != captured.body and len(flipped) == len(captured.body)
    # (a) signature and content hash over the original body, flipped body on the wire
    resp = send(vault, captured, resigned(captured, captured.body), flipped)
    # (b) content hash recomputed for the flipped body, signature still over the original
    headers_b = resigned(captured, captured.body)
    headers_b["X-Alter-Content-SHA256"] = alter_signer.content_sha256(flipped)
    resp_b = send(vault, captured, headers_b, flipped)
    check("tamper_body_byte_flipped", outcome(resp, resp_b))
    assert refusal_code(resp) == "content_hash_mismatch"
    assert refusal_code(resp_b) == "invalid_signature"


def test_stale_timestamp_is_refused(vault, captured: Captured) -> None:
    now = int(time.time())
    old = send(vault, captured, resigned(captured, captured.body, timestamp=str(now - 600)),
               captured.body)
    ahead = send(vault, captured, resigned(captured, captured.body, timestamp=str(now + 600)),
                 captured.body)
    check("tamper_stale_timestamp", outcome(old, ahead))
    assert refusal_code(old) == refusal_code(ahead) == "stale_timestamp"


def test_wrong_key_is_refused(vault, captured: Captured) -> None:
    # Signed with another registered key's signing key, presented under the app key.
    resp = send(vault, captured,
                resigned(captured, captured.body, key_for_hmac=demo.LEGACY_APP_KEY),
                captured.body)
    check("tamper_wrong_key", outcome(resp))
    assert refusal_code(resp) == "invalid_signature"
    # A well-formed key the vault does not know, correctly signed with itself.
    keep = {k: v for k, v in captured.headers if k.lower() not in _SIGNATURE_HEADERS}
    unknown = {**keep, **alter_signer.sign(demo.UNKNOWN_KEY, captured.method, captured.path,
                                           captured.body)}
    resp_unknown = send(vault, captured, unknown, captured.body)
    check("tamper_unknown_key", outcome(resp_unknown))
    assert refusal_code(resp_unknown) == "invalid_key"
