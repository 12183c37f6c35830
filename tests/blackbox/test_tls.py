"""TLS on the KMS listener (issue 12): `"tls": {"certificate": PEM chain, "privateKey": PEM key}` makes the KMS
listener serve HTTPS only (same host and port); policies see aws:SecureTransport = true; an unreadable certificate or
key stops start-up with exit code 78. The metrics listener stays plain HTTP.

A CA and a server certificate for localhost/127.0.0.1 are made per module with `cryptography` (opshelpers.make_pki).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import ssl

import botocore.exceptions
import pytest

from authzhelpers import denied, key_policy, stmt
from kmshelpers import DEV_ACCOUNT, AwsCli, CofferServer, expect_error
from opshelpers import (
    EX_CONFIG,
    http_get,
    https_endpoint,
    make_pki,
    metrics_config,
    tls_client,
    wait_for_listener,
)

ROOT = f"arn:aws:iam::{DEV_ACCOUNT}:root"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_srv(coffer_bin, tmp_path_factory, pki):
    metrics = metrics_config()
    srv = CofferServer(coffer_bin, tmp_path_factory.mktemp("tls"), name="tls", config={
        "tls": {"certificate": str(pki["chain"]), "privateKey": str(pki["key"])}, "metrics": metrics})
    srv.start()
    srv.metrics_port = metrics["port"]
    yield srv
    srv.discard()


@pytest.fixture(scope="module")
def tkms(tls_srv, pki):
    return tls_client(https_endpoint(tls_srv), pki["ca"])


def test_encrypt_decrypt_over_https(tkms, tls_srv):
    md = tkms.create_key(Description="over tls")["KeyMetadata"]
    ct = tkms.encrypt(KeyId=md["KeyId"], Plaintext=b"secret over tls")["CiphertextBlob"]
    assert tkms.decrypt(CiphertextBlob=ct)["Plaintext"] == b"secret over tls"
    assert tkms.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["Description"] == "over tls"


def test_hostname_localhost_verifies_too(tls_srv, pki):
    c = tls_client(https_endpoint(tls_srv, "localhost"), pki["ca"])
    assert "Keys" in c.list_keys()


def test_server_presents_the_configured_certificate(tls_srv, pki):
    ctx = ssl.create_default_context(cafile=str(pki["ca"]))
    with ctx.wrap_socket(__import__("socket").create_connection(("127.0.0.1", tls_srv.port), timeout=5),
                         server_hostname="127.0.0.1") as s:
        der = s.getpeercert(binary_form=True)
    assert ssl.DER_cert_to_PEM_cert(der).strip() == pki["cert"].read_text().strip()


def test_other_ca_is_refused(tls_srv, tmp_path):
    other = make_pki(tmp_path / "other")
    c = tls_client(https_endpoint(tls_srv), other["ca"])
    with pytest.raises(botocore.exceptions.SSLError):
        c.list_keys()


def test_aws_cli_with_ca_bundle(tls_srv, pki, tmp_path):
    cli = AwsCli(https_endpoint(tls_srv))
    md = cli("create-key", "--description", "cli over tls", "--ca-bundle", str(pki["ca"]))["KeyMetadata"]
    (tmp_path / "in.bin").write_bytes(b"cli plaintext over tls")
    enc = cli.run("encrypt", "--key-id", md["KeyId"], "--plaintext", f"fileb://{tmp_path / 'in.bin'}",
                  "--ca-bundle", str(pki["ca"]), "--query", "CiphertextBlob", "--output", "text", check=True)
    (tmp_path / "ct.bin").write_bytes(base64.b64decode(enc.stdout.strip()))
    dec = cli.run("decrypt", "--ciphertext-blob", f"fileb://{tmp_path / 'ct.bin'}", "--ca-bundle", str(pki["ca"]),
                  "--query", "Plaintext", "--output", "text", check=True)
    assert base64.b64decode(dec.stdout.strip()) == b"cli plaintext over tls"
    # without the bundle the CLI does not trust the server
    bad = cli.run("list-keys")
    assert bad.returncode != 0 and "SSL" in (bad.stderr + bad.stdout).upper(), bad


def test_plain_http_to_the_tls_port_fails(tls_srv):
    conn = http.client.HTTPConnection("127.0.0.1", tls_srv.port, timeout=10)
    try:
        conn.request("POST", "/", body=b"{}", headers={"X-Amz-Target": "TrentService.ListKeys",
                                                       "Content-Type": "application/x-amz-json-1.1"})
        resp = conn.getresponse()
        body = resp.read()
    except (OSError, http.client.HTTPException):
        return  # the connection is closed / not HTTP: as expected
    finally:
        conn.close()
    raise AssertionError(f"plain HTTP got an HTTP answer from the TLS port: {resp.status} {body[:200]!r}")


def test_metrics_listener_stays_plain_http(tls_srv):
    wait_for_listener(tls_srv.metrics_port)
    status, _, body = http_get(tls_srv.metrics_port, "/health/live")
    assert (status, json.loads(body)) == (200, {"status": "live"})


SECURE_ONLY = key_policy(stmt("Allow", {"AWS": ROOT}, "kms:*", sid="Only over TLS",
                              Bool={"aws:SecureTransport": "true"}))


def test_secure_transport_condition_true_over_tls(tkms):
    md = tkms.create_key(Policy=SECURE_ONLY, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]
    ct = tkms.encrypt(KeyId=md["KeyId"], Plaintext=b"tls only")["CiphertextBlob"]
    assert tkms.decrypt(CiphertextBlob=ct)["Plaintext"] == b"tls only"
    # and the opposite condition does not match over TLS
    plain_only = key_policy(
        stmt("Allow", {"AWS": ROOT}, "kms:*", sid="All"),
        stmt("Deny", {"AWS": ROOT}, "kms:Encrypt", sid="Deny over TLS", Bool={"aws:SecureTransport": "true"}))
    md2 = tkms.create_key(Policy=plain_only, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]
    expect_error(tkms.encrypt, KeyId=md2["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied(ROOT, "Encrypt", md2["Arn"], "explicit-resource"))


def test_secure_transport_condition_false_without_tls(server_factory):
    srv = server_factory(name="plain").start()
    c = srv.client()
    md = c.create_key(Policy=SECURE_ONLY, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]
    expect_error(c.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied(ROOT, "Encrypt", md["Arn"], "resource"))


@pytest.mark.parametrize("case", ["missing-certificate", "missing-key", "garbage-certificate", "garbage-key",
                                  "directory-as-certificate"])
def test_unreadable_certificate_or_key_stops_startup(server_factory, pki, tmp_path, case):
    cert, key = str(pki["chain"]), str(pki["key"])
    if case == "missing-certificate":
        cert = str(tmp_path / "nope.pem")
    elif case == "missing-key":
        key = str(tmp_path / "nope-key.pem")
    elif case == "garbage-certificate":
        (tmp_path / "garbage.pem").write_text("-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                                              "-----END CERTIFICATE-----\n")
        cert = str(tmp_path / "garbage.pem")
    elif case == "garbage-key":
        (tmp_path / "garbage-key.pem").write_bytes(os.urandom(64))
        key = str(tmp_path / "garbage-key.pem")
    else:
        (tmp_path / "cert-dir").mkdir()
        cert = str(tmp_path / "cert-dir")
    srv = server_factory(name=f"badtls-{case}", config={"tls": {"certificate": cert, "privateKey": key}})
    rc, stderr = srv.start_expecting_exit()
    assert rc == EX_CONFIG, (rc, stderr)
    assert stderr.startswith("coffer: ") or "\ncoffer: " in stderr, stderr
