"""`coffer authz explain`: offline explanation of a decision from the store and the credentials file."""

from __future__ import annotations

import subprocess

import pytest

from authzhelpers import (
    ACCT_A,
    ROOT_B,
    Clients,
    arn_of,
    create_key,
    denied,
    key_policy,
    make_server,
    run_explain,
    stmt,
    with_root,
)
from kmshelpers import unique_alias


@pytest.fixture(scope="module")
def setup(coffer_bin, tmp_path_factory):
    """Keys and grants created through the server, which is then stopped: explain reads the store offline."""
    srv = make_server(coffer_bin, tmp_path_factory.mktemp("authz-explain"), name="explain")
    srv.start()
    try:
        c = Clients(srv)
        keys = {
            "default": create_key(c.admin),
            "alice": create_key(c.admin, with_root(stmt("Allow", {"AWS": arn_of("alice")},
                                                        ["kms:Encrypt", "kms:DescribeKey"], sid="AliceDirect"))),
            "ctx": create_key(c.admin, with_root(stmt("Allow", {"AWS": arn_of("alice")}, "kms:Decrypt",
                                                      StringEquals={"kms:EncryptionContext:AppName": "ExampleApp"}))),
            "shared": create_key(c.admin, with_root(stmt("Allow", {"AWS": ROOT_B}, ["kms:Encrypt"]))),
            "deny": create_key(c.admin, with_root(stmt("Deny", {"AWS": arn_of("paula")}, "kms:Encrypt",
                                                       sid="NoPaula"))),
            "granted": create_key(c.admin),
            "alice_only": create_key(c.admin, key_policy(stmt("Allow", {"AWS": arn_of("alice")}, "kms:*")),
                                     bypass=True),
        }
        alias = unique_alias("explain")
        c.admin.create_alias(AliasName=alias, TargetKeyId=keys["alice"]["KeyId"])
        c.admin.create_grant(KeyId=keys["granted"]["KeyId"], GranteePrincipal=arn_of("eve"),
                             Operations=["Encrypt"], Constraints={"EncryptionContextSubset": {"Dept": "IT"}})
    finally:
        srv.stop()
    return {"srv": srv, "keys": keys, "alias": alias}


def _explain(coffer_bin, setup, principal, action, key, *extra):
    res = run_explain(coffer_bin, setup["srv"], "--principal", principal, "--action", action,
                      "--key", key, "--region", "us-east-1", *extra)
    return res


def _decision(res):
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("Decision: ")]
    assert len(lines) == 1, f"rc={res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    return lines[0]


def _assert_allow(res):
    line = _decision(res)
    assert line.startswith("Decision: ALLOW"), res.stdout
    assert res.returncode == 0, res.stdout + res.stderr
    assert len(res.stdout.strip().splitlines()) >= 2, "no explanation besides the decision:\n" + res.stdout


def _assert_deny(res, message=None):
    line = _decision(res)
    assert line.startswith("Decision: DENY"), res.stdout
    assert res.returncode == 1, res.stdout + res.stderr
    assert len(res.stdout.strip().splitlines()) >= 2, "no explanation besides the decision:\n" + res.stdout
    if message is not None:
        assert message in res.stdout, res.stdout


def test_explain_direct_allow_and_deny(coffer_bin, setup):
    k = setup["keys"]["alice"]
    res = _explain(coffer_bin, setup, arn_of("alice"), "kms:Encrypt", k["KeyId"])
    _assert_allow(res)
    res = _explain(coffer_bin, setup, arn_of("eve"), "kms:Encrypt", k["KeyId"])
    _assert_deny(res, denied("eve", "Encrypt", k["Arn"], "identity"))
    res = _explain(coffer_bin, setup, arn_of("alice"), "kms:DisableKey", k["Arn"])
    _assert_deny(res, denied("alice", "DisableKey", k["Arn"], "identity"))


def test_explain_by_alias(coffer_bin, setup):
    res = _explain(coffer_bin, setup, arn_of("alice"), "kms:Encrypt", setup["alias"])
    _assert_allow(res)


def test_explain_uses_identity_policies_from_credentials_file(coffer_bin, setup):
    k = setup["keys"]["default"]
    _assert_allow(_explain(coffer_bin, setup, arn_of("bob"), "kms:Encrypt", k["KeyId"]))
    _assert_deny(_explain(coffer_bin, setup, arn_of("bob"), "kms:ScheduleKeyDeletion", k["KeyId"]),
                 denied("bob", "ScheduleKeyDeletion", k["Arn"], "identity"))
    _assert_deny(_explain(coffer_bin, setup, arn_of("carol"), "kms:GenerateDataKey", k["KeyId"]),
                 denied("carol", "GenerateDataKey", k["Arn"], "explicit-identity"))
    _assert_allow(_explain(coffer_bin, setup, arn_of("carol"), "kms:Encrypt", k["KeyId"]))
    _assert_allow(_explain(coffer_bin, setup, f"arn:aws:iam::{ACCT_A}:root", "kms:PutKeyPolicy", k["KeyId"]))


def test_explain_key_policy_deny_and_no_resource_policy(coffer_bin, setup):
    k = setup["keys"]["deny"]
    res = _explain(coffer_bin, setup, arn_of("paula"), "kms:Encrypt", k["KeyId"])
    _assert_deny(res, denied("paula", "Encrypt", k["Arn"], "explicit-resource"))
    assert "NoPaula" in res.stdout or "statement 2" in res.stdout, res.stdout
    k2 = setup["keys"]["alice_only"]
    _assert_deny(_explain(coffer_bin, setup, arn_of("paula"), "kms:Encrypt", k2["KeyId"]),
                 denied("paula", "Encrypt", k2["Arn"], "resource"))


def test_explain_with_encryption_context(coffer_bin, setup):
    k = setup["keys"]["ctx"]
    _assert_allow(_explain(coffer_bin, setup, arn_of("alice"), "kms:Decrypt", k["KeyId"],
                           "--context", "AppName=ExampleApp"))
    _assert_allow(_explain(coffer_bin, setup, arn_of("alice"), "kms:Decrypt", k["KeyId"],
                           "--context", "appname=ExampleApp", "--context", "other=x"))
    _assert_deny(_explain(coffer_bin, setup, arn_of("alice"), "kms:Decrypt", k["KeyId"],
                          "--context", "AppName=exampleapp"))
    _assert_deny(_explain(coffer_bin, setup, arn_of("alice"), "kms:Decrypt", k["KeyId"]))


def test_explain_grants(coffer_bin, setup):
    k = setup["keys"]["granted"]
    _assert_allow(_explain(coffer_bin, setup, arn_of("eve"), "kms:Encrypt", k["KeyId"], "--context", "Dept=IT"))
    _assert_deny(_explain(coffer_bin, setup, arn_of("eve"), "kms:Encrypt", k["KeyId"], "--context", "Dept=HR"),
                 denied("eve", "Encrypt", k["Arn"], "identity"))
    _assert_deny(_explain(coffer_bin, setup, arn_of("eve"), "kms:Decrypt", k["KeyId"], "--context", "Dept=IT"))


def test_explain_cross_account(coffer_bin, setup):
    k = setup["keys"]["shared"]
    _assert_allow(_explain(coffer_bin, setup, arn_of("dave"), "kms:Encrypt", k["Arn"]))
    _assert_allow(_explain(coffer_bin, setup, ROOT_B, "kms:Encrypt", k["Arn"]))
    _assert_deny(_explain(coffer_bin, setup, arn_of("erin"), "kms:Encrypt", k["Arn"]),
                 denied("erin", "Encrypt", k["Arn"], "identity"))
    _assert_deny(_explain(coffer_bin, setup, arn_of("dave"), "kms:Decrypt", k["Arn"]))


def _raw_explain(coffer_bin, *args):
    return subprocess.run([str(coffer_bin), "authz", "explain", *args], capture_output=True, text=True, timeout=60)


def test_explain_missing_argument_is_usage_error(coffer_bin, setup):
    # Command-line usage errors exit 64 (EX_USAGE, as every coffer command); configuration errors exit 2.
    srv, k = setup["srv"], setup["keys"]["default"]
    p = _raw_explain(coffer_bin, "--config", str(srv.config_path), "--data-dir", str(srv.data_dir),
                     "--principal", arn_of("alice"), "--key", k["KeyId"])
    assert p.returncode == 64, p.stdout + p.stderr
    assert "--action" in p.stderr


def test_explain_missing_config_file_is_error_2(coffer_bin, setup, tmp_path):
    p = _raw_explain(coffer_bin, "--config", str(tmp_path / "missing.json"), "--principal", arn_of("alice"),
                     "--action", "kms:Encrypt", "--key", setup["keys"]["default"]["KeyId"])
    assert p.returncode == 2, p.stdout + p.stderr


def test_explain_malformed_config_file_is_error_2(coffer_bin, setup, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    p = _raw_explain(coffer_bin, "--config", str(bad), "--principal", arn_of("alice"),
                     "--action", "kms:Encrypt", "--key", setup["keys"]["default"]["KeyId"])
    assert p.returncode == 2, p.stdout + p.stderr
