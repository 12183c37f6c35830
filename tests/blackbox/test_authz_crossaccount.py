"""Authorization across accounts: keys of 111122223333 used by principals of 444455556666 through key ARNs.

Cross-account use needs both the key policy (naming the foreign account or principal) and an identity policy of
the caller (dave has one for 111122223333's key ARNs; erin has none; the root of 444455556666 has the implicit one).
"""

from __future__ import annotations

import pytest

from authzhelpers import (
    module_server_and_clients,
    ACCT_A,
    ACCT_B,
    DECRYPT_DENIED,
    DRY_RUN_MSG,
    ROOT_B,
    alias_arn,
    arn_of,
    create_key,
    denied,
    key_policy,
    stmt,
    with_root,
)
from kmshelpers import expect_error, unique_alias

XACCT_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey", "kms:ReEncrypt*",
                 "kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant",
                 # not cross-account capable: listing them has no effect
                 "kms:ScheduleKeyDeletion", "kms:EnableKey", "kms:DisableKey", "kms:PutKeyPolicy",
                 "kms:GetKeyPolicy", "kms:TagResource"]


srv, c = module_server_and_clients("authz-xacct", "xacct")


@pytest.fixture(scope="module")
def shared_key(c):
    """Key of ACCT_A whose policy delegates crypto use to account ACCT_B."""
    return create_key(c.admin, with_root(stmt("Allow", {"AWS": ROOT_B}, XACCT_ACTIONS, sid="Account B")))


@pytest.fixture(scope="module")
def direct_key(c):
    """Key of ACCT_A whose policy names dave and erin (ACCT_B users) directly."""
    return create_key(c.admin, with_root(stmt("Allow", {"AWS": [arn_of("dave"), arn_of("erin")]},
                                              ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey"])))


@pytest.fixture(scope="module")
def private_key(c):
    """Key of ACCT_A with the default policy (ACCT_A only)."""
    return create_key(c.admin)


def test_cross_account_encrypt_decrypt_describe_when_both_sides_allow(c, shared_key):
    arn = shared_key["Arn"]
    md = c.dave.describe_key(KeyId=arn)["KeyMetadata"]
    assert md["AWSAccountId"] == ACCT_A and md["Arn"] == arn
    out = c.dave.encrypt(KeyId=arn, Plaintext=b"from dave", EncryptionContext={"x": "y"})
    assert out["KeyId"] == arn
    ct = out["CiphertextBlob"]
    assert c.dave.decrypt(CiphertextBlob=ct, KeyId=arn, EncryptionContext={"x": "y"})["Plaintext"] == b"from dave"
    # the owner decrypts dave's ciphertext too
    assert c.admin.decrypt(CiphertextBlob=ct, EncryptionContext={"x": "y"})["Plaintext"] == b"from dave"
    dk = c.dave.generate_data_key(KeyId=arn, KeySpec="AES_256")
    assert c.dave.decrypt(CiphertextBlob=dk["CiphertextBlob"], KeyId=arn)["Plaintext"] == dk["Plaintext"]
    # the root of ACCT_B needs no identity policy
    assert c.broot.encrypt(KeyId=arn, Plaintext=b"b")["KeyId"] == arn


def test_cross_account_by_alias_arn(c, shared_key):
    name = unique_alias("xacct")
    c.admin.create_alias(AliasName=name, TargetKeyId=shared_key["KeyId"])
    assert c.dave.describe_key(KeyId=alias_arn(name, ACCT_A))["KeyMetadata"]["Arn"] == shared_key["Arn"]
    assert c.dave.encrypt(KeyId=alias_arn(name, ACCT_A), Plaintext=b"a")["KeyId"] == shared_key["Arn"]
    # an alias name resolves in the caller's own account
    expect_error(c.dave.describe_key, KeyId=name, code="NotFoundException")


def test_key_id_resolves_in_the_callers_account(c, shared_key):
    expect_error(c.dave.describe_key, KeyId=shared_key["KeyId"], code="NotFoundException")
    expect_error(c.dave.encrypt, KeyId=shared_key["KeyId"], Plaintext=b"x", code="NotFoundException")


def test_cross_account_denied_without_identity_policy(c, shared_key, direct_key):
    arn = shared_key["Arn"]
    expect_error(c.erin.encrypt, KeyId=arn, Plaintext=b"x", code="AccessDeniedException",
                 message=denied("erin", "Encrypt", arn, "identity"))
    expect_error(c.erin.describe_key, KeyId=arn, code="AccessDeniedException",
                 message=denied("erin", "DescribeKey", arn, "identity"))
    ct = c.dave.encrypt(KeyId=arn, Plaintext=b"x")["CiphertextBlob"]
    expect_error(c.erin.decrypt, CiphertextBlob=ct, KeyId=arn, code="AccessDeniedException", message=DECRYPT_DENIED)
    # named directly in the key policy, still needs an IAM allow in her own account
    expect_error(c.erin.encrypt, KeyId=direct_key["Arn"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("erin", "Encrypt", direct_key["Arn"], "identity"))


def test_cross_account_direct_principal_with_identity_policy(c, direct_key):
    arn = direct_key["Arn"]
    ct = c.dave.encrypt(KeyId=arn, Plaintext=b"direct")["CiphertextBlob"]
    assert c.dave.decrypt(CiphertextBlob=ct, KeyId=arn)["Plaintext"] == b"direct"
    # the key policy names dave, not his account: the root of ACCT_B is not allowed
    expect_error(c.broot.encrypt, KeyId=arn, Plaintext=b"x", code="AccessDeniedException",
                 message=denied("broot", "Encrypt", arn, "resource"))
    # and dave only for the listed actions
    expect_error(c.dave.generate_data_key, KeyId=arn, KeySpec="AES_128", code="AccessDeniedException",
                 message=denied("dave", "GenerateDataKey", arn, "resource"))


def test_cross_account_denied_when_key_policy_does_not_allow(c, private_key):
    arn = private_key["Arn"]
    for who in ("dave", "broot", "erin"):
        expect_error(c.get(who).encrypt, KeyId=arn, Plaintext=b"x", code="AccessDeniedException",
                     message=denied(who, "Encrypt", arn, "resource"))
        expect_error(c.get(who).describe_key, KeyId=arn, code="AccessDeniedException",
                     message=denied(who, "DescribeKey", arn, "resource"))
    ct = c.admin.encrypt(KeyId=arn, Plaintext=b"private")["CiphertextBlob"]
    expect_error(c.dave.decrypt, CiphertextBlob=ct, KeyId=arn, code="AccessDeniedException", message=DECRYPT_DENIED)


@pytest.mark.parametrize("op,kwargs,action", [
    ("schedule_key_deletion", {"PendingWindowInDays": 7}, "ScheduleKeyDeletion"),
    ("enable_key", {}, "EnableKey"),
    ("disable_key", {}, "DisableKey"),
    ("get_key_policy", {"PolicyName": "default"}, "GetKeyPolicy"),
    ("tag_resource", {"Tags": [{"TagKey": "k", "TagValue": "v"}]}, "TagResource"),
])
def test_non_cross_account_operations_are_denied(c, shared_key, op, kwargs, action):
    arn = shared_key["Arn"]
    expect_error(getattr(c.dave, op), KeyId=arn, code="AccessDeniedException",
                 message=denied("dave", action, arn, "resource"), **kwargs)
    expect_error(getattr(c.broot, op), KeyId=arn, code="AccessDeniedException",
                 message=denied("broot", action, arn, "resource"), **kwargs)
    md = c.admin.describe_key(KeyId=arn)["KeyMetadata"]
    assert md["KeyState"] == "Enabled"
    assert c.admin.list_resource_tags(KeyId=arn)["Tags"] == []


def test_cross_account_put_key_policy_is_denied(c, shared_key):
    arn = shared_key["Arn"]
    before = c.admin.get_key_policy(KeyId=arn)["Policy"]
    new = key_policy(stmt("Allow", {"AWS": ROOT_B}, "kms:*"))
    expect_error(c.dave.put_key_policy, KeyId=arn, PolicyName="default", Policy=new,
                 BypassPolicyLockoutSafetyCheck=True, code="AccessDeniedException",
                 message=denied("dave", "PutKeyPolicy", arn, "resource"))
    assert c.admin.get_key_policy(KeyId=arn)["Policy"] == before


def test_cross_account_reencrypt(c, shared_key):
    arn = shared_key["Arn"]
    ct = c.admin.encrypt(KeyId=shared_key["KeyId"], Plaintext=b"re")["CiphertextBlob"]
    same = c.dave.re_encrypt(CiphertextBlob=ct, SourceKeyId=arn, DestinationKeyId=arn)
    assert same["KeyId"] == arn and same["SourceKeyId"] == arn
    b_key = c.broot.create_key()["KeyMetadata"]
    # dave's identity policy covers only ACCT_A's keys
    expect_error(c.dave.re_encrypt, CiphertextBlob=ct, SourceKeyId=arn, DestinationKeyId=b_key["KeyId"],
                 code="AccessDeniedException", message=denied("dave", "ReEncryptTo", b_key["Arn"], "identity"))
    moved = c.broot.re_encrypt(CiphertextBlob=ct, SourceKeyId=arn, DestinationKeyId=b_key["KeyId"])
    assert moved["KeyId"] == b_key["Arn"] and moved["SourceKeyId"] == arn
    assert c.broot.decrypt(CiphertextBlob=moved["CiphertextBlob"])["Plaintext"] == b"re"


def test_cross_account_dry_run(c, shared_key):
    arn = shared_key["Arn"]
    expect_error(c.dave.encrypt, KeyId=arn, Plaintext=b"x", DryRun=True, code="DryRunOperationException",
                 message=DRY_RUN_MSG)
    expect_error(c.erin.encrypt, KeyId=arn, Plaintext=b"x", DryRun=True, code="AccessDeniedException",
                 message=denied("erin", "Encrypt", arn, "identity"))


def test_caller_account_condition_with_star_principal(c):
    md = create_key(c.admin, with_root(stmt("Allow", {"AWS": "*"}, ["kms:Encrypt", "kms:DescribeKey"],
                                            StringEquals={"kms:CallerAccount": ACCT_B})))
    assert c.dave.encrypt(KeyId=md["Arn"], Plaintext=b"x")["KeyId"] == md["Arn"]
    assert c.broot.describe_key(KeyId=md["Arn"])["KeyMetadata"]["KeyId"] == md["KeyId"]
    expect_error(c.erin.encrypt, KeyId=md["Arn"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("erin", "Encrypt", md["Arn"], "identity"))
    # in ACCT_A the star statement's condition fails, eve falls back to delegation (no IAM)
    expect_error(c.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("eve", "Encrypt", md["Arn"], "identity"))


def test_cross_account_grants(c, shared_key):
    arn = shared_key["Arn"]
    # dave may create grants on the shared key (key policy delegates CreateGrant to ACCT_B, IAM allows it)
    g = c.dave.create_grant(KeyId=arn, GranteePrincipal=arn_of("erin"), Operations=["Encrypt"])
    listed = c.dave.list_grants(KeyId=arn, GrantId=g["GrantId"])["Grants"]
    assert [x["GrantId"] for x in listed] == [g["GrantId"]]
    # The account of the principal that created the grant (docs/authorization.md; UNCONFIRMED on AWS).
    assert listed[0]["IssuingAccount"] == ROOT_B
    assert listed[0]["KeyId"] == arn
    # the grant lets erin encrypt with the foreign key
    assert c.erin.encrypt(KeyId=arn, Plaintext=b"g", GrantTokens=[g["GrantToken"]])["KeyId"] == arn
    assert c.erin.encrypt(KeyId=arn, Plaintext=b"g")["KeyId"] == arn
    expect_error(c.erin.generate_data_key, KeyId=arn, KeySpec="AES_256", code="AccessDeniedException",
                 message=denied("erin", "GenerateDataKey", arn, "identity"))
    # erin may not create grants; dave revokes
    expect_error(c.erin.create_grant, KeyId=arn, GranteePrincipal=arn_of("erin"), Operations=["Decrypt"],
                 code="AccessDeniedException", message=denied("erin", "CreateGrant", arn, "identity"))
    c.dave.revoke_grant(KeyId=arn, GrantId=g["GrantId"])
    expect_error(c.erin.encrypt, KeyId=arn, Plaintext=b"x", code="AccessDeniedException",
                 message=denied("erin", "Encrypt", arn, "identity"))
    # grants on a key whose policy does not name ACCT_B cannot be created from ACCT_B
    private = create_key(c.admin)
    expect_error(c.dave.create_grant, KeyId=private["Arn"], GranteePrincipal=arn_of("dave"),
                 Operations=["Encrypt"], code="AccessDeniedException",
                 message=denied("dave", "CreateGrant", private["Arn"], "resource"))


def test_accounts_are_still_isolated_for_listing(c, shared_key):
    assert shared_key["KeyId"] not in {k["KeyId"] for k in c.broot.list_keys(Limit=1000)["Keys"]}
    b = c.broot.create_key()["KeyMetadata"]
    assert b["AWSAccountId"] == ACCT_B
    # ACCT_B's default key policy does not name ACCT_A
    expect_error(c.admin.describe_key, KeyId=b["Arn"], code="AccessDeniedException",
                 message=denied("admin", "DescribeKey", b["Arn"], "resource"))
