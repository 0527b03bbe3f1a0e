"""Observe the requests the official SDK sends to the backend, without changing them.

An httpx request event hook is appended to the SDK's backend client. The hook only copies what
is about to go on the wire (method, URL, headers, body bytes); the SDK's code and its request
are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from alter_sdk import client as _sdk_client


@dataclass
class Captured:
    method: str
    url: str
    path: str  # path + query as on the wire (the SDK's base URL has no prefix)
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        low = name.lower()
        for k, v in self.headers:
            if k.lower() == low:
                return v
        return None


@dataclass
class Recorder:
    requests: list[Captured] = field(default_factory=list)

    async def _hook(self, request: httpx.Request) -> None:
        raw_path = request.url.raw_path.decode("ascii")
        self.requests.append(
            Captured(
                method=request.method,
                url=str(request.url),
                path=raw_path,
                headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
                body=bytes(request.content),
            )
        )

    def attach(self, sdk_object: object) -> "Recorder":
        """Attach to an ``App`` or ``Agent`` (both keep the internal client on ``_client``)."""
        vault_client = getattr(sdk_object, "_client")
        backend = _sdk_client._instance_state[id(vault_client)]["alter_client"]
        backend.event_hooks["request"].append(self._hook)
        return self

    def to(self, path_prefix: str) -> list[Captured]:
        return [r for r in self.requests if r.path.startswith(path_prefix)]
