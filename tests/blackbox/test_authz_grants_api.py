"""Grant management: CreateGrant validation and idempotency, ListGrants, ListRetirableGrants, RetireGrant,
RevokeGrant, DryRun, error types."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from authzhelpers import (
    module_server_and_clients,
    ACCT_A,
    DRY_RUN_MSG,
    ROOT_A,
    arn_of,
    create_key,
    denied,
)
from kmshelpers import expect_error, unique_alias, unique_suffix

GRANT_ID_RE = re.compile(r"^[0-9a-f]{64}$")
EVE = arn_of("eve")
ALICE = arn_of("alice")
BOB = arn_of("bob")
UNKNOWN_GRANT = "0123456789abcdef" * 4


srv, c = module_server_and_clients("authz-grants-api", "grantsapi")


@pytest.fixture
def key(c):
    return create_key(c.admin)


def _ids(grants):
    return [g["GrantId"] for g in grants]


# --------------------------------------------------------------------------- CreateGrant validation

def test_both_constraints_is_validation_error(c, key):
    expect_error(c.admin.create_grant, KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt"],
                 Constraints={"EncryptionContextEquals": {"a": "b"}, "EncryptionContextSubset": {"a": "b"}},
                 code="ValidationException")
    assert c.admin.list_grants(KeyId=key["KeyId"])["Grants"] == []


@pytest.mark.parametrize("spec,usage,bad_ops,good_ops", [
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", ["Sign"], ["Encrypt", "GenerateDataKey", "DescribeKey"]),
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", ["Encrypt", "GenerateMac"], ["ReEncryptFrom", "ReEncryptTo"]),
    ("ECC_NIST_P256", "SIGN_VERIFY", ["GenerateDataKey"], ["Sign", "Verify", "GetPublicKey"]),
    ("RSA_2048", "ENCRYPT_DECRYPT", ["GenerateDataKey"], ["Encrypt", "Decrypt"]),
    ("HMAC_256", "GENERATE_VERIFY_MAC", ["Encrypt"], ["GenerateMac", "VerifyMac"]),
])
def test_operations_must_fit_the_key(c, spec, usage, bad_ops, good_ops):
    md = create_key(c.admin, KeySpec=spec, KeyUsage=usage)
    expect_error(c.admin.create_grant, KeyId=md["KeyId"], GranteePrincipal=EVE, Operations=bad_ops,
                 code="ValidationException")
    assert c.admin.list_grants(KeyId=md["KeyId"])["Grants"] == []
    g = c.admin.create_grant(KeyId=md["KeyId"], GranteePrincipal=EVE, Operations=good_ops)
    assert GRANT_ID_RE.match(g["GrantId"])


def test_constraints_need_a_symmetric_key(c):
    md = create_key(c.admin, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    expect_error(c.admin.create_grant, KeyId=md["KeyId"], GranteePrincipal=EVE, Operations=["Sign"],
                 Constraints={"EncryptionContextSubset": {"a": "b"}}, code="ValidationException")
    assert c.admin.list_grants(KeyId=md["KeyId"])["Grants"] == []


@pytest.mark.parametrize("grantee", ["not-an-arn", "arn:aws:s3:::bucket", "alice", "arn:aws:kms:us-east-1:111122223333:key/x"])
def test_invalid_grantee_is_invalid_arn(c, key, grantee):
    expect_error(c.admin.create_grant, KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=["Encrypt"],
                 code="InvalidArnException")
    expect_error(c.admin.create_grant, KeyId=key["KeyId"], GranteePrincipal=EVE, RetiringPrincipal=grantee,
                 Operations=["Encrypt"], code="InvalidArnException")
    assert c.admin.list_grants(KeyId=key["KeyId"])["Grants"] == []


def test_create_grant_key_id_forms(c, key):
    name = unique_alias("grant")
    c.admin.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
    resp = expect_error(c.admin.create_grant, KeyId=name, GranteePrincipal=EVE, Operations=["Encrypt"],
                        code=("NotFoundException", "ValidationException", "InvalidArnException"))
    assert resp["Error"]["Message"]
    assert c.admin.list_grants(KeyId=key["KeyId"])["Grants"] == []
    g = c.admin.create_grant(KeyId=key["Arn"], GranteePrincipal=EVE, Operations=["Encrypt"])
    assert _ids(c.admin.list_grants(KeyId=key["KeyId"])["Grants"]) == [g["GrantId"]]


def test_name_makes_create_grant_idempotent(c, key):
    name = f"grant-{unique_suffix()}"
    kw = dict(KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt", "Decrypt"], Name=name,
              Constraints={"EncryptionContextSubset": {"Dept": "IT"}})
    g1 = c.admin.create_grant(**kw)
    g2 = c.admin.create_grant(**kw)
    assert g1["GrantId"] == g2["GrantId"]
    assert g1["GrantToken"] != g2["GrantToken"]
    for tok in (g1["GrantToken"], g2["GrantToken"]):
        c.eve.encrypt(KeyId=key["KeyId"], Plaintext=b"x", EncryptionContext={"Dept": "IT"}, GrantTokens=[tok])
    listed = c.admin.list_grants(KeyId=key["KeyId"])["Grants"]
    assert _ids(listed) == [g1["GrantId"]] and listed[0]["Name"] == name
    # same name, other properties: another grant
    g3 = c.admin.create_grant(**{**kw, "Operations": ["Encrypt"]})
    assert g3["GrantId"] != g1["GrantId"]
    assert sorted(_ids(c.admin.list_grants(KeyId=key["KeyId"])["Grants"])) == sorted([g1["GrantId"], g3["GrantId"]])


def test_create_grant_dry_run(c, key):
    expect_error(c.admin.create_grant, KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt"],
                 DryRun=True, code="DryRunOperationException", message=DRY_RUN_MSG)
    assert c.admin.list_grants(KeyId=key["KeyId"])["Grants"] == []
    expect_error(c.eve.create_grant, KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt"],
                 DryRun=True, code="AccessDeniedException", message=denied("eve", "CreateGrant", key["Arn"], "identity"))


# --------------------------------------------------------------------------- ListGrants

def test_list_grants_entries(c, key):
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=5)
    g1 = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt", "Decrypt"])
    g2 = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=ALICE, RetiringPrincipal=BOB,
                              Operations=["Decrypt"], Name="named-grant",
                              Constraints={"EncryptionContextEquals": {"Dept": "IT"}})
    grants = {g["GrantId"]: g for g in c.admin.list_grants(KeyId=key["KeyId"])["Grants"]}
    assert set(grants) == {g1["GrantId"], g2["GrantId"]}
    e1, e2 = grants[g1["GrantId"]], grants[g2["GrantId"]]
    for e in (e1, e2):
        assert e["KeyId"] == key["Arn"]
        assert e["IssuingAccount"] == ROOT_A
        assert before <= e["CreationDate"] <= dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
        assert "GrantToken" not in e
    assert e1["Name"] == "" and e1["GranteePrincipal"] == EVE
    assert sorted(e1["Operations"]) == ["Decrypt", "Encrypt"]
    assert "RetiringPrincipal" not in e1 and "Constraints" not in e1
    assert e2["Name"] == "named-grant" and e2["GranteePrincipal"] == ALICE and e2["RetiringPrincipal"] == BOB
    assert e2["Operations"] == ["Decrypt"]
    assert e2["Constraints"] == {"EncryptionContextEquals": {"Dept": "IT"}}
    # by ARN, in any key state
    c.admin.disable_key(KeyId=key["KeyId"])
    assert len(c.admin.list_grants(KeyId=key["Arn"])["Grants"]) == 2


def test_list_grants_filters(c, key):
    g_eve = [c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt"])["GrantId"]
             for _ in range(2)]
    g_alice = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=ALICE, Operations=["Encrypt"])["GrantId"]
    assert sorted(_ids(c.admin.list_grants(KeyId=key["KeyId"], GranteePrincipal=EVE)["Grants"])) == sorted(g_eve)
    assert _ids(c.admin.list_grants(KeyId=key["KeyId"], GranteePrincipal=ALICE)["Grants"]) == [g_alice]
    assert c.admin.list_grants(KeyId=key["KeyId"], GranteePrincipal=BOB)["Grants"] == []
    assert _ids(c.admin.list_grants(KeyId=key["KeyId"], GrantId=g_eve[1])["Grants"]) == [g_eve[1]]
    assert c.admin.list_grants(KeyId=key["KeyId"], GrantId=UNKNOWN_GRANT)["Grants"] == []
    # grants of another key are not listed
    other = create_key(c.admin)
    assert c.admin.list_grants(KeyId=other["KeyId"])["Grants"] == []
    assert c.admin.list_grants(KeyId=other["KeyId"], GrantId=g_alice)["Grants"] == []


def test_list_grants_pagination(c, key):
    created = [c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt"],
                                    Name=f"p{i}")["GrantId"] for i in range(5)]
    seen, marker, pages = [], None, 0
    while True:
        kw = {"Marker": marker} if marker else {}
        resp = c.admin.list_grants(KeyId=key["KeyId"], Limit=2, **kw)
        pages += 1
        assert len(resp["Grants"]) <= 2
        seen += _ids(resp["Grants"])
        if not resp["Truncated"]:
            assert "NextMarker" not in resp
            break
        assert resp["NextMarker"] and len(resp["Grants"]) == 2
        marker = resp["NextMarker"]
        assert pages < 10
    assert pages == 3
    assert sorted(seen) == sorted(created) and len(seen) == 5
    full = c.admin.list_grants(KeyId=key["KeyId"])
    assert full["Truncated"] is False and len(full["Grants"]) == 5


def test_list_grants_needs_permission(c, key):
    c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt"])
    for who in ("eve", "bob"):
        expect_error(c.get(who).list_grants, KeyId=key["KeyId"], code="AccessDeniedException",
                     message=denied(who, "ListGrants", key["Arn"], "identity"))
    assert len(c.paula.list_grants(KeyId=key["KeyId"])["Grants"]) == 1


# --------------------------------------------------------------------------- ListRetirableGrants

def test_list_retirable_grants(c, key):
    retirer = f"arn:aws:iam::{ACCT_A}:user/retirer-{unique_suffix()}"
    other_key = create_key(c.admin)
    g1 = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, RetiringPrincipal=retirer,
                              Operations=["Encrypt"])
    g2 = c.admin.create_grant(KeyId=other_key["KeyId"], GranteePrincipal=ALICE, RetiringPrincipal=retirer,
                              Operations=["Decrypt"], Name="retirable")
    c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, RetiringPrincipal=BOB, Operations=["Encrypt"])
    resp = c.admin.list_retirable_grants(RetiringPrincipal=retirer)
    entries = {g["GrantId"]: g for g in resp["Grants"]}
    assert set(entries) == {g1["GrantId"], g2["GrantId"]}
    assert entries[g1["GrantId"]]["KeyId"] == key["Arn"]
    assert entries[g2["GrantId"]]["KeyId"] == other_key["Arn"]
    assert entries[g2["GrantId"]]["Name"] == "retirable"
    assert entries[g2["GrantId"]]["RetiringPrincipal"] == retirer
    assert entries[g2["GrantId"]]["IssuingAccount"] == ROOT_A
    # pagination
    page = c.admin.list_retirable_grants(RetiringPrincipal=retirer, Limit=1)
    assert len(page["Grants"]) == 1 and page["Truncated"] is True
    rest = c.admin.list_retirable_grants(RetiringPrincipal=retirer, Limit=1, Marker=page["NextMarker"])
    assert len(rest["Grants"]) == 1 and rest["Truncated"] is False
    assert {page["Grants"][0]["GrantId"], rest["Grants"][0]["GrantId"]} == set(entries)
    assert c.admin.list_retirable_grants(
        RetiringPrincipal=f"arn:aws:iam::{ACCT_A}:user/nobody-{unique_suffix()}")["Grants"] == []


def test_list_retirable_grants_is_iam_only(c):
    expect_error(c.eve.list_retirable_grants, RetiringPrincipal=EVE, code="AccessDeniedException",
                 message=denied("eve", "ListRetirableGrants", "*", "identity"))
    assert "Grants" in c.paula.list_retirable_grants(RetiringPrincipal=EVE)


# --------------------------------------------------------------------------- RetireGrant

def _still_listed(c, key, gid):
    return gid in _ids(c.admin.list_grants(KeyId=key["KeyId"])["Grants"])


def test_retire_by_token_as_retiring_principal(c, key):
    g = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, RetiringPrincipal=BOB,
                             Operations=["Encrypt"])
    c.eve.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    c.bob.retire_grant(GrantToken=g["GrantToken"])
    assert not _still_listed(c, key, g["GrantId"])
    expect_error(c.eve.encrypt, KeyId=key["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("eve", "Encrypt", key["Arn"], "identity"))


def test_retire_by_id_as_retiring_principal(c, key):
    g = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, RetiringPrincipal=BOB,
                             Operations=["Encrypt"])
    c.bob.retire_grant(KeyId=key["Arn"], GrantId=g["GrantId"])
    assert not _still_listed(c, key, g["GrantId"])
    expect_error(c.admin.retire_grant, KeyId=key["Arn"], GrantId=g["GrantId"], code="NotFoundException")


def test_retire_by_grantee_needs_retire_grant_operation(c, key):
    g_no = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt"])
    expect_error(c.eve.retire_grant, KeyId=key["KeyId"], GrantId=g_no["GrantId"], code="AccessDeniedException")
    expect_error(c.eve.retire_grant, GrantToken=g_no["GrantToken"], code="AccessDeniedException")
    assert _still_listed(c, key, g_no["GrantId"])
    g_yes = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt", "RetireGrant"])
    c.eve.retire_grant(KeyId=key["KeyId"], GrantId=g_yes["GrantId"])
    assert not _still_listed(c, key, g_yes["GrantId"])


def test_retire_by_account_root_and_not_by_strangers(c, key):
    g = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, RetiringPrincipal=BOB,
                             Operations=["Encrypt"])
    # alice is neither grantee, retiring principal nor allowed by an identity policy
    expect_error(c.alice.retire_grant, GrantToken=g["GrantToken"], code="AccessDeniedException")
    expect_error(c.alice.retire_grant, KeyId=key["KeyId"], GrantId=g["GrantId"], code="AccessDeniedException")
    assert _still_listed(c, key, g["GrantId"])
    c.admin.retire_grant(KeyId=key["KeyId"], GrantId=g["GrantId"])
    assert not _still_listed(c, key, g["GrantId"])


def test_retire_grant_errors(c, key):
    expect_error(c.admin.retire_grant, KeyId=key["KeyId"], GrantId=UNKNOWN_GRANT, code="NotFoundException")
    expect_error(c.admin.retire_grant, KeyId=key["KeyId"], GrantId="not-a-grant-id",
                 code="InvalidGrantIdException")
    expect_error(c.admin.retire_grant, GrantToken="garbage-token", code="InvalidGrantTokenException")


def test_retire_grant_dry_run(c, key):
    g = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, RetiringPrincipal=BOB,
                             Operations=["Encrypt"])
    expect_error(c.bob.retire_grant, GrantToken=g["GrantToken"], DryRun=True, code="DryRunOperationException",
                 message=DRY_RUN_MSG)
    expect_error(c.alice.retire_grant, GrantToken=g["GrantToken"], DryRun=True, code="AccessDeniedException")
    assert _still_listed(c, key, g["GrantId"])


# --------------------------------------------------------------------------- RevokeGrant

def test_revoke_grant(c, key):
    g = c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt", "RetireGrant"])
    c.eve.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    # revoking needs kms:RevokeGrant: the grantee (even with RetireGrant) and bob have none
    for who in ("eve", "bob"):
        expect_error(c.get(who).revoke_grant, KeyId=key["KeyId"], GrantId=g["GrantId"],
                     code="AccessDeniedException", message=denied(who, "RevokeGrant", key["Arn"], "identity"))
    expect_error(c.admin.revoke_grant, KeyId=key["KeyId"], GrantId=g["GrantId"], DryRun=True,
                 code="DryRunOperationException", message=DRY_RUN_MSG)
    assert _still_listed(c, key, g["GrantId"])
    c.paula.revoke_grant(KeyId=key["Arn"], GrantId=g["GrantId"])
    assert not _still_listed(c, key, g["GrantId"])
    expect_error(c.eve.encrypt, KeyId=key["KeyId"], Plaintext=b"x", GrantTokens=[g["GrantToken"]],
                 code=("AccessDeniedException", "InvalidGrantTokenException"))
    expect_error(c.admin.revoke_grant, KeyId=key["KeyId"], GrantId=g["GrantId"], code="NotFoundException")


def test_revoke_grant_errors(c, key):
    expect_error(c.admin.revoke_grant, KeyId=key["KeyId"], GrantId=UNKNOWN_GRANT, code="NotFoundException")
    expect_error(c.admin.revoke_grant, KeyId=key["KeyId"], GrantId="xyz", code="InvalidGrantIdException")
    # a grant of another key is not found through this key
    other = create_key(c.admin)
    g = c.admin.create_grant(KeyId=other["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt"])
    expect_error(c.admin.revoke_grant, KeyId=key["KeyId"], GrantId=g["GrantId"], code="NotFoundException")
    assert _ids(c.admin.list_grants(KeyId=other["KeyId"])["Grants"]) == [g["GrantId"]]
