"""Encrypt / Decrypt / ReEncrypt / GenerateDataKey(WithoutPlaintext) with symmetric keys.

Expected texts: spec sections 8 and 9.6, peers.md Appendix 1."""

from __future__ import annotations

import os
import re

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from cryptohelpers import flip, new_key, oaep, public_key, shared_key
from kmshelpers import expect_error, msg_pending_deletion, msgs_pending_import, unique_alias

HEX64 = re.compile(r"^[0-9a-f]{64}$")
DRY_RUN_MSG = "The request would have succeeded, but the DryRun option is set."
INCORRECT_KEY_MSG = "The key ID in the request does not identify a CMK that can perform this operation."


@pytest.fixture(scope="module")
def sym(kms):
    return shared_key(kms, "SYMMETRIC_DEFAULT")


@pytest.fixture(scope="module")
def sym2(kms):
    return new_key(kms)


# --------------------------------------------------------------------------- round trips

@pytest.mark.parametrize("context", [None, {"purpose": "test", "tenant": "ü-42"}])
def test_encrypt_decrypt_round_trip(kms, sym, context):
    pt = os.urandom(100)
    extra = {"EncryptionContext": context} if context else {}
    enc = kms.encrypt(KeyId=sym["KeyId"], Plaintext=pt, **extra)
    assert enc["KeyId"] == sym["Arn"]
    assert enc["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert pt not in enc["CiphertextBlob"]
    dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], **extra)
    assert dec["Plaintext"] == pt
    assert dec["KeyId"] == sym["Arn"]
    assert dec["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"


def test_encrypt_is_randomised(kms, sym):
    a = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"same")["CiphertextBlob"]
    b = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"same")["CiphertextBlob"]
    assert a != b


def test_wrong_context_fails(kms, sym):
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"x", EncryptionContext={"a": "1"})["CiphertextBlob"]
    for ctx in ({"a": "2"}, {"A": "1"}, {"a": "1", "b": "2"}, {}):
        expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=ct, EncryptionContext=ctx)
    expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=ct)
    # and a ciphertext made without context needs none
    ct0 = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=ct0, EncryptionContext={"a": "1"})


def test_context_concatenation_does_not_collide(kms, sym):
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"x", EncryptionContext={"ab": "c"})["CiphertextBlob"]
    expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=ct, EncryptionContext={"a": "bc"})
    expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=ct, EncryptionContext={"abc": ""})
    assert kms.decrypt(CiphertextBlob=ct, EncryptionContext={"ab": "c"})["Plaintext"] == b"x"


def test_context_order_does_not_matter(raw, sym):
    # JSON object member order differs on the wire; boto3 would keep dict order, so use raw HTTP.
    import base64
    import json
    pt = base64.b64encode(b"ordered").decode()
    body = '{"KeyId": "%s", "Plaintext": "%s", "EncryptionContext": {"k1": "v1", "k2": "v2", "k3": "v3"}}' % (
        sym["KeyId"], pt)
    r = raw.request("TrentService.Encrypt", body)
    assert r.status == 200, r.describe()
    ct = r.json["CiphertextBlob"]
    body2 = '{"CiphertextBlob": "%s", "EncryptionContext": {"k3": "v3", "k1": "v1", "k2": "v2"}}' % ct
    r2 = raw.request("TrentService.Decrypt", body2)
    assert r2.status == 200, r2.describe()
    assert base64.b64decode(r2.json["Plaintext"]) == b"ordered"
    assert json.loads(body2)["EncryptionContext"] == {"k1": "v1", "k2": "v2", "k3": "v3"}


def test_every_single_byte_flip_is_detected(kms, sym):
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"0123456789abcdef", EncryptionContext={"c": "d"})["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ct, EncryptionContext={"c": "d"})["Plaintext"] == b"0123456789abcdef"
    accepted = []
    wrong_code = []
    for i in range(len(ct)):
        for mask in (0x01, 0x80):
            try:
                kms.decrypt(CiphertextBlob=flip(ct, i, mask), EncryptionContext={"c": "d"})
                accepted.append((i, mask))
            except kms.exceptions.InvalidCiphertextException:
                pass
            except Exception as e:  # noqa: BLE001 - report every other outcome
                wrong_code.append((i, mask, getattr(e, "response", {}).get("Error", e)))
    assert not accepted, f"tampered ciphertexts accepted at (position, mask) {accepted}"
    assert not wrong_code, f"tampering gave other errors than InvalidCiphertextException: {wrong_code[:10]}"


def test_truncated_and_garbage_ciphertexts(kms, sym):
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"abc")["CiphertextBlob"]
    for bad in (ct[:-1], ct[:40], ct + b"\x00", b"\x01", os.urandom(200)):
        expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=bad)


def test_decrypt_with_another_key_id(kms, sym, sym2):
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"abc")["CiphertextBlob"]
    expect_error(kms.decrypt, code="IncorrectKeyException", message=INCORRECT_KEY_MSG,
                 CiphertextBlob=ct, KeyId=sym2["KeyId"])
    expect_error(kms.decrypt, code="IncorrectKeyException", CiphertextBlob=ct, KeyId=sym2["Arn"])


def test_decrypt_with_and_without_key_id(kms, sym):
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"abc")["CiphertextBlob"]
    for kid in (sym["KeyId"], sym["Arn"]):
        assert kms.decrypt(CiphertextBlob=ct, KeyId=kid)["Plaintext"] == b"abc"
    assert kms.decrypt(CiphertextBlob=ct)["Plaintext"] == b"abc"


def test_key_id_by_alias(kms):
    key = new_key(kms)
    alias = unique_alias("sym")
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    enc = kms.encrypt(KeyId=alias, Plaintext=b"via alias")
    assert enc["KeyId"] == key["Arn"]
    alias_arn = key["Arn"].split(":key/")[0] + ":" + alias
    enc2 = kms.encrypt(KeyId=alias_arn, Plaintext=b"via alias arn")
    assert enc2["KeyId"] == key["Arn"]
    assert kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], KeyId=alias)["Plaintext"] == b"via alias"
    assert kms.decrypt(CiphertextBlob=enc2["CiphertextBlob"], KeyId=alias_arn)["Plaintext"] == b"via alias arn"


def test_plaintext_size_limit(kms, kms_nv, sym):
    pt = os.urandom(4096)
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=pt)["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ct)["Plaintext"] == pt
    expect_error(kms_nv.encrypt, code="ValidationException",
                 message="1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
                         "Member must have length less than or equal to 4096",
                 KeyId=sym["KeyId"], Plaintext=os.urandom(4097))


def test_empty_plaintext_is_refused(kms_nv, sym):
    expect_error(kms_nv.encrypt, code="ValidationException", KeyId=sym["KeyId"], Plaintext=b"")


# --------------------------------------------------------------------------- ReEncrypt

def test_reencrypt_symmetric_to_symmetric(kms, sym, sym2):
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"move me", EncryptionContext={"a": "1"})["CiphertextBlob"]
    r = kms.re_encrypt(CiphertextBlob=ct, SourceEncryptionContext={"a": "1"},
                       DestinationKeyId=sym2["KeyId"], DestinationEncryptionContext={"b": "2"})
    assert r["SourceKeyId"] == sym["Arn"] and r["KeyId"] == sym2["Arn"]
    assert r["SourceEncryptionAlgorithm"] == r["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    d = kms.decrypt(CiphertextBlob=r["CiphertextBlob"], EncryptionContext={"b": "2"})
    assert d["Plaintext"] == b"move me" and d["KeyId"] == sym2["Arn"]
    expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=r["CiphertextBlob"],
                 EncryptionContext={"a": "1"})
    # wrong source context
    expect_error(kms.re_encrypt, code="InvalidCiphertextException", CiphertextBlob=ct,
                 SourceEncryptionContext={"a": "2"}, DestinationKeyId=sym2["KeyId"])
    # wrong SourceKeyId
    expect_error(kms.re_encrypt, code="IncorrectKeyException", CiphertextBlob=ct, SourceKeyId=sym2["KeyId"],
                 SourceEncryptionContext={"a": "1"}, DestinationKeyId=sym2["KeyId"])


def test_reencrypt_symmetric_to_rsa_and_back(kms, sym, sym2):
    rsa_key = shared_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"to rsa", EncryptionContext={"x": "y"})["CiphertextBlob"]
    r = kms.re_encrypt(CiphertextBlob=ct, SourceEncryptionContext={"x": "y"}, DestinationKeyId=rsa_key["KeyId"],
                       DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert r["KeyId"] == rsa_key["Arn"] and r["DestinationEncryptionAlgorithm"] == "RSAES_OAEP_SHA_256"
    assert len(r["CiphertextBlob"]) == 256
    d = kms.decrypt(CiphertextBlob=r["CiphertextBlob"], KeyId=rsa_key["KeyId"], EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    assert d["Plaintext"] == b"to rsa"

    # RSA -> symmetric, with a ciphertext made locally from the public key
    pub, _ = public_key(kms, rsa_key["KeyId"])
    local_ct = pub.encrypt(b"from rsa", oaep("RSAES_OAEP_SHA_1"))
    r2 = kms.re_encrypt(CiphertextBlob=local_ct, SourceKeyId=rsa_key["KeyId"],
                        SourceEncryptionAlgorithm="RSAES_OAEP_SHA_1", DestinationKeyId=sym2["KeyId"],
                        DestinationEncryptionContext={"z": "1"})
    assert r2["SourceKeyId"] == rsa_key["Arn"] and r2["SourceEncryptionAlgorithm"] == "RSAES_OAEP_SHA_1"
    assert r2["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert kms.decrypt(CiphertextBlob=r2["CiphertextBlob"], EncryptionContext={"z": "1"})["Plaintext"] == b"from rsa"


def test_reencrypt_key_material_ids(kms, sym, sym2):
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"m")["CiphertextBlob"]
    r = kms.re_encrypt(CiphertextBlob=ct, DestinationKeyId=sym2["KeyId"])
    src = kms.describe_key(KeyId=sym["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
    dst = kms.describe_key(KeyId=sym2["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
    assert r.get("SourceKeyMaterialId") == src
    assert r.get("DestinationKeyMaterialId") == dst


# --------------------------------------------------------------------------- key states

def test_disabled_key(kms):
    key = new_key(kms)
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"before")["CiphertextBlob"]
    kms.disable_key(KeyId=key["KeyId"])
    msg = f"{key['Arn']} is disabled."
    expect_error(kms.encrypt, code="DisabledException", message=msg, KeyId=key["KeyId"], Plaintext=b"x")
    expect_error(kms.decrypt, code="DisabledException", message=msg, CiphertextBlob=ct)
    expect_error(kms.generate_data_key, code="DisabledException", message=msg, KeyId=key["KeyId"], KeySpec="AES_256")
    expect_error(kms.generate_data_key_without_plaintext, code="DisabledException", message=msg,
                 KeyId=key["KeyId"], KeySpec="AES_256")
    other = new_key(kms)
    expect_error(kms.re_encrypt, code="DisabledException", message=msg, CiphertextBlob=ct, DestinationKeyId=other["KeyId"])
    ct_other = kms.encrypt(KeyId=other["KeyId"], Plaintext=b"o")["CiphertextBlob"]
    expect_error(kms.re_encrypt, code="DisabledException", message=msg, CiphertextBlob=ct_other,
                 DestinationKeyId=key["KeyId"])
    kms.enable_key(KeyId=key["KeyId"])
    assert kms.decrypt(CiphertextBlob=ct)["Plaintext"] == b"before"


def test_pending_deletion_key(kms):
    key = new_key(kms)
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"before")["CiphertextBlob"]
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    msg = msg_pending_deletion(key["Arn"])
    expect_error(kms.encrypt, code="KMSInvalidStateException", message=msg, KeyId=key["KeyId"], Plaintext=b"x")
    expect_error(kms.decrypt, code="KMSInvalidStateException", message=msg, CiphertextBlob=ct)
    expect_error(kms.generate_data_key, code="KMSInvalidStateException", message=msg, KeyId=key["KeyId"],
                 NumberOfBytes=16)


def test_pending_import_key(kms):
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]
    assert key["KeyState"] == "PendingImport"
    msgs = msgs_pending_import(key["Arn"])
    expect_error(kms.encrypt, code="KMSInvalidStateException", message=msgs, KeyId=key["KeyId"], Plaintext=b"x")
    expect_error(kms.generate_data_key, code="KMSInvalidStateException", message=msgs, KeyId=key["KeyId"],
                 KeySpec="AES_128")
    expect_error(kms.generate_data_key_pair, code="KMSInvalidStateException", message=msgs, KeyId=key["KeyId"],
                 KeyPairSpec="ECC_NIST_P256")


# --------------------------------------------------------------------------- DryRun / GrantTokens

def test_dry_run(kms, sym, sym2):
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"dry")["CiphertextBlob"]
    calls = [
        (kms.encrypt, dict(KeyId=sym["KeyId"], Plaintext=b"x")),
        (kms.decrypt, dict(CiphertextBlob=ct)),
        (kms.re_encrypt, dict(CiphertextBlob=ct, DestinationKeyId=sym2["KeyId"])),
        (kms.generate_data_key, dict(KeyId=sym["KeyId"], KeySpec="AES_256")),
        (kms.generate_data_key_without_plaintext, dict(KeyId=sym["KeyId"], KeySpec="AES_256")),
        (kms.generate_data_key_pair, dict(KeyId=sym["KeyId"], KeyPairSpec="ECC_NIST_P256")),
        (kms.generate_data_key_pair_without_plaintext, dict(KeyId=sym["KeyId"], KeyPairSpec="ECC_NIST_P256")),
    ]
    for fn, params in calls:
        expect_error(fn, code="DryRunOperationException", message=DRY_RUN_MSG, status=None, DryRun=True, **params)
    # DryRun=False is an ordinary call
    assert kms.decrypt(CiphertextBlob=ct, DryRun=False)["Plaintext"] == b"dry"


def test_dry_run_still_reports_real_errors(kms, sym, sym2):
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"dry", EncryptionContext={"a": "b"})["CiphertextBlob"]
    expect_error(kms.decrypt, code="IncorrectKeyException", CiphertextBlob=ct, KeyId=sym2["KeyId"], DryRun=True)
    hmac_key = shared_key(kms, "HMAC_256")
    expect_error(kms.encrypt, code="InvalidKeyUsageException", KeyId=hmac_key["KeyId"], Plaintext=b"x", DryRun=True)


def test_grant_tokens_are_checked(kms, sym):
    # Tokens Coffer issued are accepted (even by a caller that does not need them); others are refused.
    token = kms.create_grant(KeyId=sym["KeyId"], GranteePrincipal="arn:aws:iam::000000000000:user/g",
                             Operations=["Encrypt", "Decrypt", "GenerateDataKey"])["GrantToken"]
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"g", GrantTokens=[token])["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ct, GrantTokens=[token])["Plaintext"] == b"g"
    assert len(kms.generate_data_key(KeyId=sym["KeyId"], KeySpec="AES_128", GrantTokens=[token])["Plaintext"]) == 16
    for bad in (["token-1"], ["t" * 8192], [token, token[:-4] + "AAAA"]):
        expect_error(kms.encrypt, KeyId=sym["KeyId"], Plaintext=b"g", GrantTokens=bad, code="InvalidGrantTokenException")


# --------------------------------------------------------------------------- GenerateDataKey

@pytest.mark.parametrize("params,length", [
    ({"KeySpec": "AES_128"}, 16), ({"KeySpec": "AES_256"}, 32),
    ({"NumberOfBytes": 1}, 1), ({"NumberOfBytes": 1024}, 1024),
])
def test_generate_data_key_lengths(kms, sym, params, length):
    r = kms.generate_data_key(KeyId=sym["KeyId"], EncryptionContext={"dk": "1"}, **params)
    assert len(r["Plaintext"]) == length
    assert r["KeyId"] == sym["Arn"]
    d = kms.decrypt(CiphertextBlob=r["CiphertextBlob"], EncryptionContext={"dk": "1"})
    assert d["Plaintext"] == r["Plaintext"]
    expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=r["CiphertextBlob"])


def test_generate_data_key_is_random(kms, sym):
    keys = {kms.generate_data_key(KeyId=sym["KeyId"], KeySpec="AES_256")["Plaintext"] for _ in range(5)}
    assert len(keys) == 5


def test_generate_data_key_spec_xor_number_of_bytes(kms, sym):
    expect_error(kms.generate_data_key, code="ValidationException", KeyId=sym["KeyId"], KeySpec="AES_256",
                 NumberOfBytes=32)
    expect_error(kms.generate_data_key, code="ValidationException", KeyId=sym["KeyId"])
    expect_error(kms.generate_data_key_without_plaintext, code="ValidationException", KeyId=sym["KeyId"],
                 KeySpec="AES_128", NumberOfBytes=16)
    expect_error(kms.generate_data_key_without_plaintext, code="ValidationException", KeyId=sym["KeyId"])


@pytest.mark.parametrize("n", [0, 1025, -1])
def test_generate_data_key_number_of_bytes_range(kms_nv, sym, n):
    expect_error(kms_nv.generate_data_key, code="ValidationException", KeyId=sym["KeyId"], NumberOfBytes=n)


def test_generate_data_key_bad_key_spec(kms_nv, sym):
    expect_error(kms_nv.generate_data_key, code="ValidationException", KeyId=sym["KeyId"], KeySpec="AES_512")


def test_data_key_envelope_round_trip(kms, sym):
    """The usual envelope pattern: encrypt locally with the data key, keep only its ciphertext."""
    ctx = {"file": "report.pdf"}
    dk = kms.generate_data_key(KeyId=sym["KeyId"], KeySpec="AES_256", EncryptionContext=ctx)
    nonce = os.urandom(12)
    document = os.urandom(10_000)
    sealed = AESGCM(dk["Plaintext"]).encrypt(nonce, document, b"hdr")
    stored = (dk["CiphertextBlob"], nonce, sealed)
    del dk
    key = kms.decrypt(CiphertextBlob=stored[0], EncryptionContext=ctx)["Plaintext"]
    assert AESGCM(key).decrypt(stored[1], stored[2], b"hdr") == document


def test_generate_data_key_without_plaintext(kms, sym):
    r = kms.generate_data_key_without_plaintext(KeyId=sym["KeyId"], KeySpec="AES_128", EncryptionContext={"w": "p"})
    assert "Plaintext" not in r
    assert r["KeyId"] == sym["Arn"]
    d = kms.decrypt(CiphertextBlob=r["CiphertextBlob"], EncryptionContext={"w": "p"})
    assert len(d["Plaintext"]) == 16
    r2 = kms.generate_data_key_without_plaintext(KeyId=sym["KeyId"], NumberOfBytes=64)
    assert len(kms.decrypt(CiphertextBlob=r2["CiphertextBlob"])["Plaintext"]) == 64


def test_key_material_id(kms, sym):
    current = kms.describe_key(KeyId=sym["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
    assert HEX64.match(current)
    dk = kms.generate_data_key(KeyId=sym["KeyId"], KeySpec="AES_256")
    assert dk.get("KeyMaterialId") == current
    dkw = kms.generate_data_key_without_plaintext(KeyId=sym["KeyId"], KeySpec="AES_256")
    assert dkw.get("KeyMaterialId") == current
    dec = kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])
    assert dec.get("KeyMaterialId") == current
    other = kms.describe_key(KeyId=new_key(kms)["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
    assert HEX64.match(other) and other != current


# --------------------------------------------------------------------------- key usage

def test_wrong_key_usage(kms):
    hmac_key = shared_key(kms, "HMAC_256")
    sign_key = shared_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    expect_error(kms.encrypt, code="InvalidKeyUsageException",
                 message=f"{hmac_key['Arn']} key usage is GENERATE_VERIFY_MAC which is not valid for Encrypt.",
                 KeyId=hmac_key["KeyId"], Plaintext=b"x")
    expect_error(kms.encrypt, code="InvalidKeyUsageException",
                 message=f"{sign_key['Arn']} key usage is SIGN_VERIFY which is not valid for Encrypt.",
                 KeyId=sign_key["KeyId"], Plaintext=b"x")
    expect_error(kms.generate_data_key, code="InvalidKeyUsageException",
                 message=f"{sign_key['Arn']} key usage is SIGN_VERIFY which is not valid for GenerateDataKey.",
                 KeyId=sign_key["KeyId"], KeySpec="AES_256")
    expect_error(kms.generate_data_key_without_plaintext, code="InvalidKeyUsageException",
                 KeyId=hmac_key["KeyId"], KeySpec="AES_256")
    rsa_key = shared_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    expect_error(kms.generate_data_key, code="InvalidKeyUsageException", KeyId=rsa_key["KeyId"], KeySpec="AES_256")
    sym = shared_key(kms)
    ct = kms.encrypt(KeyId=sym["KeyId"], Plaintext=b"x")["CiphertextBlob"]
    expect_error(kms.re_encrypt, code="InvalidKeyUsageException", CiphertextBlob=ct, DestinationKeyId=hmac_key["KeyId"])


def test_symmetric_key_refuses_rsa_algorithm(kms, sym):
    expect_error(kms.encrypt, code="InvalidKeyUsageException", KeyId=sym["KeyId"], Plaintext=b"x",
                 EncryptionAlgorithm="RSAES_OAEP_SHA_256")


def test_unknown_key(kms):
    import uuid
    kid = str(uuid.uuid4())
    expect_error(kms.encrypt, code="NotFoundException", KeyId=kid, Plaintext=b"x")
