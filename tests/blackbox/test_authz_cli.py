"""Authorization through the AWS CLI (v1): denials on stderr, create-grant / list-grants / encrypt with
--grant-tokens / retire-grant / revoke-grant, DryRun, the lockout check."""

from __future__ import annotations

import json

import pytest

from authzhelpers import (
    module_server_and_clients,
    ACCT_A,
    arn_of,
    cli_for,
    create_key,
    denied,
    key_policy,
    stmt,
)


srv, c = module_server_and_clients("authz-cli", "cli")


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    p = tmp_path_factory.mktemp("cli-data") / "plain.bin"
    p.write_bytes(b"cli plaintext\n")
    return p


def _denied_on_stderr(res, message):
    assert res.returncode != 0, res.stdout
    assert "AccessDeniedException" in res.stderr, res.stderr
    assert message in res.stderr, res.stderr


def test_cli_denials(srv, c, plain):
    md = create_key(c.admin)
    eve = cli_for(srv, "eve")
    res = eve.run("encrypt", "--key-id", md["KeyId"], "--plaintext", f"fileb://{plain}")
    _denied_on_stderr(res, denied("eve", "Encrypt", md["Arn"], "identity"))
    res = eve.run("describe-key", "--key-id", md["Arn"])
    _denied_on_stderr(res, denied("eve", "DescribeKey", md["Arn"], "identity"))
    res = eve.run("list-keys")
    _denied_on_stderr(res, denied("eve", "ListKeys", "*", "identity"))
    res = eve.run("create-key")
    _denied_on_stderr(res, denied("eve", "CreateKey", "*", "identity"))
    # carol: explicit deny in her identity policy
    res = cli_for(srv, "carol").run("generate-data-key", "--key-id", md["KeyId"], "--key-spec", "AES_256")
    _denied_on_stderr(res, denied("carol", "GenerateDataKey", md["Arn"], "explicit-identity"))
    # dave, cross-account, key policy does not name his account
    res = cli_for(srv, "dave").run("describe-key", "--key-id", md["Arn"])
    _denied_on_stderr(res, denied("dave", "DescribeKey", md["Arn"], "resource"))
    # bob may
    out = cli_for(srv, "bob")("encrypt", "--key-id", md["KeyId"], "--plaintext", f"fileb://{plain}")
    assert out["KeyId"] == md["Arn"]


def test_cli_dry_run(srv, c, plain):
    md = create_key(c.admin)
    res = cli_for(srv, "admin").run("encrypt", "--key-id", md["KeyId"], "--plaintext", f"fileb://{plain}",
                                    "--dry-run")
    assert res.returncode != 0 and "DryRunOperationException" in res.stderr, res.stderr
    assert "The request would have succeeded, but the DryRun option is set." in res.stderr
    res = cli_for(srv, "eve").run("encrypt", "--key-id", md["KeyId"], "--plaintext", f"fileb://{plain}",
                                  "--dry-run")
    _denied_on_stderr(res, denied("eve", "Encrypt", md["Arn"], "identity"))


def test_cli_grant_lifecycle(srv, c, plain):
    md = create_key(c.admin)
    admin, eve, bob = cli_for(srv, "admin"), cli_for(srv, "eve"), cli_for(srv, "bob")
    g = admin("create-grant", "--key-id", md["KeyId"], "--grantee-principal", arn_of("eve"),
              "--retiring-principal", arn_of("bob"), "--operations", "Encrypt", "Decrypt",
              "--constraints", "EncryptionContextSubset={Dept=IT}", "--name", "cli-grant")
    assert len(g["GrantId"]) == 64 and g["GrantToken"]
    listed = admin("list-grants", "--key-id", md["KeyId"])["Grants"]
    assert [x["GrantId"] for x in listed] == [g["GrantId"]]
    e = listed[0]
    assert e["KeyId"] == md["Arn"] and e["Name"] == "cli-grant" and e["GranteePrincipal"] == arn_of("eve")
    assert e["RetiringPrincipal"] == arn_of("bob") and e["IssuingAccount"] == f"arn:aws:iam::{ACCT_A}:root"
    assert sorted(e["Operations"]) == ["Decrypt", "Encrypt"]
    assert e["Constraints"] == {"EncryptionContextSubset": {"Dept": "IT"}}
    assert admin("list-grants", "--key-id", md["KeyId"], "--grantee-principal", arn_of("alice"))["Grants"] == []
    retirable = admin("list-retirable-grants", "--retiring-principal", arn_of("bob"))["Grants"]
    assert g["GrantId"] in {x["GrantId"] for x in retirable}

    out = eve("encrypt", "--key-id", md["KeyId"], "--plaintext", f"fileb://{plain}",
              "--encryption-context", "Dept=IT,Purpose=cli", "--grant-tokens", g["GrantToken"])
    assert out["KeyId"] == md["Arn"]
    res = eve.run("encrypt", "--key-id", md["KeyId"], "--plaintext", f"fileb://{plain}",
                  "--encryption-context", "Dept=HR", "--grant-tokens", g["GrantToken"])
    _denied_on_stderr(res, denied("eve", "Encrypt", md["Arn"], "identity"))
    res = eve.run("encrypt", "--key-id", md["KeyId"], "--plaintext", f"fileb://{plain}",
                  "--encryption-context", "Dept=IT", "--grant-tokens", "bm90LWEtdG9rZW4=")
    assert res.returncode != 0 and "InvalidGrantTokenException" in res.stderr, res.stderr

    bob("retire-grant", "--grant-token", g["GrantToken"])
    assert admin("list-grants", "--key-id", md["KeyId"])["Grants"] == []
    res = eve.run("encrypt", "--key-id", md["KeyId"], "--plaintext", f"fileb://{plain}",
                  "--encryption-context", "Dept=IT")
    _denied_on_stderr(res, denied("eve", "Encrypt", md["Arn"], "identity"))

    g2 = admin("create-grant", "--key-id", md["Arn"], "--grantee-principal", arn_of("eve"),
               "--operations", "DescribeKey")
    assert eve("describe-key", "--key-id", md["Arn"])["KeyMetadata"]["KeyId"] == md["KeyId"]
    res = eve.run("revoke-grant", "--key-id", md["KeyId"], "--grant-id", g2["GrantId"])
    _denied_on_stderr(res, denied("eve", "RevokeGrant", md["Arn"], "identity"))
    admin.run("revoke-grant", "--key-id", md["KeyId"], "--grant-id", g2["GrantId"], check=True)
    res = eve.run("describe-key", "--key-id", md["Arn"])
    _denied_on_stderr(res, denied("eve", "DescribeKey", md["Arn"], "identity"))
    res = admin.run("revoke-grant", "--key-id", md["KeyId"], "--grant-id", g2["GrantId"])
    assert res.returncode != 0 and "NotFoundException" in res.stderr, res.stderr


def test_cli_create_grant_errors(srv, c):
    md = create_key(c.admin)
    admin = cli_for(srv, "admin")
    res = admin.run("create-grant", "--key-id", md["KeyId"], "--grantee-principal", "not-an-arn",
                    "--operations", "Encrypt")
    assert res.returncode != 0 and "InvalidArnException" in res.stderr, res.stderr
    res = admin.run("create-grant", "--key-id", md["KeyId"], "--grantee-principal", arn_of("eve"),
                    "--operations", "Sign")
    assert res.returncode != 0 and "ValidationException" in res.stderr, res.stderr
    res = cli_for(srv, "eve").run("create-grant", "--key-id", md["KeyId"], "--grantee-principal", arn_of("eve"),
                                  "--operations", "Encrypt")
    _denied_on_stderr(res, denied("eve", "CreateGrant", md["Arn"], "identity"))
    assert admin("list-grants", "--key-id", md["KeyId"])["Grants"] == []


def test_cli_put_key_policy_lockout(srv, c, tmp_path):
    md = create_key(c.admin)
    pol = tmp_path / "policy.json"
    pol.write_text(key_policy(stmt("Allow", {"AWS": arn_of("alice")}, "kms:*")))
    admin = cli_for(srv, "admin")
    res = admin.run("put-key-policy", "--key-id", md["KeyId"], "--policy-name", "default",
                    "--policy", f"file://{pol}")
    assert res.returncode != 0 and "MalformedPolicyDocumentException" in res.stderr, res.stderr
    assert "The new key policy will not allow you to update the key policy in the future." in res.stderr
    got = admin("get-key-policy", "--key-id", md["KeyId"], "--policy-name", "default")["Policy"]
    assert json.loads(got)["Statement"][0]["Principal"]["AWS"] == f"arn:aws:iam::{ACCT_A}:root"
    admin.run("put-key-policy", "--key-id", md["KeyId"], "--policy-name", "default",
              "--policy", f"file://{pol}", "--bypass-policy-lockout-safety-check", check=True)
    res = admin.run("get-key-policy", "--key-id", md["KeyId"], "--policy-name", "default")
    _denied_on_stderr(res, denied("admin", "GetKeyPolicy", md["Arn"], "resource"))
