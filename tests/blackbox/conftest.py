"""Fixtures for the Coffer black-box suite.

The suite builds `coffer` once per session (`swift build --product coffer`, skipped when
COFFER_BIN points at a binary), starts real server processes on free loopback ports with
temporary data directories, and talks to them with boto3, raw SigV4 HTTP and the AWS CLI.

Environment:
  COFFER_BIN   path of a prebuilt `coffer` binary (skips the build)
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from kmshelpers import (
    DEFAULT_REGION,
    DEV_ACCESS_KEY,
    DEV_SECRET_KEY,
    REPO_ROOT,
    AwsCli,
    CofferServer,
    RawKMS,
    make_boto_client,
)

BUILD_TIMEOUT_S = 30 * 60


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
    for srv in created:
        srv.stop()


@pytest.fixture(scope="session")
def server(coffer_bin, tmp_path_factory):
    """The shared server (dev identity test/test, account 000000000000)."""
    srv = CofferServer(coffer_bin, tmp_path_factory.mktemp("coffer-main"), name="main")
    srv.start()
    yield srv
    srv.stop()


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
