"""GenerateDataKeyPair / GenerateDataKeyPairWithoutPlaintext for every KeyPairSpec."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

from cryptohelpers import EC_CURVES, RSA_BITS, shared_key
from kmshelpers import expect_error

PAIR_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
              "ECC_SECG_P256K1", "ECC_NIST_EDWARDS25519"]
CTX = {"purpose": "data-key-pair"}


def der_spki(key) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def check_private_key(priv, spec: str) -> None:
    if spec.startswith("RSA"):
        assert isinstance(priv, rsa.RSAPrivateKey) and priv.key_size == RSA_BITS[spec]
        sig = priv.sign(b"m", padding.PKCS1v15(), hashes.SHA256())
        priv.public_key().verify(sig, b"m", padding.PKCS1v15(), hashes.SHA256())
    elif spec == "ECC_NIST_EDWARDS25519":
        assert isinstance(priv, ed25519.Ed25519PrivateKey)
        priv.public_key().verify(priv.sign(b"m"), b"m")
    else:
        assert isinstance(priv, ec.EllipticCurvePrivateKey) and isinstance(priv.curve, EC_CURVES[spec])
        priv.public_key().verify(priv.sign(b"m", ec.ECDSA(hashes.SHA256())), b"m", ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("spec", PAIR_SPECS)
def test_generate_data_key_pair(kms, spec):
    sym = shared_key(kms)
    r = kms.generate_data_key_pair(KeyId=sym["KeyId"], KeyPairSpec=spec, EncryptionContext=CTX)
    assert r["KeyId"] == sym["Arn"] and r["KeyPairSpec"] == spec
    pkcs8 = r["PrivateKeyPlaintext"]
    priv = serialization.load_der_private_key(pkcs8, password=None)
    # PKCS#8, not a traditional (PKCS#1 / SEC1) encoding
    assert priv.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()) == pkcs8
    check_private_key(priv, spec)
    assert der_spki(priv.public_key()) == r["PublicKey"]
    assert serialization.load_der_public_key(r["PublicKey"]) is not None

    d = kms.decrypt(CiphertextBlob=r["PrivateKeyCiphertextBlob"], EncryptionContext=CTX)
    assert d["Plaintext"] == pkcs8
    assert d["KeyId"] == sym["Arn"]
    expect_error(kms.decrypt, code="InvalidCiphertextException", CiphertextBlob=r["PrivateKeyCiphertextBlob"])
    current = kms.describe_key(KeyId=sym["KeyId"])["KeyMetadata"]["CurrentKeyMaterialId"]
    assert r.get("KeyMaterialId") == current


@pytest.mark.parametrize("spec", [s for s in PAIR_SPECS if s != "RSA_4096"])
def test_generate_data_key_pair_without_plaintext(kms, spec):
    sym = shared_key(kms)
    r = kms.generate_data_key_pair_without_plaintext(KeyId=sym["KeyId"], KeyPairSpec=spec, EncryptionContext=CTX)
    assert "PrivateKeyPlaintext" not in r
    assert r["KeyId"] == sym["Arn"] and r["KeyPairSpec"] == spec
    pkcs8 = kms.decrypt(CiphertextBlob=r["PrivateKeyCiphertextBlob"], EncryptionContext=CTX)["Plaintext"]
    priv = serialization.load_der_private_key(pkcs8, password=None)
    check_private_key(priv, spec)
    assert der_spki(priv.public_key()) == r["PublicKey"]


def test_pairs_are_fresh(kms):
    sym = shared_key(kms)
    a = kms.generate_data_key_pair(KeyId=sym["KeyId"], KeyPairSpec="ECC_NIST_P256")
    b = kms.generate_data_key_pair(KeyId=sym["KeyId"], KeyPairSpec="ECC_NIST_P256")
    assert a["PublicKey"] != b["PublicKey"] and a["PrivateKeyPlaintext"] != b["PrivateKeyPlaintext"]


def test_sm2_is_unsupported(kms):
    sym = shared_key(kms)
    expect_error(kms.generate_data_key_pair, code="UnsupportedOperationException", KeyId=sym["KeyId"], KeyPairSpec="SM2")
    expect_error(kms.generate_data_key_pair_without_plaintext, code="UnsupportedOperationException",
                 KeyId=sym["KeyId"], KeyPairSpec="SM2")


def test_unknown_key_pair_spec(kms_nv):
    sym = shared_key(kms_nv)
    expect_error(kms_nv.generate_data_key_pair, code="ValidationException", KeyId=sym["KeyId"], KeyPairSpec="RSA_1024")


@pytest.mark.parametrize("spec,usage", [("RSA_2048", "ENCRYPT_DECRYPT"), ("ECC_NIST_P256", "SIGN_VERIFY"),
                                        ("HMAC_256", None)])
def test_needs_a_symmetric_encryption_key(kms, spec, usage):
    key = shared_key(kms, spec, usage)
    expect_error(kms.generate_data_key_pair, code="InvalidKeyUsageException", KeyId=key["KeyId"],
                 KeyPairSpec="ECC_NIST_P256")
    expect_error(kms.generate_data_key_pair_without_plaintext, code="InvalidKeyUsageException", KeyId=key["KeyId"],
                 KeyPairSpec="ECC_NIST_P256")
