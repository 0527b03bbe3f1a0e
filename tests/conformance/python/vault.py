"""Start/stop alter-dev-vault for the suite, and a small client for its admin API."""

from __future__ import annotations

import os
import queue
import subprocess
import threading
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[3]
LISTEN_PREFIX = "alter-dev-vault listening on "
START_TIMEOUT_S = 60.0


def shared_dir() -> Path:
    """Specs are read at test time from $ALTER_SHARED_DIR, else <repo>/../shared."""
    env = os.environ.get("ALTER_SHARED_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared"


def vault_binary() -> Path:
    env = os.environ.get("ALTER_DEV_VAULT_BIN")
    if env:
        return Path(env)
    for profile in ("release", "debug"):
        candidate = REPO_ROOT / "target" / profile / "alter-dev-vault"
        if candidate.exists():
            return candidate
    raise FileNotFoundError(
        "alter-dev-vault binary not found; run `cargo build --release -p alter-dev-vault` "
        "or set ALTER_DEV_VAULT_BIN"
    )


class DevVault:
    """One running dev vault process (``--port 0``), its base URL and its admin API."""

    def __init__(self, config: Path, data_dir: Path, admin_token: str) -> None:
        self.config = config
        self.data_dir = data_dir
        self.admin_token = admin_token
        self.stderr_path = data_dir / "vault.stderr.log"
        self.proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        stderr = open(self.stderr_path, "w")  # noqa: SIM115 - closed in stop()
        self._stderr = stderr
        self.proc = subprocess.Popen(
            [
                str(vault_binary()),
                "--config", str(self.config),
                "--port", "0",
                "--data-dir", str(self.data_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            cwd=REPO_ROOT,
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert self.proc is not None and self.proc.stdout is not None
            for line in self.proc.stdout:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=START_TIMEOUT_S)
            except queue.Empty:
                self.stop()
                raise RuntimeError(f"dev vault printed no listening line in {START_TIMEOUT_S}s")
            if line is None:
                code = self.proc.wait()
                raise RuntimeError(
                    f"dev vault exited with {code} before listening; stderr:\n{self.stderr_tail()}"
                )
            if line.startswith(LISTEN_PREFIX):
                self.base_url = line[len(LISTEN_PREFIX):].strip().rstrip("/")
                return

    def stderr_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.stderr_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return "<no stderr>"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_stderr", None) is not None:
            self._stderr.close()

    # ── admin API ────────────────────────────────────────────────────────────
    def admin(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=30.0,
        )

    def admin_json(self, method: str, path: str, body: object | None = None) -> dict:
        with self.admin() as c:
            r = c.request(method, path, json=body)
        if r.status_code >= 400:
            raise AssertionError(f"admin {method} {path} -> {r.status_code}: {r.text[:500]}")
        return r.json() if r.content else {}

    def mint_jwt(self, sub: str, **extra: object) -> str:
        return self.admin_json("POST", "/admin/idp/token", {"sub": sub, **extra})["token"]

    def inject_fault(self, endpoint: str, fault: dict, count: int = 1) -> None:
        self.admin_json("POST", "/admin/faults", {"endpoint": endpoint, "count": count, "fault": fault})

    def clear_faults(self) -> None:
        self.admin_json("DELETE", "/admin/faults")

    def pending_approvals(self) -> list[dict]:
        data = self.admin_json("GET", "/admin/approvals")
        return data.get("approvals", data.get("pending", [])) if isinstance(data, dict) else data

    def decide(self, approval_id: str, verdict: str) -> dict:
        return self.admin_json("POST", f"/admin/approvals/{approval_id}/{verdict}")

    def audit_rows(self) -> list[dict]:
        return self.admin_json("GET", "/admin/audit")["rows"]

    def mock_calls(self) -> list[dict]:
        return self.admin_json("GET", "/admin/mock/calls")["calls"]
