"""Shared helpers for the Coffer black-box suite.

Everything here talks to a running `coffer serve` process from the outside: boto3 clients,
raw SigV4-signed HTTP (for malformed requests), and the AWS CLI (v1) as a subprocess.
Tests import this module directly (pytest's default `prepend` import mode puts this
directory on sys.path); conftest.py builds fixtures on top of it.
"""

from __future__ import annotations

import datetime as _dt
import http.client
import json
import os
import random
import re
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

import boto3
import botocore.auth
import pytest
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_REGION = "us-east-1"
DEV_ACCESS_KEY = "test"
DEV_SECRET_KEY = "test"
DEV_ACCOUNT = "000000000000"
JSON_CT = "application/x-amz-json-1.1"

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MRK_RE = re.compile(r"^mrk-[0-9a-f]{32}$")

# Keep the developer's own AWS configuration (profiles, endpoint overrides, real
# credentials) out of every client this suite creates.
_EMPTY_AWS_DIR = Path(tempfile.mkdtemp(prefix="coffer-bb-awscfg-"))
(_EMPTY_AWS_DIR / "config").write_text("")
(_EMPTY_AWS_DIR / "credentials").write_text("")
for _var in list(os.environ):
    if _var.startswith("AWS_"):
        del os.environ[_var]
os.environ["AWS_CONFIG_FILE"] = str(_EMPTY_AWS_DIR / "config")
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = str(_EMPTY_AWS_DIR / "credentials")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

_BOTO_SESSION = boto3.session.Session()


# --------------------------------------------------------------------------- naming

def unique_suffix(n: int = 10) -> str:
    return uuid.uuid4().hex[:n]


def unique_alias(prefix: str = "bb") -> str:
    return f"alias/{prefix}-{unique_suffix()}"


def unique_region() -> str:
    """A syntactically valid, never-real region name (`^([a-z]+-){2,3}\\d+$`).

    Keys and aliases are isolated per (account, region), so a fresh region is an empty
    key space: ideal for counting/pagination tests on a shared server.
    """
    letters = "".join(random.choice(string.ascii_lowercase) for _ in range(10))
    return f"bt-{letters}-1"


def key_arn(key_id: str, region: str = DEFAULT_REGION, account: str = DEV_ACCOUNT) -> str:
    return f"arn:aws:kms:{region}:{account}:key/{key_id}"


def alias_arn(alias_name: str, region: str = DEFAULT_REGION, account: str = DEV_ACCOUNT) -> str:
    return f"arn:aws:kms:{region}:{account}:{alias_name}"


def default_policy(account: str = DEV_ACCOUNT, partition: str = "aws") -> str:
    """The default key policy, byte-exact as in spec section 11."""
    return (
        "{\n"
        '  "Version" : "2012-10-17",\n'
        '  "Id" : "key-default-1",\n'
        '  "Statement" : [ {\n'
        '    "Sid" : "Enable IAM User Permissions",\n'
        '    "Effect" : "Allow",\n'
        '    "Principal" : {\n'
        f'      "AWS" : "arn:{partition}:iam::{account}:root"\n'
        "    },\n"
        '    "Action" : "kms:*",\n'
        '    "Resource" : "*"\n'
        "  } ]\n"
        "}"
    )


# State-error message templates (spec section 8).
def msg_pending_deletion(arn: str) -> str:
    return f"{arn} is pending deletion."


def msg_not_pending_deletion(arn: str) -> str:
    return f"{arn} is not pending deletion."


def msgs_pending_import(arn: str) -> set[str]:
    # Spec 8: the documented (2025) S5 text is preferred; the shorter text was observed live.
    return {
        f"{arn} is pending import because no key material has ever been imported or one of "
        "the imported key materials is deleted or expired.",
        f"{arn} is pending import.",
    }


# --------------------------------------------------------------------------- errors

def expect_error(
    fn: Callable[..., Any],
    *args: Any,
    code: str | Iterable[str],
    message: str | Iterable[str] | None = None,
    match: str | None = None,
    status: int | None = 400,
    **kwargs: Any,
) -> dict:
    """Call a boto3 operation and assert it fails with the given error.

    `code` may be one name or a collection of acceptable names. `message` is an exact
    expected text (or a collection of acceptable exact texts); `match` is a regex searched
    in the message. Returns the parsed botocore error response.
    """
    with pytest.raises(ClientError) as ei:
        fn(*args, **kwargs)
    resp = ei.value.response
    err = resp.get("Error", {})
    codes = {code} if isinstance(code, str) else set(code)
    got_status = resp.get("ResponseMetadata", {}).get("HTTPStatusCode")
    assert err.get("Code") in codes, f"expected {sorted(codes)}, got {err!r} (HTTP {got_status})"
    if status is not None:
        assert got_status == status, f"expected HTTP {status}, got {got_status}: {err!r}"
    got_msg = err.get("Message", "")
    if message is not None:
        msgs = {message} if isinstance(message, str) else set(message)
        assert got_msg in msgs, f"message mismatch:\n  got:      {got_msg!r}\n  expected: {sorted(msgs)!r}"
    if match is not None:
        assert re.search(match, got_msg), f"message {got_msg!r} does not match /{match}/"
    return resp


# --------------------------------------------------------------------------- clients

def make_boto_client(
    endpoint: str,
    region: str = DEFAULT_REGION,
    access_key: str = DEV_ACCESS_KEY,
    secret_key: str = DEV_SECRET_KEY,
    session_token: str | None = None,
    **config_kwargs: Any,
):
    cfg = dict(
        retries={"max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
    )
    cfg.update(config_kwargs)
    return _BOTO_SESSION.client(
        "kms",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
        config=Config(**cfg),
    )


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8")) if self.body else None
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def error_type(self) -> str | None:
        """`__type` normalised the way botocore does it (strip `ns#` and `:suffix`)."""
        j = self.json
        t = None
        if isinstance(j, dict):
            t = j.get("__type")
        if not t:
            t = self.headers.get("x-amzn-errortype")
        if not t:
            return None
        t = t.split(":")[0]
        return t.rsplit("#", 1)[-1]

    @property
    def message(self) -> str | None:
        j = self.json
        if isinstance(j, dict):
            return j.get("message", j.get("Message"))
        return None

    def describe(self) -> str:
        return f"HTTP {self.status} {self.headers!r} {self.body[:500]!r}"


class _FixedTimeSigV4(botocore.auth.SigV4Auth):
    def __init__(self, credentials, service, region, when: _dt.datetime):
        super().__init__(credentials, service, region)
        self._when = when

    def add_auth(self, request):
        original = botocore.auth.get_current_datetime
        botocore.auth.get_current_datetime = lambda *a, **k: self._when
        try:
            super().add_auth(request)
        finally:
            botocore.auth.get_current_datetime = original


class RawKMS:
    """Hand-built AWS JSON 1.1 requests, signed with botocore's SigV4Auth (or not)."""

    def __init__(
        self,
        endpoint: str,
        region: str = DEFAULT_REGION,
        access_key: str = DEV_ACCESS_KEY,
        secret_key: str = DEV_SECRET_KEY,
        session_token: str | None = None,
    ):
        self.endpoint = endpoint.rstrip("/")
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key
        self.session_token = session_token

    def request(
        self,
        target: str | None,
        body: Any = b"{}",
        *,
        sign: bool = True,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = JSON_CT,
        method: str = "POST",
        path: str = "/",
        timestamp: _dt.datetime | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        service: str = "kms",
        mutate: Callable[[dict[str, str]], None] | None = None,
    ) -> RawResponse:
        final, data = self.signed(
            target, body, sign=sign, headers=headers, content_type=content_type, method=method, path=path,
            timestamp=timestamp, access_key=access_key, secret_key=secret_key, region=region, service=service,
        )
        if mutate is not None:
            mutate(final)
        return self._send(method, path, final, data)

    def signed(
        self,
        target: str | None,
        body: Any = b"{}",
        *,
        sign: bool = True,
        headers: Mapping[str, str] | None = None,
        content_type: str | None = JSON_CT,
        method: str = "POST",
        path: str = "/",
        timestamp: _dt.datetime | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        region: str | None = None,
        service: str = "kms",
    ) -> tuple[dict[str, str], bytes]:
        """The headers (Content-Type, X-Amz-Target, `headers`, and X-Amz-Date/Authorization when signed; no Host or
        Content-Length) and body bytes of a request, for callers that write the request to a socket themselves."""
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode("utf-8")
        elif body is None:
            data = b""
        else:
            data = bytes(body)
        hdrs: dict[str, str] = {}
        if content_type is not None:
            hdrs["Content-Type"] = content_type
        if target is not None:
            hdrs["X-Amz-Target"] = target
        if headers:
            hdrs.update(headers)
        url = self.endpoint + path
        req = AWSRequest(method=method, url=url, data=data, headers=hdrs)
        if sign:
            creds = Credentials(access_key or self.access_key, secret_key or self.secret_key, self.session_token)
            reg = region or self.region
            if timestamp is not None:
                signer = _FixedTimeSigV4(creds, service, reg, timestamp)
            else:
                signer = botocore.auth.SigV4Auth(creds, service, reg)
            signer.add_auth(req)
        return {k: v for k, v in req.headers.items()}, data

    def call(self, operation: str, params: Any = None, **kwargs: Any) -> RawResponse:
        return self.request(f"TrentService.{operation}", {} if params is None else params, **kwargs)

    def _send(self, method: str, path: str, headers: Mapping[str, str], data: bytes) -> RawResponse:
        hostport = self.endpoint.split("://", 1)[1]
        host, _, port = hostport.partition(":")
        conn = http.client.HTTPConnection(host, int(port or 80), timeout=60)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            if not any(k.lower() == "host" for k in headers):
                conn.putheader("Host", hostport)
            for k, v in headers.items():
                conn.putheader(k, v)
            if not any(k.lower() == "content-length" for k in headers):
                conn.putheader("Content-Length", str(len(data)))
            conn.endheaders(data if data else None)
            resp = conn.getresponse()
            body = resp.read()
            return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
        finally:
            conn.close()


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        return json.loads(self.stdout) if self.stdout.strip() else None


class AwsCli:
    """Runs `aws kms ...` (AWS CLI v1 from requirements.txt) against a Coffer endpoint."""

    def __init__(self, endpoint: str, region: str = DEFAULT_REGION,
                 access_key: str = DEV_ACCESS_KEY, secret_key: str = DEV_SECRET_KEY):
        self.endpoint = endpoint
        self.region = region
        self.access_key = access_key
        self.secret_key = secret_key

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(
            AWS_ACCESS_KEY_ID=self.access_key,
            AWS_SECRET_ACCESS_KEY=self.secret_key,
            AWS_CONFIG_FILE=str(_EMPTY_AWS_DIR / "config"),
            AWS_SHARED_CREDENTIALS_FILE=str(_EMPTY_AWS_DIR / "credentials"),
            AWS_MAX_ATTEMPTS="1",
            AWS_RETRY_MODE="standard",
            AWS_PAGER="",
            AWS_EC2_METADATA_DISABLED="true",
        )
        return env

    def run(self, *args: str, check: bool = False, timeout: float = 120) -> CliResult:
        argv = [sys.executable, "-m", "awscli", "kms", *args,
                "--endpoint-url", self.endpoint, "--region", self.region]
        if "--output" not in args:
            argv += ["--output", "json"]
        p = subprocess.run(argv, capture_output=True, text=True, env=self.env(), timeout=timeout)
        res = CliResult(p.returncode, p.stdout, p.stderr)
        if check and p.returncode != 0:
            raise AssertionError(
                f"aws {' '.join(args)} exited {p.returncode}\nstdout: {p.stdout}\nstderr: {p.stderr}")
        return res

    def __call__(self, *args: str, timeout: float = 120) -> Any:
        """Run a command that must succeed; return its parsed JSON output."""
        return self.run(*args, check=True, timeout=timeout).json


# --------------------------------------------------------------------------- store under test

# COFFER_TEST_STORE selects the store every CofferServer uses unless its config names one: "sqlite" (the default: the
# file in the data dir) or "postgres" (a fresh database per data dir on COFFER_TEST_POSTGRES_URL's server).
# conftest.py validates both variables at start-up.
STORE_ENV = "COFFER_TEST_STORE"
PG_URL_ENV = "COFFER_TEST_POSTGRES_URL"
TEST_STORE = (os.environ.get(STORE_ENV) or "sqlite").strip().lower()
PG_URL = os.environ.get(PG_URL_ENV) or None
BB_DATABASE_PREFIX = "coffer_bb_"


def psql(sql: str, url: str | None = None, timeout: float = 60) -> str:
    """Run SQL with `psql` on COFFER_TEST_POSTGRES_URL's database (or `url`); returns stdout (unaligned, tuples only)."""
    target = url or PG_URL
    assert target, f"{PG_URL_ENV} is not set"
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    p = subprocess.run(["psql", "-d", target, "-X", "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
                       capture_output=True, text=True, env=env, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError(f"psql failed ({p.returncode}) running {sql!r}:\n{p.stderr.strip()}")
    return p.stdout


def database_url(name: str) -> str:
    """COFFER_TEST_POSTGRES_URL with its database replaced by `name` (same role, host and query)."""
    assert PG_URL, f"{PG_URL_ENV} is not set"
    parts = urlsplit(PG_URL)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def create_database(prefix: str = BB_DATABASE_PREFIX) -> str:
    """CREATE DATABASE <prefix><random hex> on the test server; returns its name (drop it with drop_database)."""
    name = prefix + uuid.uuid4().hex[:16]
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", name), name
    psql(f"CREATE DATABASE {name}")
    return name


def drop_database(name: str, attempts: int = 20) -> None:
    """DROP DATABASE ... WITH (FORCE): also ends the connections of servers still running on it. Retried for a few
    seconds: FORCE cannot end a backend the test role does not own (an autovacuum worker on that database), and
    PostgreSQL refuses the drop until that worker has finished."""
    assert re.fullmatch(r"[a-z_][a-z0-9_]*", name), name
    for attempt in range(attempts):
        try:
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            return
        except AssertionError as e:
            if attempt == attempts - 1 or "pg_signal_backend" not in str(e):
                raise
            time.sleep(0.5)


# Databases made for CofferServers in postgres mode, by resolved data dir: a data dir's store is its database, so
# restarting a server (or a new CofferServer on the same data dir, as with SQLite's file) finds every key again.
_SERVER_DATABASES: dict[Path, str] = {}


def drop_server_databases() -> list[str]:
    """Drop every database still held for a CofferServer (end of the test session). Returns the names that could
    not be dropped."""
    failed = []
    for data_dir, name in list(_SERVER_DATABASES.items()):
        try:
            drop_database(name)
            del _SERVER_DATABASES[data_dir]
        except (AssertionError, OSError, subprocess.SubprocessError) as e:
            failed.append(f"{name}: {e}")
    return failed


# --------------------------------------------------------------------------- server

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def port_accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class ServerStartError(AssertionError):
    pass


class CofferServer:
    """One `coffer serve` process (possibly restarted several times on the same data dir).

    stdout/stderr of each run go to `<base_dir>/<name>-<n>.stdout|stderr`. In postgres mode (COFFER_TEST_STORE) a
    config without a `store` gets one: a database made for the data dir at the first start, kept across restarts,
    dropped by discard() or at the end of the session.
    """

    def __init__(
        self,
        binary: str | Path,
        base_dir: Path,
        *,
        name: str = "coffer",
        data_dir: Path | None = None,
        config: dict | str | None = None,
        env: Mapping[str, str] | None = None,
        cli_flags: bool = True,
    ):
        """cli_flags=False starts `coffer serve --config FILE` only: host, port and data dir
        must then come from the config (its "port" is filled in at each start)."""
        self.binary = str(binary)
        self.cli_flags = cli_flags
        self.base_dir = Path(base_dir)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.data_dir = Path(data_dir) if data_dir else self.base_dir / "data"
        # dict (or raw text) written to the config file at each start, or None (no --config)
        self.config = config
        self.env = dict(env or {})
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self.run_no = 0
        self.last_returncode: int | None = None
        self._out = None
        self._err = None

    # -- paths / addresses
    @property
    def endpoint(self) -> str:
        assert self.port is not None, "server was never started"
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.base_dir / f"{self.name}-config.json"

    @property
    def root_key_path(self) -> Path:
        return self.data_dir / "root.key"

    @property
    def stdout_path(self) -> Path:
        return self.base_dir / f"{self.name}-{self.run_no}.stdout"

    @property
    def stderr_path(self) -> Path:
        return self.base_dir / f"{self.name}-{self.run_no}.stderr"

    def stdout_text(self) -> str:
        return self.stdout_path.read_text(errors="replace") if self.stdout_path.exists() else ""

    def stderr_text(self) -> str:
        return self.stderr_path.read_text(errors="replace") if self.stderr_path.exists() else ""

    def output_text(self) -> str:
        return self.stdout_text() + self.stderr_text()

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- store
    @property
    def database(self) -> str | None:
        """The PostgreSQL database this server's data dir was given in postgres mode (None before the first start,
        in sqlite mode, or when the config names its own store)."""
        return _SERVER_DATABASES.get(self.data_dir.resolve())

    def _database_url(self) -> str:
        key = self.data_dir.resolve()
        if key not in _SERVER_DATABASES:
            _SERVER_DATABASES[key] = create_database()
        return database_url(_SERVER_DATABASES[key])

    def _effective_config(self) -> dict | str | None:
        """self.config, plus a PostgreSQL `store` in postgres mode when the config names none. Raw text that is not a
        JSON object is left alone."""
        if TEST_STORE != "postgres":
            return self.config
        if isinstance(self.config, str):
            try:
                cfg = json.loads(self.config)
            except ValueError:
                return self.config
            if not isinstance(cfg, dict):
                return self.config
        else:
            cfg = dict(self.config or {})
        if "store" in cfg:
            return self.config
        cfg["store"] = {"type": "postgres", "url": self._database_url()}
        return cfg

    def discard(self) -> None:
        """Stop for good and drop the database made for this server's data dir (postgres mode)."""
        self.stop()
        key = self.data_dir.resolve()
        name = _SERVER_DATABASES.get(key)
        if name is not None:
            drop_database(name)  # on failure it stays registered: drop_server_databases() tries again at the end
            del _SERVER_DATABASES[key]

    # -- lifecycle
    def _command(self) -> list[str]:
        config = self._effective_config()
        if not self.cli_flags:
            cfg = dict(config or {})
            cfg["port"] = self.port
            cfg.setdefault("host", "127.0.0.1")
            cfg.setdefault("dataDir", str(self.data_dir))
            self.config_path.write_text(json.dumps(cfg, indent=2))
            return [self.binary, "serve", "--config", str(self.config_path)]
        cmd = [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port),
               "--data-dir", str(self.data_dir)]
        if config is not None:
            text = config if isinstance(config, str) else json.dumps(config, indent=2)
            self.config_path.write_text(text)
            cmd += ["--config", str(self.config_path)]
        return cmd

    def _launch(self, port: int | None) -> None:
        assert not self.is_running(), "server already running"
        self._close_logs()
        self.run_no += 1
        self.port = port or free_port()
        env = dict(os.environ)
        env.update(self.env)
        self._out = open(self.stdout_path, "wb")
        self._err = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(
            self._command(), stdout=self._out, stderr=self._err, stdin=subprocess.DEVNULL,
            env=env, cwd=str(self.base_dir), start_new_session=True,
        )

    def start(self, port: int | None = None, timeout: float = 30.0) -> "CofferServer":
        self._launch(port)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.last_returncode = rc
                self._close_logs()
                raise ServerStartError(
                    f"coffer exited with {rc} during start-up\ncmd: {self.proc.args}\n"
                    f"stderr:\n{self.stderr_text()[-4000:]}\nstdout:\n{self.stdout_text()[-2000:]}")
            if port_accepts(self.port):
                return self
            time.sleep(0.05)
        self.kill9()
        raise ServerStartError(
            f"coffer did not accept connections on port {self.port} within {timeout}s\n"
            f"stderr:\n{self.stderr_text()[-4000:]}")

    def start_expecting_exit(self, timeout: float = 30.0) -> tuple[int, str]:
        """Start, expecting the process to refuse to run. Returns (returncode, stderr).

        Fails if the process is still alive after `timeout` seconds, or keeps serving
        for more than 3 s after it started accepting connections.
        """
        self._launch(None)
        deadline = time.monotonic() + timeout
        accepted_at = None
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                self.last_returncode = rc
                self._close_logs()
                return rc, self.stderr_text()
            if accepted_at is None and port_accepts(self.port):
                accepted_at = time.monotonic()
            if accepted_at is not None and time.monotonic() - accepted_at > 3:
                break
            time.sleep(0.05)
        self.stop()
        raise AssertionError(
            "coffer kept running although it was expected to exit at start-up\n"
            f"stderr:\n{self.stderr_text()[-4000:]}")

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM and wait; SIGKILL after `timeout`. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            try:
                self.proc.send_signal(signal.SIGTERM)
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.last_returncode = self.proc.returncode
        self._close_logs()
        return self.last_returncode

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
        if self.proc is not None:
            self.last_returncode = self.proc.returncode
        self._close_logs()

    def restart(self, timeout: float = 30.0, *, kill: bool = False) -> "CofferServer":
        """Stop (SIGTERM, or SIGKILL if kill=True) and start again on the same data dir.

        Re-uses the port when it is free so existing clients keep working.
        """
        if kill:
            self.kill9()
        else:
            self.stop()
        port = self.port if self.port and port_is_free(self.port) else None
        return self.start(port=port, timeout=timeout)

    def _close_logs(self) -> None:
        for f in (self._out, self._err):
            if f is not None and not f.closed:
                f.close()
        self._out = self._err = None

    # -- clients
    def client(self, region: str = DEFAULT_REGION, access_key: str = DEV_ACCESS_KEY,
               secret_key: str = DEV_SECRET_KEY, session_token: str | None = None, **cfg: Any):
        return make_boto_client(self.endpoint, region, access_key, secret_key, session_token, **cfg)

    def raw(self, region: str = DEFAULT_REGION, access_key: str = DEV_ACCESS_KEY,
            secret_key: str = DEV_SECRET_KEY, session_token: str | None = None) -> RawKMS:
        return RawKMS(self.endpoint, region, access_key, secret_key, session_token)

    def cli(self, region: str = DEFAULT_REGION, access_key: str = DEV_ACCESS_KEY,
            secret_key: str = DEV_SECRET_KEY) -> AwsCli:
        return AwsCli(self.endpoint, region, access_key, secret_key)
