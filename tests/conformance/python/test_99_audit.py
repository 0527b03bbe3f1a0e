"""Runs last (file order): every provider call that reached a mock provider has exactly one audit
row. All SDK clients of the earlier tests were closed (``async with``), which awaits their
pending audit tasks, so every row the SDK will ever send has been sent.

Matching key: (grant id, method, URL path); an agent's delegation id counts as its parent grant. A mock call's path is the path it received; an audit
row's URL is the full provider URL the SDK (or, in proxy mode, the vault) called.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import demo
from conftest import check


def _call_key(call: dict) -> tuple[str | None, str, str]:
    path = call["path"]
    prefix = f"/mock/{call['provider']}"
    if not path.startswith(prefix):
        path = prefix + (path if path.startswith("/") else "/" + path)
    return call.get("grant_id"), call["method"].upper(), path


def _row_key(row: dict) -> tuple[str | None, str, str]:
    # An agent's row names its delegation; the provider saw the parent grant's credential.
    grant = demo.DELEGATION_PARENT.get(row.get("grant_id"), row.get("grant_id"))
    return grant, str(row.get("method", "")).upper(), urlsplit(row.get("url", "")).path


def test_every_provider_call_has_exactly_one_audit_row(vault) -> None:
    calls = vault.mock_calls()
    rows = [r["row"] for r in vault.audit_rows()]
    assert calls, "no provider call reached the mock providers"

    call_keys = Counter(_call_key(c) for c in calls)
    # Only rows describing calls to this vault's mock providers take part (all of them, here).
    row_keys = Counter(_row_key(r) for r in rows if urlsplit(r.get("url", "")).path.startswith("/mock/"))

    missing = {k: n - row_keys.get(k, 0) for k, n in call_keys.items() if row_keys.get(k, 0) < n}
    extra = {k: n - call_keys.get(k, 0) for k, n in row_keys.items() if call_keys.get(k, 0) < n}
    check("audit_one_row_per_provider_call", "OK" if not missing and not extra else "MISMATCH")
    assert not missing, f"provider calls without an audit row: {missing}"
    assert not extra, f"audit rows without a provider call (or duplicates): {extra}"
    # No audit row may carry a credential: the mock never sees one twice, but the rows must not
    # contain the injected header either (protocol-core.md §5.3).
    for row in rows:
        for headers in (row.get("request_headers") or {}, row.get("response_headers") or {}):
            lowered = {k.lower() for k in headers}
            assert not lowered & {"authorization", "x-api-key", "cookie"}, row.get("url")
