"""Runs last (file order): every provider call that reached a mock provider has exactly one audit
row. All SDK clients of the earlier tests were closed (``async with``), which awaits their
pending audit tasks, so every row the SDK will ever send has been sent.

Matching key: (who audited it, grant id, method, URL path); an agent's delegation id counts as its
parent grant. A mock call's path is the path it received; an audit
row's URL is the full provider URL the SDK (or, in proxy mode, the vault) called.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import demo
from conftest import check


# A call the SDK made itself ("http") is audited by the SDK ("sdk"); a call the vault made for
# /sdk/proxy ("proxy") is audited by the vault ("proxy").
_SOURCE_OF_VIA = {"http": "sdk", "proxy": "proxy"}


def _call_key(call: dict) -> tuple[str, str | None, str, str]:
    path = call["path"]  # the part after /mock/{provider}
    prefix = f"/mock/{call['provider']}"
    if not path.startswith(prefix):
        path = prefix + (path if path.startswith("/") else "/" + path)
    source = _SOURCE_OF_VIA.get(call.get("via", "http"), str(call.get("via")))
    return source, call.get("grant_id"), call["method"].upper(), path


def _row_key(entry: dict) -> tuple[str, str | None, str, str]:
    row = entry["row"]
    # An agent's row names its delegation; the provider saw the parent grant's credential.
    grant = demo.DELEGATION_PARENT.get(row.get("grant_id"), row.get("grant_id"))
    return (entry.get("source", "sdk"), grant, str(row.get("method", "")).upper(),
            urlsplit(row.get("url", "")).path)


def test_every_provider_call_has_exactly_one_audit_row(vault) -> None:
    calls = vault.mock_calls()
    entries = vault.audit_rows()
    rows = [e["row"] for e in entries]
    call_keys = Counter(_call_key(c) for c in calls)
    # Both kinds of provider call happened in this run, so the check is not vacuous.
    assert {k[0] for k in call_keys} == {"sdk", "proxy"}, call_keys
    # Only rows describing calls to this vault's mock providers take part (all of them, here).
    row_keys = Counter(_row_key(e) for e in entries
                       if urlsplit(e["row"].get("url", "")).path.startswith("/mock/"))
    assert sum(row_keys.values()) == len(rows), "an audit row names a non-mock URL"

    missing = {k: n - row_keys.get(k, 0) for k, n in call_keys.items() if row_keys.get(k, 0) < n}
    extra = {k: n - call_keys.get(k, 0) for k, n in row_keys.items() if call_keys.get(k, 0) < n}
    observed = "OK" if not missing and not extra else "MISMATCH"
    try:
        check("audit_one_row_per_provider_call", observed)
    except AssertionError:
        raise AssertionError(
            f"provider calls without an audit row: {missing}; "
            f"audit rows without a provider call (or duplicates): {extra}"
        ) from None
    # No audit row may carry a credential: the mock never sees one twice, but the rows must not
    # contain the injected header either (protocol-core.md §5.3).
    for row in rows:
        for headers in (row.get("request_headers") or {}, row.get("response_headers") or {}):
            lowered = {k.lower() for k in headers}
            assert not lowered & {"authorization", "x-api-key", "cookie"}, row.get("url")
