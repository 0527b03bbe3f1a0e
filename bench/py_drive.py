#!/usr/bin/env python3
"""One benchmark run of the official Python SDK (alter-sdk 0.29.0), the Python twin of
bench/drive.mjs (same arguments, same flow, one JSON line on stdout).

    python bench/py_drive.py --base URL --grant ID --c 16 --n 2000 --warmup 200
        [--provider-url URL] [--vault-pid PID] [--api-key KEY]

asyncio with `c` worker tasks pulling from one counter; each `app.request()` returns an
httpx.Response whose body is already read. `/sdk/token` calls are counted by wrapping httpx's
async transport (one string check per request); the dev vault's admin API has no token counter.
The SDK reads the backend URL from ALTER_BASE_URL (it has no base-URL option).
"""

import argparse
import asyncio
import json
import os
import sys
import time
import urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--base", required=True)
ap.add_argument("--provider-url")
ap.add_argument("--grant", required=True)
ap.add_argument("--c", type=int, default=16)
ap.add_argument("--n", type=int, default=2000)
ap.add_argument("--warmup", type=int, default=200)
ap.add_argument("--vault-pid", type=int, default=0)
ap.add_argument("--api-key", default="alter_rk_demoappallscopesaaaaaa_hoz64e")
args = ap.parse_args()
BASE = args.base.rstrip("/")
PROVIDER_URL = args.provider_url or f"{BASE}/mock/google/calendar/v3/calendars/primary/events"
os.environ["ALTER_BASE_URL"] = BASE

import httpx  # noqa: E402
import alter_sdk  # noqa: E402
from alter_sdk import App  # noqa: E402

token_calls = 0
_orig = httpx.AsyncHTTPTransport.handle_async_request


async def _counting(self, request):
    global token_calls
    if request.url.path == "/sdk/token":
        token_calls += 1
    return await _orig(self, request)


httpx.AsyncHTTPTransport.handle_async_request = _counting


def admin(method, path):
    req = urllib.request.Request(BASE + path, method=method,
                                 headers={"authorization": "Bearer dev-admin-token"})
    with urllib.request.urlopen(req, timeout=60) as r:
        body = r.read()
    return json.loads(body) if body else None


def wait_for_audits(n, timeout=60.0):
    until = time.monotonic() + timeout
    while True:
        rows = len(admin("GET", "/admin/audit")["rows"])
        if rows >= n or time.monotonic() > until:
            return rows
        time.sleep(0.05)


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
        rest = s[s.rindex(")") + 2:].split(" ")
        return (int(rest[11]) + int(rest[12])) / 100.0
    except Exception:
        return float("nan")


def machine_busy_seconds():
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return (sum(v[:8]) - v[3] - v[4]) / 100.0
    except Exception:
        return float("nan")


def pct(sorted_xs, p):
    if not sorted_xs:
        return float("nan")
    i = min(len(sorted_xs) - 1, max(0, -(-p * len(sorted_xs) // 100) - 1))
    return sorted_xs[int(i)]


async def main():
    app = App(args.api_key)

    async def call():
        r = await app.request("GET", PROVIDER_URL, grant_id=args.grant, query_params={"maxResults": 10})
        if r.status_code != 200:
            raise RuntimeError(f"provider status {r.status_code}")

    async def batch(n, c, lat):
        nxt = 0
        errors = 0
        first = None

        async def worker():
            nonlocal nxt, errors, first
            while True:
                i = nxt
                nxt += 1
                if i >= n:
                    return
                t0 = time.perf_counter()
                try:
                    await call()
                except Exception as e:  # noqa: BLE001 (counted and reported)
                    errors += 1
                    if first is None:
                        first = repr(e)[:300]
                if lat is not None:
                    lat[i] = (time.perf_counter() - t0) * 1000.0

        await asyncio.gather(*(worker() for _ in range(min(c, n))))
        return errors, first

    global token_calls
    errors, first = await batch(args.warmup, args.c, None)
    if errors:
        print(json.dumps({"client": "python", "fatal": f"warm-up: {errors} errors, first: {first}"}))
        sys.exit(1)
    await asyncio.to_thread(wait_for_audits, args.warmup)
    await asyncio.to_thread(admin, "POST", "/admin/reset")
    token_calls = 0

    lat = [0.0] * args.n
    c0 = time.process_time()
    v0 = cpu_seconds(args.vault_pid) if args.vault_pid else float("nan")
    m0 = machine_busy_seconds()
    t0 = time.perf_counter()
    errors, first = await batch(args.n, args.c, lat)
    t1 = time.perf_counter()
    c1 = time.process_time()
    v1 = cpu_seconds(args.vault_pid) if args.vault_pid else float("nan")
    m1 = machine_busy_seconds()
    await app.close()  # awaits the pending audit tasks (protocol-core.md §10)
    seen = await asyncio.to_thread(wait_for_audits, args.n)
    t2 = time.perf_counter()
    lat.sort()
    secs = t1 - t0
    print(json.dumps({
        "client": "python", "sdkVersion": getattr(alter_sdk, "__version__", "0.29.0"), "c": args.c, "n": args.n,
        "warmup": args.warmup, "errors": errors, "firstError": first, "seconds": secs, "rps": args.n / secs,
        "p50": pct(lat, 50), "p99": pct(lat, 99), "mean": sum(lat) / len(lat),
        "clientCpuMsPerReq": (c1 - c0) * 1000.0 / args.n, "vaultCores": (v1 - v0) / secs,
        "clientCores": (c1 - c0) / secs, "otherCores": ((m1 - m0) - (v1 - v0) - (c1 - c0)) / secs,
        "tokenCalls": token_calls, "auditTailMs": (t2 - t1) * 1000.0, "auditRowsSeen": seen,
        "actorId": None,
    }))


asyncio.run(main())
