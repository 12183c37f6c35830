"""Authorization modes (off / audit / enforce) and their logs, the development identity's unchanged experience,
credentials-file start-up checks, and grants surviving a restart."""

from __future__ import annotations

import json
import time

import pytest

from authzhelpers import (
    module_server,
    ACCT_A,
    ROOT_B,
    Clients,
    IDENTITIES,
    arn_of,
    create_key,
    denied,
    key_policy,
    make_server,
    stmt,
    with_root,
)
from kmshelpers import (
    DEV_ACCOUNT,
    CofferServer,
    default_policy,
    expect_error,
    key_arn,
    unique_alias,
    unique_region,
)

WOULD_DENY = "kms.authz.would_deny"
DENIED = "kms.authz.denied"


def _wait_for_log(srv, needle, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in srv.output_text():
            return True
        time.sleep(0.1)
    return needle in srv.output_text()


off_srv = module_server("authz-off", "off", mode="off")
audit_srv = module_server("authz-audit", "audit", mode="audit")
enforce_srv = module_server("authz-enforce", "enforce", mode="enforce")


# --------------------------------------------------------------------------- off

def test_off_allows_everything_in_the_account(off_srv):
    c = Clients(off_srv)
    md = create_key(c.admin)
    ct = c.eve.encrypt(KeyId=md["KeyId"], Plaintext=b"off")["CiphertextBlob"]
    assert c.eve.decrypt(CiphertextBlob=ct)["Plaintext"] == b"off"
    assert len(c.carol.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_256")["Plaintext"]) == 32
    assert c.eve.create_key()["KeyMetadata"]["AWSAccountId"] == ACCT_A
    assert "Keys" in c.eve.list_keys()
    assert len(c.eve.generate_random(NumberOfBytes=4)["Plaintext"]) == 4
    c.eve.disable_key(KeyId=md["KeyId"])
    c.eve.enable_key(KeyId=md["KeyId"])
    expect_error(c.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"x", DryRun=True, code="DryRunOperationException")
    # a key policy denying everything is not evaluated
    deny_all = create_key(c.admin, with_root(stmt("Deny", "*", "kms:*")), bypass=True)
    assert c.admin.encrypt(KeyId=deny_all["KeyId"], Plaintext=b"x")["KeyId"] == deny_all["Arn"]
    assert c.alice.describe_key(KeyId=deny_all["KeyId"])["KeyMetadata"]["KeyId"] == deny_all["KeyId"]


def test_off_skips_lockout_but_still_validates(off_srv):
    c = Clients(off_srv)
    md = create_key(c.admin)
    locked = key_policy(stmt("Allow", {"AWS": arn_of("alice")}, "kms:Encrypt"))
    c.admin.put_key_policy(KeyId=md["KeyId"], PolicyName="default", Policy=locked)
    assert c.admin.get_key_policy(KeyId=md["KeyId"], PolicyName="default")["Policy"] == locked
    expect_error(c.admin.put_key_policy, KeyId=md["KeyId"], PolicyName="default", Policy="{not json",
                 code="MalformedPolicyDocumentException")
    expect_error(c.admin.put_key_policy, KeyId=md["KeyId"], PolicyName="default",
                 Policy=with_root(stmt("Allow", {"AWS": "bogus"}, "kms:Encrypt")),
                 code="MalformedPolicyDocumentException")


def test_off_grants_still_work(off_srv):
    c = Clients(off_srv)
    md = create_key(c.admin)
    g = c.eve.create_grant(KeyId=md["KeyId"], GranteePrincipal=arn_of("alice"), Operations=["Encrypt"])
    assert [x["GrantId"] for x in c.alice.list_grants(KeyId=md["KeyId"])["Grants"]] == [g["GrantId"]]
    c.alice.encrypt(KeyId=md["KeyId"], Plaintext=b"x", GrantTokens=[g["GrantToken"]])
    c.eve.revoke_grant(KeyId=md["KeyId"], GrantId=g["GrantId"])
    assert c.alice.list_grants(KeyId=md["KeyId"])["Grants"] == []


def test_off_logs_no_decisions(off_srv):
    c = Clients(off_srv)
    md = create_key(c.admin)
    c.eve.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
    time.sleep(0.5)
    out = off_srv.output_text()
    assert WOULD_DENY not in out and DENIED not in out


# --------------------------------------------------------------------------- audit

def test_audit_allows_would_be_denials_and_logs_them(audit_srv):
    c = Clients(audit_srv)
    md = create_key(c.admin)
    ct = c.admin.encrypt(KeyId=md["KeyId"], Plaintext=b"a")["CiphertextBlob"]
    time.sleep(0.3)
    assert md["KeyId"] not in "\n".join(ln for ln in audit_srv.output_text().splitlines() if WOULD_DENY in ln)
    # eve has no identity policy: denied in enforce mode, allowed (and logged) here
    assert c.eve.decrypt(CiphertextBlob=ct)["Plaintext"] == b"a"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        hits = [ln for ln in audit_srv.output_text().splitlines() if WOULD_DENY in ln and md["KeyId"] in ln]
        if hits:
            break
        time.sleep(0.1)
    assert hits, audit_srv.output_text()[-3000:]
    assert DENIED not in audit_srv.output_text().replace(WOULD_DENY, "")
    # explicit denies are not enforced either
    assert len(c.carol.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_128")["Plaintext"]) == 16
    deny_all = create_key(c.admin, with_root(stmt("Deny", "*", "kms:Encrypt")))
    c.admin.encrypt(KeyId=deny_all["KeyId"], Plaintext=b"x")
    # IAM-only actions
    assert c.eve.create_key()["KeyMetadata"]["AWSAccountId"] == ACCT_A
    # DryRun answers as if allowed
    expect_error(c.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"x", DryRun=True, code="DryRunOperationException")


def test_audit_logs_the_principal_and_action(audit_srv):
    c = Clients(audit_srv)
    md = create_key(c.admin)
    c.frank.update_key_description(KeyId=md["KeyId"], Description="frank was here")
    assert c.admin.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["Description"] == "frank was here"
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [ln for ln in audit_srv.output_text().splitlines()
                 if WOULD_DENY in ln and "UpdateKeyDescription" in ln]
        if lines:
            break
        time.sleep(0.1)
    assert lines, audit_srv.output_text()[-3000:]
    assert any(arn_of("frank") in ln for ln in lines), lines


# --------------------------------------------------------------------------- enforce

def test_enforce_denies_and_logs(enforce_srv):
    c = Clients(enforce_srv)
    md = create_key(c.admin)
    expect_error(c.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("eve", "Encrypt", md["Arn"], "identity"))
    assert _wait_for_log(enforce_srv, DENIED), enforce_srv.output_text()[-3000:]
    assert WOULD_DENY not in enforce_srv.output_text()


def test_enforce_is_the_default(coffer_bin, tmp_path):
    srv = make_server(coffer_bin, tmp_path / "default-mode", name="defaultmode", names=["admin", "eve"])
    srv.start()
    try:
        c = Clients(srv)
        md = create_key(c.admin)
        expect_error(c.eve.describe_key, KeyId=md["KeyId"], code="AccessDeniedException",
                     message=denied("eve", "DescribeKey", md["Arn"], "identity"))
    finally:
        srv.stop()


# --------------------------------------------------------------------------- development identity

def test_dev_identity_unchanged_experience(make_client):
    region = unique_region()
    kms = make_client(region=region)
    md = kms.create_key(Description="dev")["KeyMetadata"]
    kid = md["KeyId"]
    assert md["AWSAccountId"] == DEV_ACCOUNT and md["Arn"] == key_arn(kid, region=region)
    assert kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"] == default_policy(DEV_ACCOUNT)
    ct = kms.encrypt(KeyId=kid, Plaintext=b"dev", EncryptionContext={"a": "b"})["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ct, EncryptionContext={"a": "b"})["Plaintext"] == b"dev"
    dk = kms.generate_data_key(KeyId=kid, KeySpec="AES_256")
    assert kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"] == dk["Plaintext"]
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    assert kms.re_encrypt(CiphertextBlob=ct, SourceEncryptionContext={"a": "b"},
                          DestinationKeyId=other)["KeyId"].endswith(other)
    name = unique_alias("dev")
    kms.create_alias(AliasName=name, TargetKeyId=kid)
    assert kms.describe_key(KeyId=name)["KeyMetadata"]["KeyId"] == kid
    assert name in {a["AliasName"] for a in kms.list_aliases()["Aliases"]}
    kms.update_alias(AliasName=name, TargetKeyId=other)
    assert kms.encrypt(KeyId=name, Plaintext=b"x")["KeyId"].endswith(other)
    kms.delete_alias(AliasName=name)
    assert {k["KeyId"] for k in kms.list_keys()["Keys"]} == {kid, other}
    assert len(kms.generate_random(NumberOfBytes=16)["Plaintext"]) == 16
    kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=default_policy(DEV_ACCOUNT))
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "t", "TagValue": "v"}])
    kms.disable_key(KeyId=kid)
    kms.enable_key(KeyId=kid)
    expect_error(kms.encrypt, KeyId=kid, Plaintext=b"x", DryRun=True, code="DryRunOperationException")
    g = kms.create_grant(KeyId=kid, GranteePrincipal=f"arn:aws:iam::{DEV_ACCOUNT}:user/someone",
                         RetiringPrincipal=f"arn:aws:iam::{DEV_ACCOUNT}:root", Operations=["Encrypt"])
    assert [x["GrantId"] for x in kms.list_grants(KeyId=kid)["Grants"]] == [g["GrantId"]]
    assert kms.encrypt(KeyId=kid, Plaintext=b"x", GrantTokens=[g["GrantToken"]])["KeyId"] == md["Arn"]
    kms.retire_grant(GrantToken=g["GrantToken"])
    assert kms.list_grants(KeyId=kid)["Grants"] == []
    kms.schedule_key_deletion(KeyId=other, PendingWindowInDays=7)
    kms.cancel_key_deletion(KeyId=other)


# --------------------------------------------------------------------------- start-up checks

def _refuses_to_start(coffer_bin, base, identities, extra=None):
    base.mkdir(parents=True, exist_ok=True)
    creds = base / "creds.json"
    creds.write_text(json.dumps({"identities": identities}))
    cfg = {"credentialsFile": str(creds)}
    cfg.update(extra or {})
    srv = CofferServer(coffer_bin, base, name="bad", config=cfg)
    rc, err = srv.start_expecting_exit()
    assert rc != 0, err
    return rc, srv.output_text()


def test_arn_and_account_id_must_agree(coffer_bin, tmp_path):
    ident = dict(IDENTITIES["alice"], accountId="999988887777")
    _refuses_to_start(coffer_bin, tmp_path / "mismatch", [ident])


@pytest.mark.parametrize("arn", ["not-an-arn", "arn:aws:iam::12345:user/x", "arn:aws:s3:::bucket",
                                 "arn:aws:iam::111122223333:group/devs"])
def test_invalid_identity_arn_refused(coffer_bin, tmp_path, arn):
    ident = dict(IDENTITIES["eve"], arn=arn)
    _refuses_to_start(coffer_bin, tmp_path / "badarn", [ident])


def test_invalid_identity_policy_refused(coffer_bin, tmp_path):
    ident = dict(IDENTITIES["eve"], policies=[{"Version": "2012-10-17",
                                               "Statement": [{"Effect": "Maybe", "Action": "kms:*", "Resource": "*"}]}])
    _refuses_to_start(coffer_bin, tmp_path / "badpolicy", [ident])


def test_unknown_authorization_mode_refused(coffer_bin, tmp_path):
    _refuses_to_start(coffer_bin, tmp_path / "badmode", [IDENTITIES["admin"]], {"authorization": "sometimes"})


def test_identity_with_matching_account_id_starts(coffer_bin, tmp_path):
    # paula's entry carries both "arn" and the matching "accountId"
    srv = make_server(coffer_bin, tmp_path / "paula", name="paula", names=["paula", "eve"])
    srv.start()
    try:
        c = Clients(srv)
        md = c.paula.create_key()["KeyMetadata"]
        assert md["AWSAccountId"] == ACCT_A
        expect_error(c.eve.describe_key, KeyId=md["KeyId"], code="AccessDeniedException",
                     message=denied("eve", "DescribeKey", md["Arn"], "identity"))
    finally:
        srv.stop()


# --------------------------------------------------------------------------- persistence

def test_grants_survive_a_restart(coffer_bin, tmp_path):
    srv = make_server(coffer_bin, tmp_path / "restart", name="restart")
    srv.start()
    try:
        c = Clients(srv)
        md = create_key(c.admin)
        g = c.admin.create_grant(KeyId=md["KeyId"], GranteePrincipal=arn_of("eve"), RetiringPrincipal=arn_of("bob"),
                                 Operations=["Encrypt", "Decrypt"], Name="survivor",
                                 Constraints={"EncryptionContextSubset": {"Dept": "IT"}})
        g2 = c.admin.create_grant(KeyId=md["KeyId"], GranteePrincipal=ROOT_B, Operations=["DescribeKey"])
        before = c.admin.list_grants(KeyId=md["KeyId"])["Grants"]
        srv.restart()
        c = Clients(srv)
        after = c.admin.list_grants(KeyId=md["KeyId"])["Grants"]
        assert after == before
        ct = c.eve.encrypt(KeyId=md["KeyId"], Plaintext=b"p", EncryptionContext={"Dept": "IT"},
                           GrantTokens=[g["GrantToken"]])["CiphertextBlob"]
        assert c.eve.decrypt(CiphertextBlob=ct, EncryptionContext={"Dept": "IT"})["Plaintext"] == b"p"
        expect_error(c.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"p", code="AccessDeniedException",
                     message=denied("eve", "Encrypt", md["Arn"], "identity"))
        # idempotency by name survives too
        again = c.admin.create_grant(KeyId=md["KeyId"], GranteePrincipal=arn_of("eve"),
                                     RetiringPrincipal=arn_of("bob"), Operations=["Encrypt", "Decrypt"],
                                     Name="survivor", Constraints={"EncryptionContextSubset": {"Dept": "IT"}})
        assert again["GrantId"] == g["GrantId"]
        c.bob.retire_grant(GrantToken=g["GrantToken"])
        assert [x["GrantId"] for x in c.admin.list_grants(KeyId=md["KeyId"])["Grants"]] == [g2["GrantId"]]
        srv.restart()
        c = Clients(srv)
        assert [x["GrantId"] for x in c.admin.list_grants(KeyId=md["KeyId"])["Grants"]] == [g2["GrantId"]]
        expect_error(c.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"p", EncryptionContext={"Dept": "IT"},
                     code="AccessDeniedException", message=denied("eve", "Encrypt", md["Arn"], "identity"))
    finally:
        srv.stop()
