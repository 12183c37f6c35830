"""Fixtures for the Coffer black-box suite.

The suite builds `coffer` once per session (`swift build --product coffer`, skipped when
COFFER_BIN points at a binary), starts real server processes on free loopback ports with
temporary data directories, and talks to them with boto3, raw SigV4 HTTP and the AWS CLI.

Environment:
  COFFER_BIN                path of a prebuilt `coffer` binary (skips the build)
  COFFER_TEST_STORE         `sqlite` (default) or `postgres`: the store of every server whose config names none
  COFFER_TEST_POSTGRES_URL  a PostgreSQL server (scripts/start-test-postgres) whose role may CREATE DATABASE; needed by
                            the postgres pass and, in CI (`CI` set), always

Markers (pytest.ini): `sqlite_only("why")` tests are skipped in the postgres pass with that reason; `postgres_only`
tests (several nodes on one database, `coffer store copy`) run in the postgres pass only.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kmshelpers import (
    DEFAULT_REGION,
    DEV_ACCESS_KEY,
    DEV_SECRET_KEY,
    PG_URL,
    PG_URL_ENV,
    REPO_ROOT,
    STORE_ENV,
    TEST_STORE,
    AwsCli,
    CofferServer,
    RawKMS,
    drop_server_databases,
    make_boto_client,
    psql,
)

BUILD_TIMEOUT_S = 30 * 60
STORES = ("sqlite", "postgres")


def pytest_configure(config):
    if TEST_STORE not in STORES:
        raise pytest.UsageError(f"{STORE_ENV}={TEST_STORE!r}: expected one of {', '.join(STORES)}")
    if PG_URL is None and (TEST_STORE == "postgres" or os.environ.get("CI")):
        why = f"{STORE_ENV}=postgres" if TEST_STORE == "postgres" else "CI"
        raise pytest.UsageError(f"{why} needs {PG_URL_ENV} (export {PG_URL_ENV}=\"$(scripts/start-test-postgres)\")")
    if TEST_STORE == "postgres" and not hasattr(config, "workerinput"):  # once, not in every xdist worker
        try:
            psql("SELECT 1")
        except Exception as e:  # noqa: BLE001 - reported as a usage error
            raise pytest.UsageError(f"{STORE_ENV}=postgres: cannot reach {PG_URL_ENV}: {e}") from None


def pytest_report_header(config):
    where = f" on {PG_URL.rsplit('@', 1)[-1]}" if TEST_STORE == "postgres" else ""
    return f"coffer store under test: {TEST_STORE}{where} ({STORE_ENV})"


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason")
            if not reason:
                raise pytest.UsageError(f"{item.nodeid}: @pytest.mark.sqlite_only needs a reason")
            if TEST_STORE == "postgres":
                item.add_marker(pytest.mark.skip(reason=f"SQLite store only: {reason}"))
        if item.get_closest_marker("postgres_only") is not None and TEST_STORE != "postgres":
            item.add_marker(pytest.mark.skip(
                reason=f"PostgreSQL-specific; runs in the {STORE_ENV}=postgres pass only"))


def pytest_sessionfinish(session, exitstatus):
    """Drop the databases of servers that were never discard()ed (module- and session-scoped servers, servers a test
    made by hand)."""
    failed = drop_server_databases()
    if failed:
        sys.stderr.write("warning: could not drop test databases:\n  " + "\n  ".join(failed) + "\n")


def _build_coffer() -> Path:
    override = os.environ.get("COFFER_BIN")
    if override:
        path = Path(override).resolve()
        if not path.is_file() or not os.access(path, os.X_OK):
            pytest.fail(f"COFFER_BIN={override!r} is not an executable file", pytrace=False)
        return path
    try:
        proc = subprocess.run(
            ["swift", "build", "--product", "coffer"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"swift build --product coffer did not finish within {BUILD_TIMEOUT_S}s", pytrace=False)
    if proc.returncode != 0:
        tail = (proc.stdout + "\n" + proc.stderr)[-6000:]
        pytest.fail(f"swift build --product coffer failed ({proc.returncode}):\n{tail}", pytrace=False)
    path = REPO_ROOT / ".build" / "debug" / "coffer"
    if not path.is_file():
        pytest.fail(f"build succeeded but {path} does not exist", pytrace=False)
    return path


_BUILT: dict[str, Path] = {}


@pytest.fixture(scope="session")
def coffer_bin() -> Path:
    if "bin" not in _BUILT:
        _BUILT["bin"] = _build_coffer()
    return _BUILT["bin"]


@pytest.fixture
def server_factory(coffer_bin, tmp_path):
    """Create extra CofferServer instances (not started) that are stopped after the test.

    Usage: srv = server_factory(name="x", config={...}, env={...}); srv.start()
    """
    created: list[CofferServer] = []

    def make(name: str = "coffer", **kwargs) -> CofferServer:
        srv = CofferServer(coffer_bin, tmp_path / f"srv-{len(created)}-{name}", name=name, **kwargs)
        created.append(srv)
        return srv

    yield make
    errors = []
    for srv in created:
        try:
            srv.discard()
        except Exception as e:  # noqa: BLE001 - stop the others first
            errors.append(f"{srv.name}: {e}")
    assert not errors, errors


@pytest.fixture(scope="session")
def server(coffer_bin, tmp_path_factory):
    """The shared server (dev identity test/test, account 000000000000)."""
    srv = CofferServer(coffer_bin, tmp_path_factory.mktemp("coffer-main"), name="main")
    srv.start()
    yield srv
    srv.discard()


@pytest.fixture(scope="session")
def kms(server):
    """boto3 KMS client, us-east-1, dev credentials, no retries."""
    return server.client()


@pytest.fixture(scope="session")
def kms_nv(server):
    """Like `kms` but without botocore's client-side parameter validation, so that
    out-of-range values reach the server."""
    return server.client(parameter_validation=False)


@pytest.fixture(scope="session")
def make_client(server):
    """Factory: make_client(region=..., access_key=..., secret_key=..., session_token=...,
    endpoint=..., **botocore Config kwargs)."""

    def make(region: str = DEFAULT_REGION, access_key: str = DEV_ACCESS_KEY,
             secret_key: str = DEV_SECRET_KEY, session_token: str | None = None,
             endpoint: str | None = None, **cfg):
        return make_boto_client(endpoint or server.endpoint, region, access_key, secret_key,
                                session_token, **cfg)

    return make


@pytest.fixture(scope="session")
def raw(server) -> RawKMS:
    """Raw HTTP helper signed with botocore's SigV4Auth (dev credentials, us-east-1)."""
    return server.raw()


@pytest.fixture(scope="session")
def aws_cli(server) -> AwsCli:
    """aws_cli("describe-key", "--key-id", kid) -> parsed JSON (must exit 0).
    aws_cli.run(...) -> CliResult(returncode, stdout, stderr) for failing commands."""
    return server.cli()
