"""GetKeyLastUsage: the last successful cryptographic use of a key.

Sources (cited per test):
  [W2 3.4]  shared/spec/authorization-and-wave2.md §3.4 (input: key ID or key ARN, no aliases; output KeyId,
            KeyLastUsage {Operation, Timestamp, CloudTrailEventId, KmsRequestId}, TrackingStartDate, KeyCreationDate;
            the 12 counted operations, successful only; ReEncrypt recorded on both keys; no KMSInvalidStateException ⇒
            every key state; failed Verify and DryRun not recorded; write-behind implementation note)
  [MODEL]   botocore kms/2014-11-01 GetKeyLastUsage: "Alias names are not supported"; KeyLastUsage "empty" when the key
            has not been used since tracking began; TrackingStartDate = later of tracking start and key creation;
            KeyLastUsageTrackingOperation enum; errors NotFound/InvalidArn/DependencyTimeout/KMSInternal only.
  [IMP 8]   shared/spec/aws-kms-import-spec.md §8 note: GetKeyLastUsage has no KMSInvalidStateException ⇒ succeeds in
            every state.
  [COFFER]  the behaviour under test: KmsRequestId is the x-amzn-RequestId of the counted call; the usage is visible within about a second on the serving node and survives a graceful
            restart (SIGTERM flushes the write-behind); [DEV] timestamps come from the server's clock.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from clockhelpers import advance_days, between, dev_clock_server, poll, server_now, utcnow
from cryptohelpers import new_key
from importhelpers import create_external, import_material, random_symmetric
from kmshelpers import DEV_ACCOUNT, expect_error, unique_alias

OPERATIONS = ["Decrypt", "DeriveSharedSecret", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair",
              "GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", "GenerateMac", "ReEncrypt",
              "Sign", "Verify", "VerifyMac"]
SETTLE_S = 1.5  # longer than the ~1 s write-behind delay: anything recorded would be visible by then


def response_key_id(md: dict) -> str:
    """The `KeyId` GetKeyLastUsage returns: the bare key ID. [MODEL] documents GetKeyLastUsageResponse.KeyId as "The
    globally unique identifier for the KMS key." -- word for word KeyMetadata.KeyId (the key ID), whereas every response
    member that carries the ARN says "The Amazon Resource Name (key ARN) of the KMS key"."""
    return md["KeyId"]


def last_usage(kms, key_id: str) -> dict:
    resp = dict(kms.get_key_last_usage(KeyId=key_id))
    resp.pop("ResponseMetadata")
    return resp


def usage_of(resp: dict) -> dict:
    return resp.get("KeyLastUsage") or {}


def request_id(resp: dict) -> str:
    rid = resp["ResponseMetadata"]["RequestId"]
    assert rid
    return rid


def wait_for_usage(kms, key_id: str, rid: str, timeout: float = 3.0) -> dict:
    """Poll until the key's KmsRequestId is `rid` ([COFFER] visible within about 1 s; 3 s allowed)."""
    got = poll(lambda: last_usage(kms, key_id), lambda r: usage_of(r).get("KmsRequestId") == rid, timeout=timeout)
    assert usage_of(got).get("KmsRequestId") == rid, f"usage of request {rid} not visible after {timeout}s: {got}"
    return got


def assert_usage(got: dict, md: dict, operation: str, rid: str, lo: dt.datetime, hi: dt.datetime) -> None:
    """[W2 3.4]/[MODEL] the full record of one counted call made between lo and hi."""
    assert got["KeyId"] == response_key_id(md)
    u = usage_of(got)
    assert set(u) == {"Operation", "Timestamp", "CloudTrailEventId", "KmsRequestId"}, u
    assert u["Operation"] == operation
    assert u["KmsRequestId"] == rid
    assert isinstance(u["CloudTrailEventId"], str) and u["CloudTrailEventId"], u
    assert between(u["Timestamp"], lo, hi), (u["Timestamp"], lo, hi)
    assert got["TrackingStartDate"] <= u["Timestamp"] + dt.timedelta(seconds=1)


def spki(pub) -> bytes:
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


# ====================================================================== input, output shape


def test_unused_key(kms):
    """[MODEL] KeyLastUsage is empty when the key has not been used; TrackingStartDate is the later of tracking start
    and key creation (so >= KeyCreationDate, and not in the future); KeyCreationDate is the key's CreationDate;
    KeyId is the key ID (response_key_id); the key ARN is accepted as input."""
    before = utcnow()
    md = kms.create_key()["KeyMetadata"]
    for key_id in (md["KeyId"], md["Arn"]):
        got = last_usage(kms, key_id)
        assert got["KeyId"] == response_key_id(md)
        assert not got.get("KeyLastUsage"), got
        assert set(got) - {"KeyLastUsage"} == {"KeyId", "TrackingStartDate", "KeyCreationDate"}, got
        assert abs((got["KeyCreationDate"] - md["CreationDate"]).total_seconds()) < 1
        assert got["TrackingStartDate"] >= got["KeyCreationDate"]
        assert between(got["TrackingStartDate"], before, utcnow())


def test_aliases_and_unknown_keys_are_not_found(kms):
    """[MODEL] "To specify a KMS key, use its key ID or key ARN. Alias names are not supported."; [W2 3.4] aliases
    rejected; modeled errors include NotFoundException (and no ValidationException)."""
    md = kms.create_key()["KeyMetadata"]
    alias = unique_alias("usage")
    kms.create_alias(AliasName=alias, TargetKeyId=md["KeyId"])
    alias_arn = f"arn:aws:kms:us-east-1:{DEV_ACCOUNT}:{alias}"
    for key_id in (alias, alias_arn, "6f0c4f6e-0000-4000-8000-000000000000",
                   f"arn:aws:kms:us-east-1:{DEV_ACCOUNT}:key/6f0c4f6e-0000-4000-8000-000000000000"):
        expect_error(kms.get_key_last_usage, KeyId=key_id, code="NotFoundException")


# ====================================================================== the twelve counted operations


def _sym(kms):
    return new_key(kms)


def op_encrypt(kms):
    md = _sym(kms)
    return kms.encrypt(KeyId=md["KeyId"], Plaintext=b"counted"), [md]


def op_encrypt_rsa(kms):
    md = new_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    return kms.encrypt(KeyId=md["KeyId"], Plaintext=b"counted", EncryptionAlgorithm="RSAES_OAEP_SHA_256"), [md]


def op_decrypt(kms):
    md = _sym(kms)
    blob = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"counted")["CiphertextBlob"]
    return kms.decrypt(CiphertextBlob=blob), [md]


def op_decrypt_rsa(kms):
    """Ciphertext made locally with the public key (GetPublicKey is not counted), so Decrypt is the only use."""
    md = new_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    pub = serialization.load_der_public_key(kms.get_public_key(KeyId=md["KeyId"])["PublicKey"])
    blob = pub.encrypt(b"counted", padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
                                                label=None))
    resp = kms.decrypt(KeyId=md["KeyId"], CiphertextBlob=blob, EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert resp["Plaintext"] == b"counted"
    return resp, [md]


def op_generate_data_key(kms):
    md = _sym(kms)
    return kms.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_256"), [md]


def op_generate_data_key_without_plaintext(kms):
    md = _sym(kms)
    return kms.generate_data_key_without_plaintext(KeyId=md["KeyId"], NumberOfBytes=16), [md]


def op_generate_data_key_pair(kms):
    md = _sym(kms)
    return kms.generate_data_key_pair(KeyId=md["KeyId"], KeyPairSpec="ECC_NIST_P256"), [md]


def op_generate_data_key_pair_without_plaintext(kms):
    md = _sym(kms)
    return kms.generate_data_key_pair_without_plaintext(KeyId=md["KeyId"], KeyPairSpec="ECC_NIST_P256"), [md]


def op_generate_mac(kms):
    md = new_key(kms, "HMAC_256")
    return kms.generate_mac(KeyId=md["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256"), [md]


def op_verify_mac(kms):
    md = new_key(kms, "HMAC_256")
    mac = kms.generate_mac(KeyId=md["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    resp = kms.verify_mac(KeyId=md["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=mac)
    assert resp["MacValid"] is True
    return resp, [md]


def op_sign(kms):
    md = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    return kms.sign(KeyId=md["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256"), [md]


def op_verify(kms):
    md = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    sig = kms.sign(KeyId=md["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    resp = kms.verify(KeyId=md["KeyId"], Message=b"m", Signature=sig, SigningAlgorithm="ECDSA_SHA_256")
    assert resp["SignatureValid"] is True
    return resp, [md]


def op_derive_shared_secret(kms):
    md = new_key(kms, "ECC_NIST_P256", "KEY_AGREEMENT")
    peer = ec.generate_private_key(ec.SECP256R1())
    return kms.derive_shared_secret(KeyId=md["KeyId"], KeyAgreementAlgorithm="ECDH",
                                    PublicKey=spki(peer.public_key())), [md]


def op_re_encrypt(kms):
    src, dst = _sym(kms), _sym(kms)
    blob = kms.encrypt(KeyId=src["KeyId"], Plaintext=b"counted")["CiphertextBlob"]
    return kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=dst["KeyId"]), [src, dst]


def op_re_encrypt_to_rsa(kms):
    src, dst = _sym(kms), new_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    blob = kms.encrypt(KeyId=src["KeyId"], Plaintext=b"counted")["CiphertextBlob"]
    return kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=dst["KeyId"],
                          DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256"), [src, dst]


COUNTED = [
    ("Encrypt", op_encrypt),
    ("Encrypt", op_encrypt_rsa),
    ("Decrypt", op_decrypt),
    ("Decrypt", op_decrypt_rsa),
    ("GenerateDataKey", op_generate_data_key),
    ("GenerateDataKeyWithoutPlaintext", op_generate_data_key_without_plaintext),
    ("GenerateDataKeyPair", op_generate_data_key_pair),
    ("GenerateDataKeyPairWithoutPlaintext", op_generate_data_key_pair_without_plaintext),
    ("GenerateMac", op_generate_mac),
    ("VerifyMac", op_verify_mac),
    ("Sign", op_sign),
    ("Verify", op_verify),
    ("DeriveSharedSecret", op_derive_shared_secret),
    ("ReEncrypt", op_re_encrypt),
    ("ReEncrypt", op_re_encrypt_to_rsa),
]


def test_counted_table_covers_the_model_enum():
    """[MODEL] KeyLastUsageTrackingOperation has exactly these twelve values; each has a test case below."""
    import botocore.session
    model = botocore.session.get_session().get_service_model("kms")
    enum = model.shape_for("KeyLastUsageData").members["Operation"].enum
    assert sorted(enum) == sorted(OPERATIONS)
    assert sorted({name for name, _ in COUNTED}) == sorted(OPERATIONS)


@pytest.mark.parametrize("operation,run", COUNTED, ids=[f.__name__[3:] for _, f in COUNTED])
def test_counted_operation_is_recorded(kms, operation, run):
    """[W2 3.4] the twelve counted operations (successful only), each with the key type it needs; ReEncrypt is
    recorded on both the source and the destination key ([MODEL] "Usage information is recorded for both keys");
    [COFFER] KmsRequestId = the call's x-amzn-RequestId; KeyId per response_key_id."""
    lo = utcnow()
    resp, keys = run(kms)
    hi = utcnow()
    rid = request_id(resp)
    for md in keys:
        got = wait_for_usage(kms, md["KeyId"], rid)
        assert_usage(got, md, operation, rid, lo, hi)
        assert last_usage(kms, md["Arn"]) == got  # same answer by key ARN


def test_the_latest_use_wins(kms):
    """[W2 3.4] "the last successful crypto op": several uses in quick succession (the write-behind coalesces them)
    leave the last one; each use has its own request ID and CloudTrail event ID."""
    md = new_key(kms)
    first = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"1")
    got1 = wait_for_usage(kms, md["KeyId"], request_id(first))
    blob = first["CiphertextBlob"]
    kms.generate_data_key(KeyId=md["KeyId"], NumberOfBytes=32)
    kms.encrypt(KeyId=md["KeyId"], Plaintext=b"2")
    lo = utcnow()
    last = kms.decrypt(CiphertextBlob=blob)
    hi = utcnow()
    got = wait_for_usage(kms, md["KeyId"], request_id(last))
    assert_usage(got, md, "Decrypt", request_id(last), lo, hi)
    assert usage_of(got)["CloudTrailEventId"] != usage_of(got1)["CloudTrailEventId"]
    assert usage_of(got)["Timestamp"] >= usage_of(got1)["Timestamp"]
    time.sleep(SETTLE_S)
    assert last_usage(kms, md["KeyId"]) == got  # nothing older overwrites it later


# ====================================================================== what is not counted


def test_non_cryptographic_and_failed_calls_are_not_recorded_on_a_symmetric_key(kms):
    """[W2 3.4] not DescribeKey/GenerateRandom/management ops; successful operations only (a DisabledException,
    an InvalidCiphertextException, a DryRunOperationException are not successes); [MODEL] GetKeyLastUsage's
    operation enum lists no management operation."""
    md = new_key(kms)
    kid = md["KeyId"]
    kms.describe_key(KeyId=kid)
    kms.get_key_policy(KeyId=kid, PolicyName="default")
    kms.list_key_policies(KeyId=kid)
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "k", "TagValue": "v"}])
    kms.list_resource_tags(KeyId=kid)
    kms.untag_resource(KeyId=kid, TagKeys=["k"])
    kms.update_key_description(KeyId=kid, Description="not a use")
    kms.create_alias(AliasName=unique_alias("nouse"), TargetKeyId=kid)
    kms.enable_key_rotation(KeyId=kid)
    kms.get_key_rotation_status(KeyId=kid)
    kms.disable_key_rotation(KeyId=kid)
    kms.rotate_key_on_demand(KeyId=kid)
    kms.list_key_rotations(KeyId=kid)
    kms.generate_random(NumberOfBytes=16)
    grant = kms.create_grant(KeyId=kid, GranteePrincipal=f"arn:aws:iam::{DEV_ACCOUNT}:root", Operations=["Encrypt"])
    kms.list_grants(KeyId=kid)
    kms.revoke_grant(KeyId=kid, GrantId=grant["GrantId"])
    expect_error(kms.encrypt, KeyId=kid, Plaintext=b"x", DryRun=True, code="DryRunOperationException")
    expect_error(kms.generate_data_key, KeyId=kid, KeySpec="AES_256", DryRun=True, code="DryRunOperationException")
    expect_error(kms.decrypt, KeyId=kid, CiphertextBlob=os.urandom(64),
                 code=("InvalidCiphertextException", "IncorrectKeyException"))
    kms.disable_key(KeyId=kid)
    expect_error(kms.encrypt, KeyId=kid, Plaintext=b"x", code="DisabledException")
    kms.enable_key(KeyId=kid)
    time.sleep(SETTLE_S)
    got = last_usage(kms, kid)
    assert not got.get("KeyLastUsage"), got


def test_failed_verify_getpublickey_and_dry_run_are_not_recorded_on_a_signing_key(kms):
    """[W2 3.4] not GetPublicKey; "failed Verify (KMSInvalidSignatureException) and DryRun calls: not successful ⇒
    not recorded"."""
    md = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    kid = md["KeyId"]
    kms.get_public_key(KeyId=kid)
    # A well-formed ECDSA signature by another key: verification fails.
    other = ec.generate_private_key(ec.SECP256R1()).sign(b"m", ec.ECDSA(hashes.SHA256()))
    expect_error(kms.verify, KeyId=kid, Message=b"m", Signature=other, SigningAlgorithm="ECDSA_SHA_256",
                 code="KMSInvalidSignatureException")
    expect_error(kms.sign, KeyId=kid, Message=b"m", SigningAlgorithm="ECDSA_SHA_256", DryRun=True,
                 code="DryRunOperationException")
    expect_error(kms.verify, KeyId=kid, Message=b"m", Signature=other, SigningAlgorithm="ECDSA_SHA_256", DryRun=True,
                 code="DryRunOperationException")
    time.sleep(SETTLE_S)
    got = last_usage(kms, kid)
    assert not got.get("KeyLastUsage"), got


def test_failed_verify_mac_and_dry_run_are_not_recorded_on_an_hmac_key(kms):
    """[W2 3.4] successful operations only: VerifyMac with a wrong MAC (KMSInvalidMacException) and a DryRun
    GenerateMac are not recorded."""
    md = new_key(kms, "HMAC_256")
    kid = md["KeyId"]
    expect_error(kms.verify_mac, KeyId=kid, Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=os.urandom(32),
                 code="KMSInvalidMacException")
    expect_error(kms.generate_mac, KeyId=kid, Message=b"m", MacAlgorithm="HMAC_SHA_256", DryRun=True,
                 code="DryRunOperationException")
    time.sleep(SETTLE_S)
    got = last_usage(kms, kid)
    assert not got.get("KeyLastUsage"), got


def test_uncounted_calls_leave_the_last_use_alone(kms):
    """[W2 3.4] only successful counted operations update the record: after an Encrypt, DescribeKey, a DryRun, a
    failed Decrypt, GenerateRandom, management calls and a failed VerifyMac on another key leave it unchanged."""
    md = new_key(kms)
    kid = md["KeyId"]
    lo = utcnow()
    enc = kms.encrypt(KeyId=kid, Plaintext=b"the counted one")
    hi = utcnow()
    got = wait_for_usage(kms, kid, request_id(enc))
    kms.describe_key(KeyId=kid)
    kms.update_key_description(KeyId=kid, Description="d")
    kms.list_key_rotations(KeyId=kid)
    kms.generate_random(NumberOfBytes=8)
    expect_error(kms.encrypt, KeyId=kid, Plaintext=b"x", DryRun=True, code="DryRunOperationException")
    expect_error(kms.decrypt, CiphertextBlob=enc["CiphertextBlob"], DryRun=True, code="DryRunOperationException")
    expect_error(kms.decrypt, KeyId=kid, CiphertextBlob=enc["CiphertextBlob"][:-1], code="InvalidCiphertextException")
    last_usage(kms, kid)  # GetKeyLastUsage itself is not a use
    time.sleep(SETTLE_S)
    after = last_usage(kms, kid)
    assert after == got
    assert_usage(after, md, "Encrypt", request_id(enc), lo, hi)


def test_denied_calls_are_not_recorded(server_factory):
    """[W2 3.4] successful operations only: a call refused by authorization (explicit Deny in the key policy,
    AccessDeniedException — authorization-and-wave2.md §0.2/§1) is not a use."""
    srv = server_factory(name="usage-denied", config={"authorization": "enforce"}).start()
    c = srv.client()
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": f"arn:aws:iam::{DEV_ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "NoEncrypt", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Encrypt", "Resource": "*"},
    ]}
    md = c.create_key(Policy=json.dumps(policy))["KeyMetadata"]
    expect_error(c.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException")
    time.sleep(SETTLE_S)
    assert not last_usage(c, md["KeyId"]).get("KeyLastUsage")
    lo = utcnow()
    gdk = c.generate_data_key(KeyId=md["KeyId"], KeySpec="AES_128")
    hi = utcnow()
    got = wait_for_usage(c, md["KeyId"], request_id(gdk))
    expect_error(c.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="AccessDeniedException")
    time.sleep(SETTLE_S)
    after = last_usage(c, md["KeyId"])
    assert after == got
    assert_usage(after, md, "GenerateDataKey", request_id(gdk), lo, hi)


# ====================================================================== key states


def test_answers_in_every_key_state(kms):
    """[IMP 8] note / [MODEL] no KMSInvalidStateException in GetKeyLastUsage's errors ⇒ it succeeds in every state:
    Disabled, PendingDeletion, PendingImport (never imported, and after the material was deleted)."""
    md = new_key(kms)
    enc = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
    got = wait_for_usage(kms, md["KeyId"], request_id(enc))
    kms.disable_key(KeyId=md["KeyId"])
    assert last_usage(kms, md["KeyId"]) == got
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    assert last_usage(kms, md["KeyId"]) == got
    assert last_usage(kms, md["Arn"]) == got

    never = create_external(kms)
    got = last_usage(kms, never["KeyId"])
    assert got["KeyId"] == response_key_id(never) and not got.get("KeyLastUsage")

    ext = create_external(kms)
    import_material(kms, ext["KeyId"], random_symmetric())
    enc = kms.encrypt(KeyId=ext["KeyId"], Plaintext=b"x")
    got = wait_for_usage(kms, ext["KeyId"], request_id(enc))
    kms.delete_imported_key_material(KeyId=ext["KeyId"])
    assert kms.describe_key(KeyId=ext["KeyId"])["KeyMetadata"]["KeyState"] == "PendingImport"
    assert last_usage(kms, ext["KeyId"]) == got


# ====================================================================== durability and the server clock


def test_usage_survives_a_graceful_restart(server_factory):
    """[COFFER] recording is write-behind and a graceful stop (SIGTERM) flushes it: uses made just before the stop
    are there after the restart."""
    srv = server_factory(name="usage-restart").start()
    c = srv.client()
    sym = new_key(c)
    sig = new_key(c, "ECC_NIST_P256", "SIGN_VERIFY")
    lo = utcnow()
    c.encrypt(KeyId=sym["KeyId"], Plaintext=b"x")
    gdk = c.generate_data_key(KeyId=sym["KeyId"], KeySpec="AES_256")
    signed = c.sign(KeyId=sig["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    hi = utcnow()
    srv.stop()  # at once: nothing waited for the write-behind
    srv.start()
    c = srv.client()
    got = last_usage(c, sym["KeyId"])
    assert_usage(got, sym, "GenerateDataKey", request_id(gdk), lo, hi)
    got = last_usage(c, sig["KeyId"])
    assert_usage(got, sig, "Sign", request_id(signed), lo, hi)
    # And it keeps being recorded after the restart.
    ver = c.verify(KeyId=sig["KeyId"], Message=b"m", Signature=signed["Signature"], SigningAlgorithm="ECDSA_SHA_256")
    assert usage_of(wait_for_usage(c, sig["KeyId"], request_id(ver)))["Operation"] == "Verify"


def test_timestamps_follow_the_development_clock(server_factory):
    """[DEV] the server's "now" is used for every date: KeyCreationDate, TrackingStartDate (<= now) and the usage
    Timestamp are on the advanced clock; a key deleted when its window passes is NotFoundException."""
    srv = dev_clock_server(server_factory, "usage-clock")
    c = srv.client()
    advance_days(srv, 30)
    lo = server_now(srv)
    md = new_key(c)
    got = last_usage(c, md["KeyId"])
    assert between(got["KeyCreationDate"], lo, server_now(srv))
    assert got["KeyCreationDate"] > utcnow() + dt.timedelta(days=29)
    assert got["KeyCreationDate"] <= got["TrackingStartDate"] <= server_now(srv) + dt.timedelta(seconds=1)
    advance_days(srv, 3)
    lo = server_now(srv)
    enc = c.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
    hi = server_now(srv)
    got = wait_for_usage(c, md["KeyId"], request_id(enc))
    assert_usage(got, md, "Encrypt", request_id(enc), lo, hi)
    c.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    assert last_usage(c, md["KeyId"]) == got
    advance_days(srv, 7, 1)
    expect_error(c.get_key_last_usage, KeyId=md["KeyId"], code="NotFoundException")


# ====================================================================== AWS CLI


def test_cli_get_key_last_usage(kms, aws_cli):
    """The installed AWS CLI (botocore 1.43.11) knows `aws kms get-key-last-usage`; [W2 3.4] output shape;
    KeyId per response_key_id; an alias is NotFoundException ([MODEL] aliases not supported)."""
    md = new_key(kms)
    out = aws_cli("get-key-last-usage", "--key-id", md["KeyId"])
    assert out["KeyId"] == response_key_id(md)
    assert not out.get("KeyLastUsage")
    assert "TrackingStartDate" in out and "KeyCreationDate" in out
    enc = kms.encrypt(KeyId=md["KeyId"], Plaintext=b"x")
    wait_for_usage(kms, md["KeyId"], request_id(enc))
    out = aws_cli("get-key-last-usage", "--key-id", md["Arn"])
    assert out["KeyId"] == response_key_id(md)
    assert out["KeyLastUsage"]["Operation"] == "Encrypt"
    assert out["KeyLastUsage"]["KmsRequestId"] == request_id(enc)
    assert out["KeyLastUsage"]["CloudTrailEventId"]
    alias = unique_alias("cli-usage")
    kms.create_alias(AliasName=alias, TargetKeyId=md["KeyId"])
    res = aws_cli.run("get-key-last-usage", "--key-id", alias)
    assert res.returncode != 0 and "NotFoundException" in res.stderr, res.stderr
