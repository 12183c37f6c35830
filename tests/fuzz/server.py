"""Starts and stops the real `coffer serve` binary for the fuzz harness, the way tests/blackbox/kmshelpers.py does:
a temporary data dir, a free loopback port, a config file (here with a credentials file of the harness' own
identities), stdout/stderr to files, stopped by PID. `--store postgres` gives the server a fresh database on
COFFER_TEST_POSTGRES_URL's PostgreSQL (scripts/start-test-postgres), dropped at the end."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from .wire import Identity

# The black-box suite's port helpers, one copy for both harnesses.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "blackbox"))
from kmshelpers import free_port, port_accepts, port_is_free  # noqa: E402

PG_URL_ENV = "COFFER_TEST_POSTGRES_URL"


class ServerError(RuntimeError):
    pass


def proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of a live process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def proc_rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _psql(url: str, sql: str) -> None:
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    p = subprocess.run(["psql", "-d", url, "-X", "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                       capture_output=True, text=True, env=env, timeout=60)
    if p.returncode != 0:
        raise ServerError(f"psql failed running {sql!r}: {p.stderr.strip()}")


class CofferProcess:
    """One data dir, started and restarted as often as needed."""

    def __init__(self, binary: Path, base_dir: Path, identities: list[Identity], *, store: str = "sqlite",
                 log_level: str = "info"):
        self.binary = Path(binary)
        self.base_dir = Path(base_dir)
        self.data_dir = self.base_dir / "data"
        self.identities = identities
        self.store = store
        self.log_level = log_level
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.run_no = 0
        self.database: str | None = None
        self.pg_url: str | None = None
        self.exit_codes: list[int | None] = []
        self.cpu_seconds = 0.0          # CPU time of every run that has ended (read from /proc before it stops)
        self.rss_kb: list[int | None] = []  # resident memory of each run just before it was stopped
        self._files = []
        if store == "postgres":
            self.pg_url = os.environ.get(PG_URL_ENV)
            if not self.pg_url:
                raise ServerError(f"--store postgres needs {PG_URL_ENV} "
                                  f"(export {PG_URL_ENV}=\"$(scripts/start-test-postgres)\")")

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def log_paths(self) -> list[Path]:
        return sorted(self.base_dir.glob("coffer-*.std*"))

    def _config(self) -> dict:
        creds = {"identities": [
            {k: v for k, v in {"accessKeyId": i.access_key, "secretAccessKey": i.secret_key,
                               "accountId": i.account, "sessionToken": i.session_token}.items() if v is not None}
            for i in self.identities]}
        creds_path = self.base_dir / "credentials.json"
        creds_path.write_text(json.dumps(creds, indent=2))
        cfg: dict = {"credentialsFile": str(creds_path), "logLevel": self.log_level,
                     # a small pool: GetParametersForImport must not make the server generate RSA-4096 keys all run
                     "wrappingKeyPool": {"RSA_2048": 2, "RSA_3072": 1, "RSA_4096": 1}}
        if self.store == "postgres":
            if self.database is None:
                self.database = "coffer_fuzz_" + uuid.uuid4().hex[:16]
                assert re.fullmatch(r"[a-z_][a-z0-9_]*", self.database)
                _psql(self.pg_url, f"CREATE DATABASE {self.database}")
            parts = urlsplit(self.pg_url)
            cfg["store"] = {"type": "postgres",
                            "url": urlunsplit((parts.scheme, parts.netloc, "/" + self.database, parts.query, ""))}
        return cfg

    def start(self, timeout: float = 60.0) -> None:
        assert not self.alive()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if self.port is None or not port_is_free(self.port):
            self.port = free_port()
        config_path = self.base_dir / "config.json"
        config_path.write_text(json.dumps(self._config(), indent=2))
        self.run_no += 1
        out = open(self.base_dir / f"coffer-{self.run_no}.stdout", "wb")
        err = open(self.base_dir / f"coffer-{self.run_no}.stderr", "wb")
        self._files = [out, err]
        cmd = [str(self.binary), "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--data-dir", str(self.data_dir), "--config", str(config_path)]
        self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=str(self.base_dir),
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self._close_files()
                raise ServerError(f"coffer exited with {rc} during start-up:\n{self.stderr_tail()}")
            if port_accepts(self.port):
                return
            time.sleep(0.05)
        self.kill()
        raise ServerError(f"coffer did not accept connections within {timeout}s:\n{self.stderr_tail()}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self, timeout: float = 20.0) -> int | None:
        """SIGTERM, wait; SIGKILL after `timeout`. Returns the exit code (negative: killed by that signal)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.cpu_seconds += proc_cpu(self.proc.pid) or 0.0
            self.rss_kb.append(proc_rss_kb(self.proc.pid))
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        rc = self.proc.returncode
        self.exit_codes.append(rc)
        self._close_files()
        return rc

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._close_files()

    def restart(self) -> int | None:
        rc = self.stop()
        self.start()
        return rc

    def discard(self) -> None:
        self.kill()
        if self.database is not None:
            for attempt in range(20):
                try:
                    _psql(self.pg_url, f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")
                    break
                except ServerError as e:
                    if attempt == 19 or "pg_signal_backend" not in str(e):
                        raise
                    time.sleep(0.5)
            self.database = None

    def stderr_tail(self, n: int = 4000) -> str:
        p = self.base_dir / f"coffer-{self.run_no}.stderr"
        return p.read_text(errors="replace")[-n:] if p.exists() else ""

    def stdout_tail(self, n: int = 4000) -> str:
        p = self.base_dir / f"coffer-{self.run_no}.stdout"
        return p.read_text(errors="replace")[-n:] if p.exists() else ""

    def _close_files(self) -> None:
        for f in self._files:
            if not f.closed:
                f.close()
        self._files = []
