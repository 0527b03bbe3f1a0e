"""pytest plugin for the parity run (issue 5): after helper E's conformance suite
(tests/conformance/python) finishes, write the outcomes it observed with the official Python SDK
(conftest.OBSERVED: scenario -> "OK" | exception class name | "HTTP <status>") as JSON to
$ALTER_PARITY_PYTHON_RESULTS, for tests/parity/run.mjs to compare against. Read-only otherwise.
Use: PYTHONPATH=tests/parity python -m pytest -p py_observed ...
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def pytest_sessionfinish(session, exitstatus):  # noqa: ARG001
    target = os.environ.get("ALTER_PARITY_PYTHON_RESULTS")
    conftest = sys.modules.get("conftest")
    observed = getattr(conftest, "OBSERVED", None)
    if not target or observed is None:
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(observed), indent=1, sort_keys=True) + "\n")
