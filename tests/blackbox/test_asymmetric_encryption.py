"""RSA Encrypt/Decrypt (RSAES_OAEP_SHA_1/SHA_256) and GetPublicKey for every asymmetric key spec.

AWS's plaintext limits and messages: spec section 9.6, peers.md Appendix 1."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from cryptohelpers import EC_CURVES, ML_DSA_OID, RSA_BITS, RSA_SPECS, new_key, oaep, public_key, shared_key, spki_parts
from kmshelpers import expect_error, msg_pending_deletion

OAEP = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
LIMITS = {
    ("RSA_2048", "RSAES_OAEP_SHA_1"): 214, ("RSA_2048", "RSAES_OAEP_SHA_256"): 190,
    ("RSA_3072", "RSAES_OAEP_SHA_1"): 342, ("RSA_3072", "RSAES_OAEP_SHA_256"): 318,
    ("RSA_4096", "RSAES_OAEP_SHA_1"): 470, ("RSA_4096", "RSAES_OAEP_SHA_256"): 446,
}


@pytest.mark.parametrize("spec", RSA_SPECS)
@pytest.mark.parametrize("alg", OAEP)
def test_local_ciphertext_decrypts_in_coffer(kms, spec, alg):
    key = shared_key(kms, spec, "ENCRYPT_DECRYPT")
    pub, _ = public_key(kms, key["KeyId"])
    assert isinstance(pub, rsa.RSAPublicKey) and pub.key_size == RSA_BITS[spec]
    assert pub.public_numbers().e == 65537
    for pt in (b"k", os.urandom(LIMITS[(spec, alg)])):
        ct = pub.encrypt(pt, oaep(alg))
        d = kms.decrypt(CiphertextBlob=ct, KeyId=key["KeyId"], EncryptionAlgorithm=alg)
        assert d["Plaintext"] == pt
        assert d["KeyId"] == key["Arn"] and d["EncryptionAlgorithm"] == alg
        assert "KeyMaterialId" not in d
    # the other OAEP hash does not decrypt it
    other = OAEP[1 - OAEP.index(alg)]
    ct = pub.encrypt(b"hash mismatch", oaep(alg))
    expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=ct, KeyId=key["KeyId"],
                 EncryptionAlgorithm=other)


@pytest.mark.parametrize("spec", RSA_SPECS)
@pytest.mark.parametrize("alg", OAEP)
def test_coffer_round_trip_and_limits(kms, kms_nv, spec, alg):
    key = shared_key(kms, spec, "ENCRYPT_DECRYPT")
    limit = LIMITS[(spec, alg)]
    pt = os.urandom(limit)
    enc = kms.encrypt(KeyId=key["KeyId"], Plaintext=pt, EncryptionAlgorithm=alg)
    assert enc["EncryptionAlgorithm"] == alg and enc["KeyId"] == key["Arn"]
    assert len(enc["CiphertextBlob"]) == RSA_BITS[spec] // 8
    assert kms.decrypt(CiphertextBlob=enc["CiphertextBlob"], KeyId=key["KeyId"],
                       EncryptionAlgorithm=alg)["Plaintext"] == pt
    # randomised padding
    assert kms.encrypt(KeyId=key["KeyId"], Plaintext=pt, EncryptionAlgorithm=alg)["CiphertextBlob"] != enc["CiphertextBlob"]
    expect_error(kms_nv.encrypt, code="ValidationException",
                 message=f"Algorithm {alg} and key spec {spec} cannot encrypt data larger than {limit} bytes.",
                 KeyId=key["KeyId"], Plaintext=os.urandom(limit + 1), EncryptionAlgorithm=alg)


def test_rsa_key_needs_oaep_algorithm(kms):
    key = shared_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    expect_error(kms.encrypt, code="InvalidKeyUsageException", KeyId=key["KeyId"], Plaintext=b"x",
                 EncryptionAlgorithm="SYMMETRIC_DEFAULT")
    expect_error(kms.encrypt, code="InvalidKeyUsageException", KeyId=key["KeyId"], Plaintext=b"x")
    pub, _ = public_key(kms, key["KeyId"])
    ct = pub.encrypt(b"x", oaep("RSAES_OAEP_SHA_256"))
    expect_error(kms.decrypt, code="InvalidKeyUsageException", CiphertextBlob=ct, KeyId=key["KeyId"],
                 EncryptionAlgorithm="SM2PKE")


def test_rsa_decrypt_garbage_and_tampering(kms):
    key = shared_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    ct = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret", EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
    bad = bytearray(ct)
    bad[100] ^= 1
    for blob in (bytes(bad), ct[:-1], os.urandom(256)):
        expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=blob, KeyId=key["KeyId"],
                     EncryptionAlgorithm="RSAES_OAEP_SHA_256")


def test_rsa_ciphertext_with_another_rsa_key(kms):
    a = shared_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    b = new_key(kms, "RSA_2048", "ENCRYPT_DECRYPT")
    ct = kms.encrypt(KeyId=a["KeyId"], Plaintext=b"for a", EncryptionAlgorithm="RSAES_OAEP_SHA_1")["CiphertextBlob"]
    expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=ct, KeyId=b["KeyId"],
                 EncryptionAlgorithm="RSAES_OAEP_SHA_1")


def test_signing_key_cannot_encrypt(kms):
    key = shared_key(kms, "RSA_2048", "SIGN_VERIFY")
    expect_error(kms.encrypt, code="InvalidKeyUsageException",
                 message=f"{key['Arn']} key usage is SIGN_VERIFY which is not valid for Encrypt.",
                 KeyId=key["KeyId"], Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")


# --------------------------------------------------------------------------- GetPublicKey

ASYMMETRIC = [
    ("RSA_2048", "ENCRYPT_DECRYPT"), ("RSA_3072", "ENCRYPT_DECRYPT"), ("RSA_4096", "ENCRYPT_DECRYPT"),
    ("RSA_2048", "SIGN_VERIFY"), ("RSA_3072", "SIGN_VERIFY"), ("RSA_4096", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "SIGN_VERIFY"), ("ECC_NIST_P384", "SIGN_VERIFY"), ("ECC_NIST_P521", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "KEY_AGREEMENT"), ("ECC_NIST_P384", "KEY_AGREEMENT"), ("ECC_NIST_P521", "KEY_AGREEMENT"),
    ("ECC_SECG_P256K1", "SIGN_VERIFY"), ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"),
    ("ML_DSA_65", "SIGN_VERIFY"), ("ML_DSA_87", "SIGN_VERIFY"),
]


@pytest.mark.parametrize("spec,usage", ASYMMETRIC)
def test_get_public_key_matches_describe_key(kms, spec, usage):
    key = shared_key(kms, spec, usage)
    md = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
    r = kms.get_public_key(KeyId=key["KeyId"])
    assert r["KeyId"] == key["Arn"]
    assert r["KeySpec"] == md["KeySpec"] == spec
    assert r["KeyUsage"] == md["KeyUsage"] == usage
    assert r["CustomerMasterKeySpec"] == spec
    for field in ("EncryptionAlgorithms", "SigningAlgorithms", "KeyAgreementAlgorithms"):
        assert r.get(field) == md.get(field), field
    assert "MacAlgorithms" not in r
    der = r["PublicKey"]
    if spec.startswith("ML_DSA"):
        oid, has_params, raw_key = spki_parts(der)
        assert oid == ML_DSA_OID[spec]
        assert not has_params, "ML-DSA AlgorithmIdentifier must omit parameters (RFC 9881)"
        assert len(raw_key) == {"ML_DSA_65": 1952, "ML_DSA_87": 2592}[spec]
        return
    from cryptography.hazmat.primitives import serialization
    pub = serialization.load_der_public_key(der)
    # DER round trip is canonical
    assert pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == der
    if spec.startswith("RSA"):
        assert isinstance(pub, rsa.RSAPublicKey) and pub.key_size == RSA_BITS[spec]
    elif spec == "ECC_NIST_EDWARDS25519":
        assert isinstance(pub, ed25519.Ed25519PublicKey)
    else:
        assert isinstance(pub, ec.EllipticCurvePublicKey) and isinstance(pub.curve, EC_CURVES[spec])


def test_get_public_key_by_alias(kms):
    key = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    alias = f"alias/gpk-{key['KeyId'][:8]}"
    kms.create_alias(AliasName=alias, TargetKeyId=key["KeyId"])
    assert kms.get_public_key(KeyId=alias)["PublicKey"] == kms.get_public_key(KeyId=key["Arn"])["PublicKey"]


@pytest.mark.parametrize("spec", ["SYMMETRIC_DEFAULT", "HMAC_256"])
def test_get_public_key_refuses_symmetric_and_hmac(kms, spec):
    key = shared_key(kms, spec)
    expect_error(kms.get_public_key, code="UnsupportedOperationException", KeyId=key["KeyId"])


def test_get_public_key_states(kms):
    key = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    before = kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
    kms.disable_key(KeyId=key["KeyId"])
    assert kms.get_public_key(KeyId=key["KeyId"])["PublicKey"] == before
    kms.schedule_key_deletion(KeyId=key["KeyId"], PendingWindowInDays=7)
    expect_error(kms.get_public_key, code="KMSInvalidStateException", message=msg_pending_deletion(key["Arn"]),
                 KeyId=key["KeyId"])
