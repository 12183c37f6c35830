"""Key policy validation on PutKeyPolicy and CreateKey, and the lockout safety check (real evaluator)."""

from __future__ import annotations

import json

import pytest

from authzhelpers import (
    module_server_and_clients,
    ACCT_A,
    INVALID_PRINCIPALS,
    LOCKOUT_MSG,
    arn_of,
    create_key,
    denied,
    key_policy,
    root_stmt,
    stmt,
    with_root,
)
from kmshelpers import default_policy, expect_error, unique_region



srv, c = module_server_and_clients("authz-validation", "validation")


def _policy(client, kid):
    return client.get_key_policy(KeyId=kid, PolicyName="default")["Policy"]


def _put(client, kid, policy, **kw):
    return client.put_key_policy(KeyId=kid, PolicyName="default", Policy=policy, **kw)


def _root_doc(**extra):
    doc = {"Version": "2012-10-17", "Statement": [root_stmt()]}
    doc.update(extra)
    return doc


MALFORMED = {
    "not-json": "this is not json",
    "array": json.dumps([root_stmt()]),
    "string": json.dumps("policy"),
    "no-statement": json.dumps({"Version": "2012-10-17"}),
    "bad-effect": json.dumps({"Version": "2012-10-17", "Statement": [{**root_stmt(), "Effect": "Maybe"}]}),
    "unknown-operator": json.dumps({"Version": "2012-10-17", "Statement": [
        {**root_stmt(), "Condition": {"StringEqualz": {"kms:CallerAccount": ACCT_A}}}]}),
    "numeric-not-a-number": json.dumps({"Version": "2012-10-17", "Statement": [
        {**root_stmt(), "Condition": {"NumericLessThan": {"kms:ScheduleKeyDeletionPendingWindowInDays": "abc"}}}]}),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_policy_is_refused_and_changes_nothing(c, name):
    md = create_key(c.admin)
    expect_error(_put, c.admin, md["KeyId"], MALFORMED[name], code="MalformedPolicyDocumentException")
    expect_error(_put, c.admin, md["KeyId"], MALFORMED[name], BypassPolicyLockoutSafetyCheck=True,
                 code="MalformedPolicyDocumentException")
    assert _policy(c.admin, md["KeyId"]) == default_policy(ACCT_A)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_create_key_with_malformed_policy_creates_nothing(c, name):
    region = unique_region()
    admin = c.get("admin", region=region)
    expect_error(admin.create_key, Policy=MALFORMED[name], code="MalformedPolicyDocumentException")
    assert admin.list_keys()["Keys"] == []


@pytest.mark.parametrize("principal", [
    {"AWS": "alice"},
    {"AWS": "arn:aws:s3:::my-bucket"},
    {"AWS": "12345"},
    {"AWS": ["arn:aws:iam::111122223333:root", "not-a-principal"]},
    {"AWS": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
])
def test_invalid_principals(c, principal):
    md = create_key(c.admin)
    bad = with_root(stmt("Allow", principal, "kms:Encrypt"))
    expect_error(_put, c.admin, md["KeyId"], bad, code="MalformedPolicyDocumentException",
                 message=INVALID_PRINCIPALS)
    assert _policy(c.admin, md["KeyId"]) == default_policy(ACCT_A)
    region = unique_region()
    admin = c.get("admin", region=region)
    expect_error(admin.create_key, Policy=bad, code="MalformedPolicyDocumentException", message=INVALID_PRINCIPALS)
    assert admin.list_keys()["Keys"] == []


@pytest.mark.parametrize("principal", [
    "*",
    {"AWS": "*"},
    {"AWS": "444455556666"},
    {"AWS": "arn:aws:iam::444455556666:root"},
    {"AWS": "arn:aws:iam::111122223333:user/not/yet/created"},
    {"AWS": "arn:aws:iam::111122223333:role/some-role"},
    {"AWS": "arn:aws:sts::111122223333:assumed-role/some-role/a-session"},
])
def test_valid_principals_are_accepted_verbatim(c, principal):
    md = create_key(c.admin)
    good = with_root(stmt("Allow", principal, "kms:Encrypt"))
    _put(c.admin, md["KeyId"], good)
    assert _policy(c.admin, md["KeyId"]) == good


def test_for_all_values_on_encryption_context_is_overly_permissive(c):
    md = create_key(c.admin)
    bad = with_root(stmt("Allow", {"AWS": arn_of("alice")}, "kms:Decrypt",
                         **{"ForAllValues:StringEquals": {"kms:EncryptionContext:Dept": "IT"}}))
    resp = expect_error(_put, c.admin, md["KeyId"], bad, code="MalformedPolicyDocumentException")
    assert resp["Error"]["Message"].startswith("OverlyPermissiveCondition:EncryptionContext"), resp["Error"]
    assert _policy(c.admin, md["KeyId"]) == default_policy(ACCT_A)
    # ForAllValues on kms:EncryptionContextKeys is fine
    ok = with_root(stmt("Allow", {"AWS": arn_of("alice")}, "kms:Decrypt",
                        **{"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["Dept"]}}))
    _put(c.admin, md["KeyId"], ok)
    assert _policy(c.admin, md["KeyId"]) == ok


def _padded(size):
    doc = json.loads(with_root())
    doc["Statement"][0]["Sid"] = ""
    pad = size - len(json.dumps(doc))
    doc["Statement"][0]["Sid"] = "S" * pad
    text = json.dumps(doc)
    assert len(text.encode()) == size
    return text


def test_policy_size_limit(c):
    md = create_key(c.admin)
    expect_error(_put, c.admin, md["KeyId"], _padded(32769), code="LimitExceededException")
    assert _policy(c.admin, md["KeyId"]) == default_policy(ACCT_A)
    _put(c.admin, md["KeyId"], _padded(32768))
    assert _policy(c.admin, md["KeyId"]) == _padded(32768)


# --------------------------------------------------------------------------- lockout

def test_lockout_check_for_the_account_root(c):
    md = create_key(c.admin)
    locked = key_policy(stmt("Allow", {"AWS": arn_of("alice")}, "kms:*"))
    expect_error(_put, c.admin, md["KeyId"], locked, code="MalformedPolicyDocumentException", message=LOCKOUT_MSG)
    # delegating only some actions to the account is not enough either
    narrow = key_policy(root_stmt(actions=["kms:Encrypt", "kms:Decrypt", "kms:GetKeyPolicy"]))
    expect_error(_put, c.admin, md["KeyId"], narrow, code="MalformedPolicyDocumentException", message=LOCKOUT_MSG)
    # an explicit deny of PutKeyPolicy for everyone
    denying = with_root(stmt("Deny", "*", "kms:PutKeyPolicy"))
    expect_error(_put, c.admin, md["KeyId"], denying, code="MalformedPolicyDocumentException", message=LOCKOUT_MSG)
    assert _policy(c.admin, md["KeyId"]) == default_policy(ACCT_A)
    # allowed when the policy keeps PutKeyPolicy for the account, or with the bypass flag
    keep = key_policy(root_stmt(actions=["kms:PutKeyPolicy", "kms:GetKeyPolicy"]))
    _put(c.admin, md["KeyId"], keep)
    assert _policy(c.admin, md["KeyId"]) == keep
    _put(c.admin, md["KeyId"], locked, BypassPolicyLockoutSafetyCheck=True)
    # now really locked out
    expect_error(c.admin.get_key_policy, KeyId=md["KeyId"], PolicyName="default", code="AccessDeniedException",
                 message=denied("admin", "GetKeyPolicy", md["Arn"], "resource"))
    assert _policy(c.alice, md["KeyId"]) == locked


def test_lockout_check_uses_identity_policies(c):
    md = create_key(c.admin)
    # paula has kms:* in IAM: delegation to the account keeps her able to update the policy
    alice_and_root = with_root(stmt("Allow", {"AWS": arn_of("alice")}, "kms:Encrypt"))
    _put(c.paula, md["KeyId"], alice_and_root)
    assert _policy(c.paula, md["KeyId"]) == alice_and_root
    # a policy naming only paula directly is fine for her
    paula_only = key_policy(stmt("Allow", {"AWS": arn_of("paula")}, "kms:*"))
    _put(c.paula, md["KeyId"], paula_only)
    assert _policy(c.paula, md["KeyId"]) == paula_only
    _put(c.paula, md["KeyId"], with_root(stmt("Allow", {"AWS": arn_of("paula")}, "kms:*")))
    # delegation only, but a deny for paula: her own update is refused
    denying_paula = with_root(stmt("Deny", {"AWS": arn_of("paula")}, "kms:PutKeyPolicy"))
    expect_error(_put, c.paula, md["KeyId"], denying_paula, code="MalformedPolicyDocumentException",
                 message=LOCKOUT_MSG)
    # carol (IAM kms:*) would be locked out of a policy that names only alice
    md2 = create_key(c.admin)
    expect_error(_put, c.carol, md2["KeyId"], key_policy(stmt("Allow", {"AWS": arn_of("alice")}, "kms:*")),
                 code="MalformedPolicyDocumentException", message=LOCKOUT_MSG)
    assert _policy(c.admin, md2["KeyId"]) == default_policy(ACCT_A)


def test_lockout_check_for_a_directly_named_user(c):
    md = create_key(c.admin, with_root(stmt("Allow", {"AWS": arn_of("alice")}, ["kms:PutKeyPolicy",
                                                                              "kms:GetKeyPolicy"])))
    before = _policy(c.alice, md["KeyId"])
    # alice has no identity policy: keeping only the account statement would lock her out
    expect_error(_put, c.alice, md["KeyId"], with_root(), code="MalformedPolicyDocumentException",
                 message=LOCKOUT_MSG)
    assert _policy(c.alice, md["KeyId"]) == before
    new = with_root(stmt("Allow", {"AWS": arn_of("alice")}, "kms:PutKeyPolicy"))
    _put(c.alice, md["KeyId"], new)
    assert _policy(c.admin, md["KeyId"]) == new


def test_create_key_lockout_check(c):
    region = unique_region()
    paula = c.get("paula", region=region)
    locked = key_policy(stmt("Allow", {"AWS": arn_of("alice")}, "kms:*"))
    expect_error(paula.create_key, Policy=locked, code="MalformedPolicyDocumentException", message=LOCKOUT_MSG)
    assert paula.list_keys()["Keys"] == []
    md = paula.create_key(Policy=locked, BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]
    assert [k["KeyId"] for k in paula.list_keys()["Keys"]] == [md["KeyId"]]
    assert _policy(c.get("alice", region=region), md["KeyId"]) == locked
    ok = with_root()
    md2 = paula.create_key(Policy=ok)["KeyMetadata"]
    assert _policy(paula, md2["KeyId"]) == ok


def test_put_key_policy_needs_permission(c):
    md = create_key(c.admin)
    expect_error(_put, c.eve, md["KeyId"], with_root(), code="AccessDeniedException",
                 message=denied("eve", "PutKeyPolicy", md["Arn"], "identity"))
    expect_error(_put, c.bob, md["KeyId"], with_root(), BypassPolicyLockoutSafetyCheck=True,
                 code="AccessDeniedException", message=denied("bob", "PutKeyPolicy", md["Arn"], "identity"))
    assert _policy(c.admin, md["KeyId"]) == default_policy(ACCT_A)
