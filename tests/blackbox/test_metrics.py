"""Metrics and health (issue 12): the separate plain-HTTP listener configured by `"metrics": {"host", "port"}`.

Source: the issue 12 interface (opshelpers.py): GET /metrics (Prometheus text, `text/plain; version=0.0.4`), the
metric names and labels, /health/live, /health/ready (503 {"status":"unavailable","reason":...} when the store does
not answer), and the `kms.request.failed` log line (kms.request_id, kms.error_type, kms.cause) on every 5xx.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest

from authzhelpers import Clients, write_credentials
from kmshelpers import TEST_STORE, CofferServer, drop_database, expect_error
from opshelpers import (
    NO_RETRIES,
    http_get,
    metrics_config,
    poll_until,
    request_failed_lines,
    request_id,
    run_coffer,
    scrape,
    wait_for_listener,
)


SERVER_FAULTS = ("KMSInternalException", "DependencyTimeoutException", "KeyUnavailableException")


@pytest.fixture(scope="module")
def msrv(coffer_bin, tmp_path_factory):
    """A server with metrics, an audit log and two identities (admin: root of ACCT_A; eve: IAM user, no policy)."""
    base = tmp_path_factory.mktemp("metrics")
    creds = write_credentials(base / "credentials.json", ["admin", "eve"])
    (base / "audit").mkdir()
    metrics = metrics_config()
    srv = CofferServer(coffer_bin, base, name="metrics", config={
        "credentialsFile": str(creds), "metrics": metrics, "audit": {"file": str(base / "audit" / "audit.log")}})
    srv.start()
    srv.metrics_port = metrics["port"]
    wait_for_listener(srv.metrics_port)
    yield srv
    srv.discard()


@pytest.fixture(scope="module")
def mc(msrv):
    return Clients(msrv)


def settle(port: int, name: str, labels: dict, target: float, timeout: float = 3.0):
    """Scrape until the sample reaches `target` (metrics may be recorded just after the response is sent)."""
    return poll_until(lambda: scrape(port), lambda s: s.value(name, **labels) >= target, timeout=timeout)


def test_metrics_endpoint_is_prometheus_text(msrv, mc):
    mc.admin.list_keys()
    status, headers, body = http_get(msrv.metrics_port, "/metrics")
    assert status == 200
    assert headers.get("content-type", "").startswith("text/plain; version=0.0.4"), headers
    s = scrape(msrv.metrics_port)  # parses with prometheus_client
    assert s.families


def test_metric_families_and_types(msrv, mc, coffer_bin):
    a = mc.admin
    md = a.create_key()["KeyMetadata"]
    a.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
    ext = a.create_key(Origin="EXTERNAL")["KeyMetadata"]
    a.get_parameters_for_import(KeyId=ext["KeyId"], WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                WrappingKeySpec="RSA_2048")
    expect_error(mc.eve.describe_key, KeyId=md["KeyId"], code="AccessDeniedException")
    s = scrape(msrv.metrics_port)
    types = {
        "coffer_requests_total": "counter",
        "coffer_request_duration_seconds": "histogram",
        "coffer_store_duration_seconds": "histogram",
        "coffer_cache_lookups_total": "counter",
        "coffer_wrapping_key_pool_keys": "gauge",
        "coffer_keys": "gauge",
        "coffer_audit_queue_depth": "gauge",
        "coffer_audit_events_total": "counter",
        "coffer_audit_write_failures_total": "counter",
        "coffer_audit_events_dropped_total": "counter",
        "coffer_authorization_denials_total": "counter",
        "coffer_build_info": "gauge",
    }
    wrong = {}
    for name, kind in types.items():
        fam = s.family(name)
        if fam is None or fam.type != kind:
            wrong[name] = fam.type if fam else "absent"
    assert not wrong, f"families missing or of the wrong type: {wrong}"
    # coffer_store_errors_total{store} has no sample before the first store error; when present it is a counter
    fam = s.family("coffer_store_errors_total")
    assert fam is None or fam.type == "counter", fam
    # labels
    for labels, _ in s.matching("coffer_requests_total"):
        assert set(labels) == {"operation", "error_type"}, labels
    for labels, _ in s.matching("coffer_request_duration_seconds_count"):
        assert set(labels) == {"operation"}, labels
    assert s.value("coffer_request_duration_seconds_count", operation="Encrypt") >= 1
    assert s.matching("coffer_request_duration_seconds_bucket", operation="Encrypt", le="+Inf")
    assert s.matching("coffer_store_duration_seconds_count", store=TEST_STORE), s.text[-3000:]
    for labels, _ in s.matching("coffer_store_duration_seconds_count"):
        assert labels["store"] in ("sqlite", "postgres"), labels
    lookups = s.matching("coffer_cache_lookups_total")
    assert lookups
    for labels, _ in lookups:
        assert labels["cache"] in ("policy", "grants", "key_record") and labels["result"] in ("hit", "miss"), labels
    assert s.matching("coffer_wrapping_key_pool_keys", key_spec="RSA_2048"), s.text[-3000:]
    for labels, _ in s.matching("coffer_keys"):
        assert set(labels) == {"key_state"}, labels
    assert s.value("coffer_audit_events_total") >= 5
    assert s.value("coffer_audit_write_failures_total") == 0
    assert s.value("coffer_audit_events_dropped_total") == 0
    # coffer_build_info{version=...} 1, the version `coffer --version` prints
    version = run_coffer(coffer_bin, "--version").stdout.strip()
    assert version.startswith("coffer ")
    assert s.value("coffer_build_info", version=version[len("coffer "):]) == 1, s.matching("coffer_build_info")


def test_requests_total_counts_exactly(msrv, mc):
    a = mc.admin
    md = a.create_key()["KeyMetadata"]
    port = msrv.metrics_port
    ok = {"operation": "Encrypt", "error_type": "none"}
    before = scrape(port).value("coffer_requests_total", **ok)
    for _ in range(7):
        a.encrypt(KeyId=md["KeyId"], Plaintext=b"count me")
    s = settle(port, "coffer_requests_total", ok, before + 7)
    assert s.value("coffer_requests_total", **ok) == before + 7
    # a failing Encrypt: its error type as the label, the success count unchanged
    bad = {"operation": "Encrypt", "error_type": "NotFoundException"}
    before_bad = s.value("coffer_requests_total", **bad)
    expect_error(a.encrypt, KeyId=str(uuid.uuid4()), Plaintext=b"x", code="NotFoundException")
    s = settle(port, "coffer_requests_total", bad, before_bad + 1)
    assert s.value("coffer_requests_total", **bad) == before_bad + 1
    assert s.value("coffer_requests_total", **ok) == before + 7


def test_authorization_denials_total(msrv, mc):
    md = mc.admin.create_key()["KeyMetadata"]
    labels = {"action": "kms:Encrypt"}
    before = scrape(msrv.metrics_port).value("coffer_authorization_denials_total", **labels)
    for _ in range(2):
        expect_error(mc.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException")
    s = settle(msrv.metrics_port, "coffer_authorization_denials_total", labels, before + 2)
    assert s.value("coffer_authorization_denials_total", **labels) == before + 2
    denied = {"operation": "Encrypt", "error_type": "AccessDeniedException"}
    assert s.value("coffer_requests_total", **denied) >= 2


def test_keys_gauge_follows_key_states(server_factory, tmp_path):
    """coffer_keys{key_state} counts the keys per state, all accounts and Regions. The gauge is computed from the
    store periodically (observed: every ~30 s), so each step restarts the server, whose first scrape counts afresh."""
    creds = write_credentials(tmp_path / "credentials.json", ["admin", "broot"])
    metrics = metrics_config()
    srv = server_factory(name="keys-gauge", config={"credentialsFile": str(creds), "metrics": metrics}).start()
    port = metrics["port"]
    c = Clients(srv)

    def gauge():
        wait_for_listener(port)
        s = scrape(port)
        return {st: s.value("coffer_keys", key_state=st)
                for st in ("Enabled", "Disabled", "PendingDeletion", "PendingImport")}

    assert gauge() == {"Enabled": 0, "Disabled": 0, "PendingDeletion": 0, "PendingImport": 0}
    keys = [c.admin.create_key()["KeyMetadata"] for _ in range(3)]
    c.broot.create_key()
    c.get("admin", region="eu-west-1").create_key()
    c.admin.create_key(Origin="EXTERNAL")
    srv.restart()
    assert gauge() == {"Enabled": 5, "Disabled": 0, "PendingDeletion": 0, "PendingImport": 1}
    c = Clients(srv)
    c.admin.disable_key(KeyId=keys[0]["KeyId"])
    c.admin.schedule_key_deletion(KeyId=keys[1]["KeyId"], PendingWindowInDays=7)
    srv.restart()
    assert gauge() == {"Enabled": 3, "Disabled": 1, "PendingDeletion": 1, "PendingImport": 1}
    # within a refresh period at most: polled for 40 s
    c = Clients(srv)
    c.admin.enable_key(KeyId=keys[0]["KeyId"])
    got = poll_until(gauge, lambda g: g["Enabled"] == 4, timeout=40, interval=1)
    assert got == {"Enabled": 4, "Disabled": 0, "PendingDeletion": 1, "PendingImport": 1}


def test_health_live_and_ready(msrv):
    status, _, body = http_get(msrv.metrics_port, "/health/live")
    assert (status, json.loads(body)) == (200, {"status": "live"})
    status, _, body = http_get(msrv.metrics_port, "/health/ready")
    assert (status, json.loads(body)) == (200, {"status": "ready"})


def test_metrics_listener_is_separate_from_kms(msrv):
    # the KMS port does not serve /metrics (it answers KMS errors, not the Prometheus text)
    status, _, body = http_get(msrv.port, "/metrics")
    assert not body.startswith(b"# HELP") and b"coffer_requests_total" not in body


def test_readiness_fails_when_the_store_is_gone(server_factory):
    """SQLite: the database file deleted; PostgreSQL: the server's database dropped. /health/ready turns 503 with a
    reason; a request that fails with a 5xx logs kms.request.failed with its cause, which the client never sees."""
    metrics = metrics_config()
    srv = server_factory(name="ready", config={"metrics": metrics}).start()
    port = metrics["port"]
    wait_for_listener(port)
    srv.client().create_key()
    assert http_get(port, "/health/ready")[0] == 200
    if TEST_STORE == "postgres":
        db = srv.database
        assert db
        drop_database(db)
        secret_cause = db
    else:
        store = srv.data_dir / "coffer.sqlite"
        assert store.is_file()
        for suffix in ("", "-wal", "-shm", "-journal"):
            p = srv.data_dir / f"coffer.sqlite{suffix}"
            if p.exists():
                p.unlink()
        secret_cause = "coffer.sqlite"

    def ready():
        status, _, body = http_get(port, "/health/ready")
        return status, body

    status, body = poll_until(ready, lambda r: r[0] == 503, timeout=15, interval=0.25)
    assert status == 503, (status, body)
    j = json.loads(body)
    assert set(j) == {"status", "reason"} and j["status"] == "unavailable", j
    assert isinstance(j["reason"], str) and j["reason"].strip(), j
    # liveness is not readiness
    assert http_get(port, "/health/live")[0] == 200

    c = srv.client(retries=NO_RETRIES)
    if TEST_STORE == "postgres":
        # the database is gone: a server fault (KMSInternalException 500, or DependencyTimeoutException 503 when the
        # store's deadline passes)
        err = expect_error(c.create_key, code=SERVER_FAULTS, status=None)
        assert err["ResponseMetadata"]["HTTPStatusCode"] >= 500, err
    else:
        # SQLite may keep working on the open (deleted) file; only a 5xx must be logged
        try:
            c.create_key()
            return
        except Exception as e:  # noqa: BLE001 - a ClientError with the 5xx
            err = getattr(e, "response", None)
            assert err and err["ResponseMetadata"]["HTTPStatusCode"] >= 500, e
    rid = request_id(err)
    assert secret_cause not in json.dumps(err["Error"]), err["Error"]
    if TEST_STORE == "postgres":
        assert scrape(port).value("coffer_store_errors_total", store="postgres") >= 1
    lines = request_failed_lines(srv, rid, timeout=5)
    assert lines, srv.stdout_text()[-4000:]
    line = lines[0]
    assert "kms.request_id" in line and "kms.error_type" in line and "kms.cause" in line, line
    assert re.search(r"kms\.error_type\W+(" + "|".join(SERVER_FAULTS) + ")", line), line
