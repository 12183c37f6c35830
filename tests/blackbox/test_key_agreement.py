"""DeriveSharedSecret (ECDH) against `cryptography`'s ECDH with the key from GetPublicKey."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from cryptohelpers import EC_CURVES, new_key, public_key, shared_key
from kmshelpers import expect_error

CURVES = ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521"]


def spki(pub) -> bytes:
    return pub.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.mark.parametrize("spec", CURVES)
def test_shared_secret_matches_local_ecdh(kms, spec):
    key = shared_key(kms, spec, "KEY_AGREEMENT")
    kms_pub, _ = public_key(kms, key["KeyId"])
    assert isinstance(kms_pub.curve, EC_CURVES[spec])
    mine = ec.generate_private_key(EC_CURVES[spec]())
    r = kms.derive_shared_secret(KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=spki(mine.public_key()))
    expected = mine.exchange(ec.ECDH(), kms_pub)
    assert r["SharedSecret"] == expected
    assert len(expected) == {"ECC_NIST_P256": 32, "ECC_NIST_P384": 48, "ECC_NIST_P521": 66}[spec]
    assert r["KeyId"] == key["Arn"]
    assert r["KeyAgreementAlgorithm"] == "ECDH"
    assert r["KeyOrigin"] == "AWS_KMS"
    # another local key gives another secret
    other = ec.generate_private_key(EC_CURVES[spec]())
    r2 = kms.derive_shared_secret(KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=spki(other.public_key()))
    assert r2["SharedSecret"] == other.exchange(ec.ECDH(), kms_pub) != expected


@pytest.mark.parametrize("spec", CURVES)
def test_peer_key_on_another_curve(kms, spec):
    key = shared_key(kms, spec, "KEY_AGREEMENT")
    for other in CURVES + ["ECC_SECG_P256K1"]:
        if other == spec:
            continue
        peer = ec.generate_private_key(EC_CURVES[other]()).public_key()
        expect_error(kms.derive_shared_secret, code="ValidationException", KeyId=key["KeyId"],
                     KeyAgreementAlgorithm="ECDH", PublicKey=spki(peer))


def test_peer_key_not_ec(kms):
    key = shared_key(kms, "ECC_NIST_P256", "KEY_AGREEMENT")
    for peer in (rsa.generate_private_key(65537, 2048).public_key(), ed25519.Ed25519PrivateKey.generate().public_key()):
        expect_error(kms.derive_shared_secret, code="ValidationException", KeyId=key["KeyId"],
                     KeyAgreementAlgorithm="ECDH", PublicKey=spki(peer))
    expect_error(kms.derive_shared_secret, code="ValidationException", KeyId=key["KeyId"],
                 KeyAgreementAlgorithm="ECDH", PublicKey=b"not a key")
    # a point that is not on the curve (y + 1)
    good = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
    bad = bytearray(good)
    bad[-1] ^= 1
    expect_error(kms.derive_shared_secret, code="ValidationException", KeyId=key["KeyId"],
                 KeyAgreementAlgorithm="ECDH", PublicKey=bytes(bad))


def test_signing_key_refuses_key_agreement(kms):
    key = shared_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    peer = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
    expect_error(kms.derive_shared_secret, code="InvalidKeyUsageException",
                 message=f"{key['Arn']} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.",
                 KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=peer)
    sym = shared_key(kms)
    expect_error(kms.derive_shared_secret, code="InvalidKeyUsageException", KeyId=sym["KeyId"],
                 KeyAgreementAlgorithm="ECDH", PublicKey=peer)


def test_key_agreement_key_refuses_sign(kms):
    key = shared_key(kms, "ECC_NIST_P256", "KEY_AGREEMENT")
    expect_error(kms.sign, code="InvalidKeyUsageException", KeyId=key["KeyId"], Message=b"m",
                 SigningAlgorithm="ECDSA_SHA_256")


def test_derive_states_and_dry_run(kms):
    key = new_key(kms, "ECC_NIST_P256", "KEY_AGREEMENT")
    peer = spki(ec.generate_private_key(ec.SECP256R1()).public_key())
    expect_error(kms.derive_shared_secret, code="DryRunOperationException", status=None, KeyId=key["KeyId"],
                 KeyAgreementAlgorithm="ECDH", PublicKey=peer, DryRun=True)
    kms.disable_key(KeyId=key["KeyId"])
    expect_error(kms.derive_shared_secret, code="DisabledException", message=f"{key['Arn']} is disabled.",
                 KeyId=key["KeyId"], KeyAgreementAlgorithm="ECDH", PublicKey=peer)
