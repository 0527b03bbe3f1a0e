"""The independent signer used by the tamper tests reproduces the spec vectors and the SDK."""

from __future__ import annotations

import json

import pytest
from alter_sdk import App

import alter_signer
import demo
from capture import Recorder
from conftest import run
from vault import shared_dir


def _vectors() -> list[dict]:
    return json.loads((shared_dir() / "spec" / "signing-vectors.json").read_text())["vectors"]


@pytest.mark.parametrize("vector", _vectors(), ids=lambda v: v["name"])
def test_signer_reproduces_spec_vector(vector: dict) -> None:
    inp, mid = vector["inputs"], vector["intermediate"]
    assert alter_signer.signing_key(inp["api_key"]).hex() == mid["signing_key_hex"]
    assert alter_signer.canonical_path(inp["path"]) == mid["canonical_path"]
    body = inp["body_utf8"].encode("utf-8")
    identity = {
        "X-Alter-Caller": inp["caller"],
        "X-Alter-Caller-Type": inp["caller_type"],
        "X-Alter-Actor-ID": inp["actor_id"],
        "X-Alter-Context": inp["context_header"],
    }
    headers = alter_signer.sign(
        inp["api_key"], inp["method"], inp["path"], body,
        timestamp=inp["timestamp"], nonce=inp["nonce"],
        scope_constraints=inp["scope_constraints"], request_rule=inp["request_rule"],
        identity=identity,
    )
    expected = {k.lower(): v for k, v in vector["expected_headers"].items()}
    for name, value in headers.items():
        if name.lower() in expected:
            assert value == expected[name.lower()], name
    assert headers["X-Alter-Signature"] == expected["x-alter-signature"]
    assert ("X-Alter-Signature-V2" in headers) == ("x-alter-signature-v2" in expected)


@pytest.mark.parametrize("caller", [None, "conformance-suite"], ids=["legacy", "v2-caller"])
def test_signer_matches_official_sdk_on_the_wire(vault, caller: str | None) -> None:
    """Sign the very request the SDK sent (its timestamp, nonce, identity headers) and compare."""

    async def go() -> Recorder:
        async with App(api_key=demo.APP_KEY, caller=caller) as app:
            rec = Recorder().attach(app)
            await app.request(
                "GET", f"{vault.base_url}/mock/google/conformance/signer-{caller or 'legacy'}",
                grant_id=demo.GRANT_GOOGLE_ALICE,
            )
        return rec

    rec = run(go())
    sent = rec.to("/sdk/")
    assert sent, "the SDK sent nothing to /sdk/"
    for req in sent:
        identity = {h: req.header(h) or "" for _, h in alter_signer.IDENTITY_FIELDS}
        mine = alter_signer.sign(
            demo.APP_KEY, req.method, req.path, req.body,
            timestamp=req.header("X-Alter-Timestamp"), nonce=req.header("X-Alter-Nonce"),
            identity=identity,
        )
        assert mine["X-Alter-Content-SHA256"] == req.header("X-Alter-Content-SHA256"), req.path
        assert mine["X-Alter-Signature"] == req.header("X-Alter-Signature"), req.path
        assert mine.get("X-Alter-Signature-V2") == req.header("X-Alter-Signature-V2"), req.path
    if caller:
        assert all(r.header("X-Alter-Signature-V2") for r in sent)
