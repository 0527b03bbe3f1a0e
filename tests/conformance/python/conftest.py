"""Fixtures: one dev vault for the whole session, the scenario list, the outcome table."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable
from typing import Any

import pytest

from vault import REPO_ROOT, DevVault

SCENARIOS_FILE = REPO_ROOT / "tests" / "conformance" / "scenarios.json"
DEMO_CONFIG = REPO_ROOT / "dev-vault" / "demo.toml"
ADMIN_TOKEN = os.environ.get("ALTER_DEV_ADMIN_TOKEN", "dev-admin-token")

# scenario name -> observed outcome ("OK", an exception class name, or "HTTP <status>")
OBSERVED: dict[str, str] = {}


def load_scenarios() -> dict[str, dict[str, Any]]:
    data = json.loads(SCENARIOS_FILE.read_text())
    return {s["name"]: s for s in data["scenarios"]}


SCENARIOS = load_scenarios()


@pytest.fixture(scope="session")
def vault(tmp_path_factory: pytest.TempPathFactory):
    v = DevVault(DEMO_CONFIG, tmp_path_factory.mktemp("dev-vault-data"), ADMIN_TOKEN)
    v.start()
    # The SDK reads its backend URL from the environment at construction time.
    os.environ["ALTER_BASE_URL"] = v.base_url
    try:
        yield v
    finally:
        v.stop()


def run(coro: Awaitable[Any]) -> Any:
    """Each test runs its SDK calls on a fresh event loop and closes its clients in it."""
    return asyncio.run(coro)  # type: ignore[arg-type]


async def outcome_of(coro: Awaitable[Any]) -> tuple[str, Any]:
    """Run one SDK call; return ("OK", value) or (exception class name, exception)."""
    try:
        return "OK", await coro
    except Exception as exc:  # noqa: BLE001 - the class name is the observation
        return type(exc).__name__, exc


def check(name: str, observed: str) -> None:
    """Record the outcome of a scenario and compare it with scenarios.json."""
    assert name in SCENARIOS, f"scenario {name!r} missing from {SCENARIOS_FILE}"
    OBSERVED[name] = observed
    expected = SCENARIOS[name]["expected"]
    assert observed == expected, f"{name}: expected {expected}, got {observed}"


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # noqa: ARG001
    if not OBSERVED and not SCENARIOS:
        return
    tr = terminalreporter
    tr.section("conformance scenarios (official Python SDK vs alter-dev-vault)")
    width = max(len(n) for n in SCENARIOS) + 2
    ewidth = max(len(s["expected"]) for s in SCENARIOS.values()) + 2
    tr.write_line(f"{'scenario'.ljust(width)}{'expected'.ljust(ewidth)}observed")
    for name, spec in SCENARIOS.items():
        seen = OBSERVED.get(name, "(not run)")
        mark = "" if name not in OBSERVED or seen == spec["expected"] else "   <-- MISMATCH"
        tr.write_line(f"{name.ljust(width)}{spec['expected'].ljust(ewidth)}{seen}{mark}")
