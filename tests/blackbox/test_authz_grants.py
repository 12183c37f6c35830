"""Grants as an allow source: constraints, tokens, grantee matching, explicit denies, child grants.

Keys are created by the root of 111122223333 with the default key policy (delegation to the account), so eve,
alice (no identity policies) can use them only through grants.
"""

from __future__ import annotations

import base64
import re

import pytest

from authzhelpers import (
    module_server_and_clients,
    ACCT_A,
    DECRYPT_DENIED,
    ROOT_A,
    ROOT_B,
    arn_of,
    create_key,
    denied,
    stmt,
    tamper_token,
    with_root,
)
from kmshelpers import expect_error

GRANT_ID_RE = re.compile(r"^[0-9a-f]{64}$")
EVE = arn_of("eve")
ALICE = arn_of("alice")


srv, c = module_server_and_clients("authz-grants", "grants")


@pytest.fixture
def key(c):
    return create_key(c.admin, Description="grant target")


def _grant(c, key, grantee=EVE, ops=("Encrypt", "Decrypt"), **kw):
    return c.admin.create_grant(KeyId=key["KeyId"], GranteePrincipal=grantee, Operations=list(ops), **kw)


def test_create_grant_output_shape(c, key):
    g = _grant(c, key)
    assert GRANT_ID_RE.match(g["GrantId"]), g["GrantId"]
    tok = g["GrantToken"]
    assert 1 <= len(tok) <= 8192
    base64.b64decode(tok + "=" * (-len(tok) % 4), altchars=b"-_" if ("-" in tok or "_" in tok) else None)
    # by key ARN as well
    g2 = c.admin.create_grant(KeyId=key["Arn"], GranteePrincipal=EVE, Operations=["Encrypt"])
    assert GRANT_ID_RE.match(g2["GrantId"]) and g2["GrantId"] != g["GrantId"]


def test_grant_allows_immediately_with_or_without_token(c, key):
    kid, arn = key["KeyId"], key["Arn"]
    expect_error(c.eve.encrypt, KeyId=kid, Plaintext=b"x", code="AccessDeniedException",
                 message=denied("eve", "Encrypt", arn, "identity"))
    g = _grant(c, key)
    ct = c.eve.encrypt(KeyId=kid, Plaintext=b"granted", GrantTokens=[g["GrantToken"]])["CiphertextBlob"]
    assert c.eve.decrypt(CiphertextBlob=ct, GrantTokens=[g["GrantToken"]])["Plaintext"] == b"granted"
    ct2 = c.eve.encrypt(KeyId=kid, Plaintext=b"no token")["CiphertextBlob"]
    assert c.eve.decrypt(CiphertextBlob=ct2)["Plaintext"] == b"no token"
    # only the granted operations
    expect_error(c.eve.generate_data_key, KeyId=kid, KeySpec="AES_256", code="AccessDeniedException",
                 message=denied("eve", "GenerateDataKey", arn, "identity"))
    expect_error(c.eve.describe_key, KeyId=kid, code="AccessDeniedException",
                 message=denied("eve", "DescribeKey", arn, "identity"))


def test_garbled_and_tampered_grant_tokens(c, key):
    g = _grant(c, key)
    for bad in ("not-a-grant-token", "AAAA" * 20, tamper_token(g["GrantToken"])):
        expect_error(c.eve.encrypt, KeyId=key["KeyId"], Plaintext=b"x", GrantTokens=[bad],
                     code="InvalidGrantTokenException")
    # a valid token next to another valid one is fine
    g2 = _grant(c, key, ops=["GenerateDataKey"])
    c.eve.generate_data_key(KeyId=key["KeyId"], KeySpec="AES_128", GrantTokens=[g["GrantToken"], g2["GrantToken"]])


def test_grant_token_of_another_key_does_not_authorize(c, key):
    other = create_key(c.admin)
    g_other = _grant(c, other, ops=["Encrypt"])
    resp = expect_error(c.eve.encrypt, KeyId=key["KeyId"], Plaintext=b"x", GrantTokens=[g_other["GrantToken"]],
                        code=("AccessDeniedException", "InvalidGrantTokenException"))
    assert resp["Error"]["Code"]


def test_subset_constraint(c, key):
    kid, arn = key["KeyId"], key["Arn"]
    _grant(c, key, Constraints={"EncryptionContextSubset": {"Dept": "IT"}})
    for ctx in ({"Dept": "IT"}, {"Dept": "IT", "Purpose": "Test"}, {"dept": "IT"}, {"DEPT": "IT", "x": "y"}):
        ct = c.eve.encrypt(KeyId=kid, Plaintext=b"s", EncryptionContext=ctx)["CiphertextBlob"]
        assert c.eve.decrypt(CiphertextBlob=ct, EncryptionContext=ctx)["Plaintext"] == b"s"
    for ctx in ({"Dept": "it"}, {"Purpose": "Test"}, None):
        kw = {"EncryptionContext": ctx} if ctx else {}
        expect_error(c.eve.encrypt, KeyId=kid, Plaintext=b"s", code="AccessDeniedException",
                     message=denied("eve", "Encrypt", arn, "identity"), **kw)
        ct = c.admin.encrypt(KeyId=kid, Plaintext=b"s", **kw)["CiphertextBlob"]
        expect_error(c.eve.decrypt, CiphertextBlob=ct, code="AccessDeniedException", message=DECRYPT_DENIED, **kw)


def test_equals_constraint(c, key):
    kid, arn = key["KeyId"], key["Arn"]
    g = _grant(c, key, Constraints={"EncryptionContextEquals": {"Dept": "IT", "App": "pay"}})
    for ctx in ({"Dept": "IT", "App": "pay"}, {"app": "pay", "dept": "IT"}):
        ct = c.eve.encrypt(KeyId=kid, Plaintext=b"e", EncryptionContext=ctx,
                           GrantTokens=[g["GrantToken"]])["CiphertextBlob"]
        assert c.eve.decrypt(CiphertextBlob=ct, EncryptionContext=ctx)["Plaintext"] == b"e"
    for ctx in ({"Dept": "IT"}, {"Dept": "IT", "App": "pay", "Purpose": "Test"}, {"Dept": "IT", "App": "Pay"}):
        expect_error(c.eve.encrypt, KeyId=kid, Plaintext=b"e", EncryptionContext=ctx,
                     GrantTokens=[g["GrantToken"]], code="AccessDeniedException",
                     message=denied("eve", "Encrypt", arn, "identity"))
    ct = c.admin.encrypt(KeyId=kid, Plaintext=b"e", EncryptionContext={"Dept": "IT"})["CiphertextBlob"]
    expect_error(c.eve.decrypt, CiphertextBlob=ct, EncryptionContext={"Dept": "IT"}, code="AccessDeniedException",
                 message=DECRYPT_DENIED)


def test_grantee_matched_exactly(c, key):
    _grant(c, key, grantee=EVE, ops=["Encrypt"])
    c.eve.encrypt(KeyId=key["KeyId"], Plaintext=b"x")
    expect_error(c.alice.encrypt, KeyId=key["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("alice", "Encrypt", key["Arn"], "identity"))
    # a user of the same name in another path or account is someone else
    _grant(c, key, grantee=f"arn:aws:iam::{ACCT_A}:user/other/alice", ops=["GenerateDataKey"])
    expect_error(c.alice.generate_data_key, KeyId=key["KeyId"], KeySpec="AES_128", code="AccessDeniedException",
                 message=denied("alice", "GenerateDataKey", key["Arn"], "identity"))


def test_account_root_grantee_covers_every_principal_of_the_account(c, key):
    _grant(c, key, grantee=ROOT_B, ops=["Encrypt"])
    expect_error(c.eve.encrypt, KeyId=key["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("eve", "Encrypt", key["Arn"], "identity"))
    _grant(c, key, grantee=ROOT_A, ops=["Encrypt"])
    for who in ("eve", "alice", "sess"):
        assert c.get(who).encrypt(KeyId=key["KeyId"], Plaintext=b"x")["KeyId"] == key["Arn"]


def test_role_grantee_covers_its_sessions(c, key):
    _grant(c, key, grantee=f"arn:aws:iam::{ACCT_A}:role/other", ops=["Encrypt"])
    expect_error(c.sess.encrypt, KeyId=key["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("sess", "Encrypt", key["Arn"], "identity"))
    _grant(c, key, grantee=f"arn:aws:iam::{ACCT_A}:role/app", ops=["Encrypt"])
    assert c.sess.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["KeyId"] == key["Arn"]


def test_session_arn_grantee(c, key):
    _grant(c, key, grantee=arn_of("sess"), ops=["GenerateDataKey"])
    assert len(c.sess.generate_data_key(KeyId=key["KeyId"], NumberOfBytes=4)["Plaintext"]) == 4


def test_grant_never_overrides_identity_deny(c, key):
    # carol's identity policy denies Decrypt and GenerateDataKey explicitly
    _grant(c, key, grantee=arn_of("carol"), ops=["Decrypt", "GenerateDataKey"])
    expect_error(c.carol.generate_data_key, KeyId=key["KeyId"], KeySpec="AES_256", code="AccessDeniedException",
                 message=denied("carol", "GenerateDataKey", key["Arn"], "explicit-identity"))
    ct = c.admin.encrypt(KeyId=key["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    expect_error(c.carol.decrypt, CiphertextBlob=ct, code="AccessDeniedException", message=DECRYPT_DENIED)


def test_grant_never_overrides_key_policy_deny(c):
    md = create_key(c.admin, with_root(stmt("Deny", {"AWS": EVE}, "kms:Encrypt")))
    g = _grant(c, md, ops=["Encrypt", "GenerateDataKey"])
    expect_error(c.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"x", GrantTokens=[g["GrantToken"]],
                 code="AccessDeniedException", message=denied("eve", "Encrypt", md["Arn"], "explicit-resource"))
    c.eve.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_256")


def test_grant_on_asymmetric_key(c):
    md = create_key(c.admin, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    kw = dict(KeyId=md["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    expect_error(c.eve.sign, code="AccessDeniedException", message=denied("eve", "Sign", md["Arn"], "identity"), **kw)
    c.admin.create_grant(KeyId=md["KeyId"], GranteePrincipal=EVE, Operations=["Sign", "GetPublicKey"])
    sig = c.eve.sign(**kw)["Signature"]
    assert c.eve.get_public_key(KeyId=md["KeyId"])["KeyId"] == md["Arn"]
    expect_error(c.eve.verify, Signature=sig, code="AccessDeniedException",
                 message=denied("eve", "Verify", md["Arn"], "identity"), **kw)


def test_grant_for_reencrypt(c, key):
    dst = create_key(c.admin)
    ct = c.admin.encrypt(KeyId=key["KeyId"], Plaintext=b"r")["CiphertextBlob"]
    _grant(c, key, ops=["ReEncryptFrom"])
    expect_error(c.eve.re_encrypt, CiphertextBlob=ct, DestinationKeyId=dst["KeyId"], code="AccessDeniedException",
                 message=denied("eve", "ReEncryptTo", dst["Arn"], "identity"))
    _grant(c, dst, ops=["ReEncryptTo"])
    out = c.eve.re_encrypt(CiphertextBlob=ct, DestinationKeyId=dst["KeyId"])
    assert c.admin.decrypt(CiphertextBlob=out["CiphertextBlob"])["Plaintext"] == b"r"


# --------------------------------------------------------------------------- child grants

def test_child_grants_are_at_most_as_permissive_as_the_parent(c, key):
    kid, arn = key["KeyId"], key["Arn"]
    parent = _grant(c, key, ops=["Encrypt", "Decrypt", "CreateGrant"],
                    Constraints={"EncryptionContextSubset": {"Dept": "IT"}})
    tok = [parent["GrantToken"]]

    def child(**kw):
        return c.eve.create_grant(KeyId=kid, GranteePrincipal=ALICE, GrantTokens=tok, **kw)

    g1 = child(Operations=["Decrypt"], Constraints={"EncryptionContextEquals": {"Dept": "IT"}})
    child(Operations=["Decrypt", "Encrypt"], Constraints={"EncryptionContextSubset": {"Dept": "IT", "Env": "prod"}})
    child(Operations=["Encrypt"], Constraints={"EncryptionContextSubset": {"dept": "IT"}})
    deny = denied("eve", "CreateGrant", arn, "identity")
    expect_error(child, Operations=["GenerateDataKey"], Constraints={"EncryptionContextSubset": {"Dept": "IT"}},
                 code="AccessDeniedException", message=deny)
    expect_error(child, Operations=["Decrypt", "DescribeKey"],
                 Constraints={"EncryptionContextSubset": {"Dept": "IT"}}, code="AccessDeniedException", message=deny)
    expect_error(child, Operations=["Decrypt"], code="AccessDeniedException", message=deny)
    expect_error(child, Operations=["Decrypt"], Constraints={"EncryptionContextSubset": {"Env": "prod"}},
                 code="AccessDeniedException", message=deny)
    expect_error(child, Operations=["Decrypt"], Constraints={"EncryptionContextSubset": {"Dept": "HR"}},
                 code="AccessDeniedException", message=deny)
    # the child grant works for alice, within its own constraint
    ct = c.admin.encrypt(KeyId=kid, Plaintext=b"child", EncryptionContext={"Dept": "IT"})["CiphertextBlob"]
    assert c.alice.decrypt(CiphertextBlob=ct, EncryptionContext={"Dept": "IT"},
                           GrantTokens=[g1["GrantToken"]])["Plaintext"] == b"child"
    ids = {g["GrantId"] for g in c.admin.list_grants(KeyId=kid)["Grants"]}
    assert g1["GrantId"] in ids and len(ids) == 4


def test_child_of_equals_parent_cannot_widen_to_subset(c, key):
    parent = _grant(c, key, ops=["Decrypt", "CreateGrant"], Constraints={"EncryptionContextEquals": {"Dept": "IT"}})
    kw = dict(KeyId=key["KeyId"], GranteePrincipal=ALICE, Operations=["Decrypt"],
              GrantTokens=[parent["GrantToken"]])
    expect_error(c.eve.create_grant, Constraints={"EncryptionContextSubset": {"Dept": "IT"}},
                 code="AccessDeniedException", message=denied("eve", "CreateGrant", key["Arn"], "identity"), **kw)
    expect_error(c.eve.create_grant, Constraints={"EncryptionContextEquals": {"Dept": "IT", "Env": "x"}},
                 code="AccessDeniedException", message=denied("eve", "CreateGrant", key["Arn"], "identity"), **kw)
    c.eve.create_grant(Constraints={"EncryptionContextEquals": {"Dept": "IT"}}, **kw)


def test_policy_derived_create_grant_has_no_such_limit(c, key):
    # bob: delegation + identity policy with kms:CreateGrant (but not GenerateDataKeyWithoutPlaintext)
    g = c.bob.create_grant(KeyId=key["KeyId"], GranteePrincipal=ALICE,
                           Operations=["GenerateDataKeyWithoutPlaintext", "Decrypt"])
    assert GRANT_ID_RE.match(g["GrantId"])
    assert "CiphertextBlob" in c.alice.generate_data_key_without_plaintext(KeyId=key["KeyId"], KeySpec="AES_256")
    # eve, without any CreateGrant permission
    expect_error(c.eve.create_grant, KeyId=key["KeyId"], GranteePrincipal=EVE, Operations=["Encrypt"],
                 code="AccessDeniedException", message=denied("eve", "CreateGrant", key["Arn"], "identity"))
