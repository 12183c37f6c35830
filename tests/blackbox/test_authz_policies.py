"""Authorization, same account: key policies (direct allow, delegation), identity policies, explicit denies,
conditions, aliases, ReEncrypt, IAM-only operations, DryRun (enforce mode, the default)."""

from __future__ import annotations

import uuid

import pytest

from authzhelpers import (
    module_server_and_clients,
    ACCT_A,
    DECRYPT_DENIED,
    DRY_RUN_MSG,
    ROOT_A,
    alias_arn,
    arn_of,
    create_key,
    denied,
    key_policy,
    stmt,
    with_root,
)
from kmshelpers import default_policy, expect_error, unique_alias, unique_suffix

ALICE = {"AWS": arn_of("alice")}
CAROL = {"AWS": arn_of("carol")}


srv, c = module_server_and_clients("authz-policies", "policies")


@pytest.fixture(scope="module")
def default_key(c):
    """A symmetric key created by the account root with the default key policy."""
    return create_key(c.admin, Description="default policy")


@pytest.fixture(scope="module")
def alice_key(c):
    """Default statement + alice allowed directly for some crypto operations."""
    return create_key(c.admin, with_root(
        stmt("Allow", ALICE, ["kms:Encrypt", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey"],
             sid="Alice may use the key")))


@pytest.fixture(scope="module")
def alice_only_key(c):
    """No account statement at all: only alice (crypto) and paula (kms:*) are named."""
    return create_key(c.admin, key_policy(
        stmt("Allow", ALICE, ["kms:Encrypt", "kms:DescribeKey"]),
        stmt("Allow", {"AWS": arn_of("paula")}, "kms:*")), bypass=True)


# --------------------------------------------------------------------------- basics

def test_account_root_has_full_access_with_default_policy(c):
    md = create_key(c.admin)
    assert md["AWSAccountId"] == ACCT_A
    assert c.admin.get_key_policy(KeyId=md["KeyId"])["Policy"] == default_policy(ACCT_A)
    ct = c.admin.encrypt(KeyId=md["KeyId"], Plaintext=b"root")["CiphertextBlob"]
    assert c.admin.decrypt(CiphertextBlob=ct)["Plaintext"] == b"root"
    c.admin.disable_key(KeyId=md["KeyId"])
    c.admin.enable_key(KeyId=md["KeyId"])
    c.admin.update_key_description(KeyId=md["KeyId"], Description="x")
    c.admin.tag_resource(KeyId=md["KeyId"], Tags=[{"TagKey": "a", "TagValue": "b"}])
    assert c.admin.list_resource_tags(KeyId=md["KeyId"])["Tags"] == [{"TagKey": "a", "TagValue": "b"}]


def test_key_policy_allows_user_directly(c, alice_key):
    kid = alice_key["KeyId"]
    ct = c.alice.encrypt(KeyId=kid, Plaintext=b"alice", EncryptionContext={"a": "1"})["CiphertextBlob"]
    assert c.alice.decrypt(CiphertextBlob=ct, EncryptionContext={"a": "1"})["Plaintext"] == b"alice"
    assert c.alice.describe_key(KeyId=kid)["KeyMetadata"]["Arn"] == alice_key["Arn"]
    assert len(c.alice.generate_data_key(KeyId=kid, KeySpec="AES_256")["Plaintext"]) == 32
    # not named for DisableKey; the account statement delegates, alice has no identity policy
    expect_error(c.alice.disable_key, KeyId=kid, code="AccessDeniedException",
                 message=denied("alice", "DisableKey", alice_key["Arn"], "identity"))
    assert c.admin.describe_key(KeyId=kid)["KeyMetadata"]["Enabled"] is True
    # eve is not named at all
    expect_error(c.eve.encrypt, KeyId=kid, Plaintext=b"x", code="AccessDeniedException",
                 message=denied("eve", "Encrypt", alice_key["Arn"], "identity"))


def test_user_without_identity_policy_is_denied_with_default_policy(c, default_key):
    arn = default_key["Arn"]
    expect_error(c.alice.encrypt, KeyId=default_key["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("alice", "Encrypt", arn, "identity"))
    expect_error(c.eve.describe_key, KeyId=default_key["KeyId"], code="AccessDeniedException",
                 message=denied("eve", "DescribeKey", arn, "identity"))
    expect_error(c.eve.get_key_policy, KeyId=default_key["KeyId"], code="AccessDeniedException",
                 message=denied("eve", "GetKeyPolicy", arn, "identity"))


def test_delegation_plus_identity_policy_allows(c, default_key):
    kid = default_key["KeyId"]
    ct = c.bob.encrypt(KeyId=kid, Plaintext=b"bob")["CiphertextBlob"]
    assert c.bob.decrypt(CiphertextBlob=ct)["Plaintext"] == b"bob"
    assert c.bob.describe_key(KeyId=default_key["Arn"])["KeyMetadata"]["KeyId"] == kid
    assert len(c.bob.generate_data_key(KeyId=kid, NumberOfBytes=16)["Plaintext"]) == 16
    # actions outside bob's identity policy
    expect_error(c.bob.disable_key, KeyId=kid, code="AccessDeniedException",
                 message=denied("bob", "DisableKey", default_key["Arn"], "identity"))
    expect_error(c.bob.generate_data_key_without_plaintext, KeyId=kid, KeySpec="AES_256",
                 code="AccessDeniedException",
                 message=denied("bob", "GenerateDataKeyWithoutPlaintext", default_key["Arn"], "identity"))


def test_identity_policy_alone_is_not_enough(c, alice_only_key):
    kid, arn = alice_only_key["KeyId"], alice_only_key["Arn"]
    assert c.alice.encrypt(KeyId=kid, Plaintext=b"a")["KeyId"] == arn
    # bob's IAM allows Encrypt, but the key policy neither names him nor delegates to the account
    expect_error(c.bob.encrypt, KeyId=kid, Plaintext=b"x", code="AccessDeniedException",
                 message=denied("bob", "Encrypt", arn, "resource"))
    # the account root is subject to the key policy too
    expect_error(c.admin.describe_key, KeyId=kid, code="AccessDeniedException",
                 message=denied("admin", "DescribeKey", arn, "resource"))
    expect_error(c.legacy.describe_key, KeyId=kid, code="AccessDeniedException",
                 message=denied(ROOT_A, "DescribeKey", arn, "resource"))
    # alice is named, but not for DisableKey, and nothing delegates
    expect_error(c.alice.disable_key, KeyId=kid, code="AccessDeniedException",
                 message=denied("alice", "DisableKey", arn, "resource"))
    # paula is named for kms:* directly
    c.paula.disable_key(KeyId=kid)
    c.paula.enable_key(KeyId=kid)


def test_bare_account_id_principal_delegates(c):
    md = create_key(c.admin, key_policy(stmt("Allow", {"AWS": ACCT_A}, "kms:*")))
    assert c.bob.encrypt(KeyId=md["KeyId"], Plaintext=b"b")["KeyId"] == md["Arn"]
    assert c.admin.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyId"] == md["KeyId"]
    expect_error(c.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("eve", "Encrypt", md["Arn"], "identity"))


def test_principal_star_statement_allows_everyone_in_it(c):
    md = create_key(c.admin, with_root(stmt("Allow", "*", "kms:DescribeKey"),
                                       stmt("Allow", {"AWS": "*"}, "kms:Encrypt",
                                            StringEquals={"aws:PrincipalTag/team": "payments"})))
    assert c.eve.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyId"] == md["KeyId"]
    assert c.alice.encrypt(KeyId=md["KeyId"], Plaintext=b"t")["KeyId"] == md["Arn"]  # alice's tag team=payments
    expect_error(c.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("eve", "Encrypt", md["Arn"], "identity"))


# --------------------------------------------------------------------------- explicit deny

def test_explicit_deny_in_key_policy(c):
    md = create_key(c.admin, with_root(stmt("Deny", CAROL, "kms:Encrypt", sid="No carol")))
    expect_error(c.carol.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("carol", "Encrypt", md["Arn"], "explicit-resource"))
    # carol is otherwise allowed (delegation + her kms:* identity policy), and others are unaffected
    assert c.carol.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["KeyId"] == md["KeyId"]
    assert c.paula.encrypt(KeyId=md["KeyId"], Plaintext=b"p")["KeyId"] == md["Arn"]


def test_explicit_deny_beats_direct_allow_and_applies_to_root(c):
    md = create_key(c.admin, with_root(stmt("Allow", ALICE, "kms:Encrypt"),
                                       stmt("Deny", ALICE, "kms:Encrypt"),
                                       stmt("Deny", {"AWS": "*"}, "kms:DisableKey")))
    expect_error(c.alice.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("alice", "Encrypt", md["Arn"], "explicit-resource"))
    expect_error(c.admin.disable_key, KeyId=md["KeyId"], code="AccessDeniedException",
                 message=denied("admin", "DisableKey", md["Arn"], "explicit-resource"))
    assert c.admin.describe_key(KeyId=md["KeyId"])["KeyMetadata"]["Enabled"] is True
    assert c.admin.encrypt(KeyId=md["KeyId"], Plaintext=b"ok")["KeyId"] == md["Arn"]


def test_explicit_deny_in_identity_policy(c, default_key):
    kid, arn = default_key["KeyId"], default_key["Arn"]
    expect_error(c.carol.generate_data_key, KeyId=kid, KeySpec="AES_256", code="AccessDeniedException",
                 message=denied("carol", "GenerateDataKey", arn, "explicit-identity"))
    ct = c.carol.encrypt(KeyId=kid, Plaintext=b"carol")["CiphertextBlob"]  # allowed by her kms:*
    expect_error(c.carol.decrypt, CiphertextBlob=ct, code="AccessDeniedException", message=DECRYPT_DENIED)
    expect_error(c.carol.decrypt, CiphertextBlob=ct, KeyId=kid, code="AccessDeniedException",
                 message=DECRYPT_DENIED)
    assert c.admin.decrypt(CiphertextBlob=ct)["Plaintext"] == b"carol"


def test_key_policy_deny_reported_before_identity_deny(c):
    md = create_key(c.admin, with_root(stmt("Deny", CAROL, "kms:GenerateDataKey")))
    expect_error(c.carol.generate_data_key, KeyId=md["KeyId"], KeySpec="AES_128", code="AccessDeniedException",
                 message=denied("carol", "GenerateDataKey", md["Arn"], "explicit-resource"))


# --------------------------------------------------------------------------- principals

def test_role_principal_covers_its_sessions(c):
    role_key = create_key(c.admin, with_root(
        stmt("Allow", {"AWS": f"arn:aws:iam::{ACCT_A}:role/app"}, ["kms:Encrypt", "kms:DescribeKey"])))
    assert c.sess.encrypt(KeyId=role_key["KeyId"], Plaintext=b"s")["KeyId"] == role_key["Arn"]
    expect_error(c.sess.disable_key, KeyId=role_key["KeyId"], code="AccessDeniedException",
                 message=denied("sess", "DisableKey", role_key["Arn"], "identity"))
    other_role = create_key(c.admin, with_root(
        stmt("Allow", {"AWS": f"arn:aws:iam::{ACCT_A}:role/other"}, "kms:Encrypt")))
    expect_error(c.sess.encrypt, KeyId=other_role["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("sess", "Encrypt", other_role["Arn"], "identity"))
    session_key = create_key(c.admin, key_policy(
        stmt("Allow", {"AWS": arn_of("sess")}, "kms:Encrypt")), bypass=True)
    assert c.sess.encrypt(KeyId=session_key["KeyId"], Plaintext=b"s")["KeyId"] == session_key["Arn"]


def test_legacy_identity_is_the_account_root(c, default_key):
    md = c.legacy.create_key()["KeyMetadata"]
    assert md["AWSAccountId"] == ACCT_A
    assert c.legacy.get_key_policy(KeyId=md["KeyId"])["Policy"] == default_policy(ACCT_A)
    ct = c.legacy.encrypt(KeyId=default_key["KeyId"], Plaintext=b"l")["CiphertextBlob"]
    assert c.admin.decrypt(CiphertextBlob=ct)["Plaintext"] == b"l"
    assert md["KeyId"] in {k["KeyId"] for k in c.legacy.list_keys(Limit=1000)["Keys"]}


# --------------------------------------------------------------------------- ordering

def test_unknown_key_is_not_found_before_authorization(c):
    kid = str(uuid.uuid4())
    expect_error(c.eve.describe_key, KeyId=kid, code="NotFoundException")
    expect_error(c.eve.encrypt, KeyId=kid, Plaintext=b"x", code="NotFoundException")
    expect_error(c.eve.disable_key, KeyId=f"arn:aws:kms:us-east-1:{ACCT_A}:key/{kid}", code="NotFoundException")
    expect_error(c.eve.describe_key, KeyId=unique_alias("nope"), code="NotFoundException")


def test_authorization_comes_before_key_state(c):
    md = create_key(c.admin)
    c.admin.disable_key(KeyId=md["KeyId"])
    expect_error(c.eve.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("eve", "Encrypt", md["Arn"], "identity"))
    expect_error(c.admin.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="DisabledException")
    c.admin.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    expect_error(c.eve.enable_key, KeyId=md["KeyId"], code="AccessDeniedException",
                 message=denied("eve", "EnableKey", md["Arn"], "identity"))
    expect_error(c.admin.enable_key, KeyId=md["KeyId"], code="KMSInvalidStateException")


# --------------------------------------------------------------------------- conditions

def test_encryption_context_condition_on_decrypt(c):
    md = create_key(c.admin, with_root(
        stmt("Allow", ALICE, "kms:Encrypt"),
        stmt("Allow", ALICE, "kms:Decrypt", StringEquals={"kms:EncryptionContext:AppName": "ExampleApp"})))
    kid = md["KeyId"]

    def roundtrip(ctx):
        kw = {"EncryptionContext": ctx} if ctx is not None else {}
        ct = c.alice.encrypt(KeyId=kid, Plaintext=b"ctx", **kw)["CiphertextBlob"]
        return lambda: c.alice.decrypt(CiphertextBlob=ct, **kw)

    # the context key is case-insensitive
    assert roundtrip({"appname": "ExampleApp"})()["Plaintext"] == b"ctx"
    assert roundtrip({"AppName": "ExampleApp", "Other": "x"})()["Plaintext"] == b"ctx"
    # the value is case-sensitive
    expect_error(roundtrip({"AppName": "exampleapp"}), code="AccessDeniedException", message=DECRYPT_DENIED)
    expect_error(roundtrip(None), code="AccessDeniedException", message=DECRYPT_DENIED)
    expect_error(roundtrip({"App": "ExampleApp"}), code="AccessDeniedException", message=DECRYPT_DENIED)


def test_encryption_context_condition_in_identity_policy(c, default_key):
    kid, arn = default_key["KeyId"], default_key["Arn"]
    assert c.frank.encrypt(KeyId=kid, Plaintext=b"f", EncryptionContext={"appname": "ExampleApp"})["KeyId"] == arn
    expect_error(c.frank.encrypt, KeyId=kid, Plaintext=b"f", EncryptionContext={"AppName": "exampleapp"},
                 code="AccessDeniedException", message=denied("frank", "Encrypt", arn, "identity"))
    expect_error(c.frank.encrypt, KeyId=kid, Plaintext=b"f", code="AccessDeniedException",
                 message=denied("frank", "Encrypt", arn, "identity"))


def test_encryption_context_keys_set_operators(c):
    any_key = create_key(c.admin, with_root(stmt(
        "Allow", ALICE, "kms:Encrypt",
        **{"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": ["AppName"]}})))
    all_key = create_key(c.admin, with_root(stmt(
        "Allow", ALICE, "kms:Encrypt",
        **{"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["AppName"]}})))
    # ForAnyValue on an empty set is false
    expect_error(c.alice.encrypt, KeyId=any_key["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("alice", "Encrypt", any_key["Arn"], "identity"))
    c.alice.encrypt(KeyId=any_key["KeyId"], Plaintext=b"x", EncryptionContext={"AppName": "a", "b": "c"})
    # ForAllValues on an empty set is true
    c.alice.encrypt(KeyId=all_key["KeyId"], Plaintext=b"x")
    c.alice.encrypt(KeyId=all_key["KeyId"], Plaintext=b"x", EncryptionContext={"AppName": "a"})
    expect_error(c.alice.encrypt, KeyId=all_key["KeyId"], Plaintext=b"x",
                 EncryptionContext={"AppName": "a", "b": "c"}, code="AccessDeniedException",
                 message=denied("alice", "Encrypt", all_key["Arn"], "identity"))


def test_request_alias_condition(c):
    name = unique_alias("reqalias")
    md = create_key(c.admin, with_root(stmt("Allow", ALICE, "kms:Encrypt",
                                            StringEquals={"kms:RequestAlias": name})))
    c.admin.create_alias(AliasName=name, TargetKeyId=md["KeyId"])
    other = unique_alias("reqalias-other")
    c.admin.create_alias(AliasName=other, TargetKeyId=md["KeyId"])
    assert c.alice.encrypt(KeyId=name, Plaintext=b"a")["KeyId"] == md["Arn"]
    assert c.alice.encrypt(KeyId=alias_arn(name), Plaintext=b"a")["KeyId"] == md["Arn"]
    for kid in (md["KeyId"], md["Arn"], other):
        expect_error(c.alice.encrypt, KeyId=kid, Plaintext=b"a", code="AccessDeniedException",
                     message=denied("alice", "Encrypt", md["Arn"], "identity"))


def test_encryption_algorithm_condition_uses_the_default(c):
    sym = create_key(c.admin, with_root(stmt("Allow", ALICE, "kms:Encrypt",
                                             StringEquals={"kms:EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})))
    c.alice.encrypt(KeyId=sym["KeyId"], Plaintext=b"x")  # the default algorithm is in the context
    c.alice.encrypt(KeyId=sym["KeyId"], Plaintext=b"x", EncryptionAlgorithm="SYMMETRIC_DEFAULT")
    other = create_key(c.admin, with_root(stmt("Allow", ALICE, "kms:Encrypt",
                                               StringEquals={"kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_256"})))
    expect_error(c.alice.encrypt, KeyId=other["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("alice", "Encrypt", other["Arn"], "identity"))


# --------------------------------------------------------------------------- aliases

def test_alias_operations_need_alias_and_key_permission(c, default_key, alice_only_key):
    good = f"alias/bob-{unique_suffix()}"
    c.bob.create_alias(AliasName=good, TargetKeyId=default_key["KeyId"])
    assert c.admin.describe_key(KeyId=good)["KeyMetadata"]["KeyId"] == default_key["KeyId"]
    # alias outside bob's identity policy
    bad = f"alias/other-{unique_suffix()}"
    expect_error(c.bob.create_alias, AliasName=bad, TargetKeyId=default_key["KeyId"],
                 code="AccessDeniedException", message=denied("bob", "CreateAlias", alias_arn(bad), "identity"))
    # the key's policy does not let bob (nor his account) use the target key
    good2 = f"alias/bob-{unique_suffix()}"
    expect_error(c.bob.create_alias, AliasName=good2, TargetKeyId=alice_only_key["KeyId"],
                 code="AccessDeniedException",
                 message=denied("bob", "CreateAlias", alice_only_key["Arn"], "resource"))
    names = {a["AliasName"] for a in c.admin.list_aliases(Limit=100, KeyId=default_key["KeyId"])["Aliases"]}
    assert good in names and bad not in names
    expect_error(c.admin.describe_key, KeyId=good2, code="NotFoundException")
    # eve may neither delete bob's alias nor update it; bob has no UpdateAlias
    expect_error(c.eve.delete_alias, AliasName=good, code="AccessDeniedException", match="kms:DeleteAlias")
    expect_error(c.bob.update_alias, AliasName=good, TargetKeyId=create_key(c.admin)["KeyId"],
                 code="AccessDeniedException", match="kms:UpdateAlias")
    c.bob.delete_alias(AliasName=good)
    expect_error(c.admin.describe_key, KeyId=good, code="NotFoundException")


def test_account_root_cannot_alias_a_key_that_does_not_name_it(c, alice_only_key):
    name = unique_alias("rootalias")
    expect_error(c.admin.create_alias, AliasName=name, TargetKeyId=alice_only_key["KeyId"],
                 code="AccessDeniedException",
                 message=denied("admin", "CreateAlias", alice_only_key["Arn"], "resource"))
    c.paula.create_alias(AliasName=name, TargetKeyId=alice_only_key["KeyId"])


# --------------------------------------------------------------------------- ReEncrypt

def test_reencrypt_needs_from_on_source_and_to_on_destination(c, default_key):
    src = default_key
    dst = create_key(c.admin)
    dst_bob = create_key(c.admin, with_root(stmt("Allow", {"AWS": arn_of("bob")}, "kms:ReEncryptTo")))
    ct = c.admin.encrypt(KeyId=src["KeyId"], Plaintext=b"re")["CiphertextBlob"]
    expect_error(c.bob.re_encrypt, CiphertextBlob=ct, DestinationKeyId=dst["KeyId"], code="AccessDeniedException",
                 message=denied("bob", "ReEncryptTo", dst["Arn"], "identity"))
    out = c.bob.re_encrypt(CiphertextBlob=ct, DestinationKeyId=dst_bob["KeyId"])
    assert out["KeyId"] == dst_bob["Arn"] and out["SourceKeyId"] == src["Arn"]
    assert c.admin.decrypt(CiphertextBlob=out["CiphertextBlob"])["Plaintext"] == b"re"
    # eve has neither side
    expect_error(c.eve.re_encrypt, CiphertextBlob=ct, DestinationKeyId=dst_bob["KeyId"],
                 code="AccessDeniedException")
    # carol's identity deny covers Decrypt, not ReEncryptFrom
    assert c.carol.re_encrypt(CiphertextBlob=ct, DestinationKeyId=dst["KeyId"])["KeyId"] == dst["Arn"]


# --------------------------------------------------------------------------- IAM-only operations

@pytest.mark.parametrize("who", ["eve", "alice", "bob"])
def test_iam_only_operations_denied_without_identity_policy(c, who):
    cl = c.get(who)
    expect_error(cl.create_key, code="AccessDeniedException", message=denied(who, "CreateKey", "*", "identity"))
    expect_error(cl.list_keys, code="AccessDeniedException", message=denied(who, "ListKeys", "*", "identity"))
    expect_error(cl.list_aliases, code="AccessDeniedException",
                 message=denied(who, "ListAliases", "*", "identity"))
    expect_error(cl.generate_random, NumberOfBytes=8, code="AccessDeniedException",
                 message=denied(who, "GenerateRandom", "*", "identity"))


def test_iam_only_operations_allowed_by_identity_policy_and_for_root(c):
    for who in ("admin", "paula", "carol", "legacy"):
        cl = c.get(who)
        assert len(cl.generate_random(NumberOfBytes=8)["Plaintext"]) == 8
        assert "Keys" in cl.list_keys()
        assert "Aliases" in cl.list_aliases()
    md = c.paula.create_key()["KeyMetadata"]
    assert md["AWSAccountId"] == ACCT_A


def test_create_key_key_spec_condition_uses_the_default(c):
    md = c.keymaker.create_key()["KeyMetadata"]
    assert md["KeySpec"] == "SYMMETRIC_DEFAULT" and md["AWSAccountId"] == ACCT_A
    c.keymaker.create_key(KeySpec="SYMMETRIC_DEFAULT")
    expect_error(c.keymaker.create_key, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC",
                 code="AccessDeniedException", message=denied("keymaker", "CreateKey", "*", "identity"))
    expect_error(c.keymaker.create_key, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY",
                 code="AccessDeniedException", message=denied("keymaker", "CreateKey", "*", "identity"))
    # keymaker may create a key, not use it: the default policy delegates and keymaker has no Encrypt
    expect_error(c.keymaker.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException",
                 message=denied("keymaker", "Encrypt", md["Arn"], "identity"))
    # Tags need kms:TagResource as well
    expect_error(c.keymaker.create_key, Tags=[{"TagKey": "t", "TagValue": "v"}], code="AccessDeniedException",
                 match="kms:TagResource")


# --------------------------------------------------------------------------- DryRun

def test_dry_run_symmetric(c, alice_key, default_key):
    kid = alice_key["KeyId"]
    expect_error(c.alice.encrypt, KeyId=kid, Plaintext=b"x", DryRun=True, code="DryRunOperationException",
                 message=DRY_RUN_MSG)
    expect_error(c.alice.generate_data_key, KeyId=kid, KeySpec="AES_256", DryRun=True,
                 code="DryRunOperationException", message=DRY_RUN_MSG)
    ct = c.alice.encrypt(KeyId=kid, Plaintext=b"x")["CiphertextBlob"]
    expect_error(c.alice.decrypt, CiphertextBlob=ct, DryRun=True, code="DryRunOperationException",
                 message=DRY_RUN_MSG)
    expect_error(c.eve.encrypt, KeyId=kid, Plaintext=b"x", DryRun=True, code="AccessDeniedException",
                 message=denied("eve", "Encrypt", alice_key["Arn"], "identity"))
    expect_error(c.eve.decrypt, CiphertextBlob=ct, DryRun=True, code="AccessDeniedException",
                 message=DECRYPT_DENIED)
    expect_error(c.alice.generate_data_key_without_plaintext, KeyId=kid, KeySpec="AES_256", DryRun=True,
                 code="AccessDeniedException",
                 message=denied("alice", "GenerateDataKeyWithoutPlaintext", alice_key["Arn"], "identity"))
    expect_error(c.carol.generate_data_key, KeyId=default_key["KeyId"], NumberOfBytes=8, DryRun=True,
                 code="AccessDeniedException",
                 message=denied("carol", "GenerateDataKey", default_key["Arn"], "explicit-identity"))
    # ReEncrypt: bob may ReEncryptFrom but not ReEncryptTo the default key
    ct2 = c.admin.encrypt(KeyId=default_key["KeyId"], Plaintext=b"y")["CiphertextBlob"]
    expect_error(c.paula.re_encrypt, CiphertextBlob=ct2, DestinationKeyId=kid, DryRun=True,
                 code="DryRunOperationException", message=DRY_RUN_MSG)
    expect_error(c.bob.re_encrypt, CiphertextBlob=ct2, DestinationKeyId=default_key["KeyId"], DryRun=True,
                 code="AccessDeniedException", message=denied("bob", "ReEncryptTo", default_key["Arn"], "identity"))


def test_dry_run_sign_verify_mac(c):
    sign_key = create_key(c.admin, with_root(stmt("Allow", ALICE, ["kms:Sign", "kms:Verify"])),
                          KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    mac_key = create_key(c.admin, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    kw = dict(KeyId=sign_key["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    expect_error(c.alice.sign, DryRun=True, code="DryRunOperationException", message=DRY_RUN_MSG, **kw)
    expect_error(c.eve.sign, DryRun=True, code="AccessDeniedException",
                 message=denied("eve", "Sign", sign_key["Arn"], "identity"), **kw)
    sig = c.alice.sign(**kw)["Signature"]
    expect_error(c.alice.verify, Signature=sig, DryRun=True, code="DryRunOperationException",
                 message=DRY_RUN_MSG, **kw)
    expect_error(c.eve.verify, Signature=sig, DryRun=True, code="AccessDeniedException",
                 message=denied("eve", "Verify", sign_key["Arn"], "identity"), **kw)
    mkw = dict(KeyId=mac_key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")
    expect_error(c.paula.generate_mac, DryRun=True, code="DryRunOperationException", message=DRY_RUN_MSG, **mkw)
    expect_error(c.eve.generate_mac, DryRun=True, code="AccessDeniedException",
                 message=denied("eve", "GenerateMac", mac_key["Arn"], "identity"), **mkw)
    mac = c.paula.generate_mac(**mkw)["Mac"]
    expect_error(c.paula.verify_mac, Mac=mac, DryRun=True, code="DryRunOperationException",
                 message=DRY_RUN_MSG, **mkw)
    expect_error(c.alice.verify_mac, Mac=mac, DryRun=True, code="AccessDeniedException",
                 message=denied("alice", "VerifyMac", mac_key["Arn"], "identity"), **mkw)


def test_dry_run_key_agreement_and_data_key_pairs(c, alice_key):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    ka_key = create_key(c.admin, with_root(stmt("Allow", ALICE, "kms:DeriveSharedSecret")),
                        KeySpec="ECC_NIST_P256", KeyUsage="KEY_AGREEMENT")
    peer = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    kw = dict(KeyId=ka_key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=peer)
    expect_error(c.alice.derive_shared_secret, DryRun=True, code="DryRunOperationException", message=DRY_RUN_MSG,
                 **kw)
    assert len(c.alice.derive_shared_secret(**kw)["SharedSecret"]) == 32
    expect_error(c.eve.derive_shared_secret, DryRun=True, code="AccessDeniedException",
                 message=denied("eve", "DeriveSharedSecret", ka_key["Arn"], "identity"), **kw)
    # alice is named for GenerateDataKey only, not GenerateDataKeyPair
    expect_error(c.paula.generate_data_key_pair, KeyId=alice_key["KeyId"], KeyPairSpec="ECC_NIST_P256",
                 DryRun=True, code="DryRunOperationException", message=DRY_RUN_MSG)
    expect_error(c.alice.generate_data_key_pair, KeyId=alice_key["KeyId"], KeyPairSpec="ECC_NIST_P256",
                 DryRun=True, code="AccessDeniedException",
                 message=denied("alice", "GenerateDataKeyPair", alice_key["Arn"], "identity"))
