"""Sign / Verify for every (key spec, signing algorithm, message type) AWS allows, checked
against `cryptography` and the `openssl` command line with the key from GetPublicKey."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from cryptohelpers import (
    EC_CURVES,
    EC_ORDER,
    ECDSA_ALG,
    ML_DSA_OID,
    RSA_SIGNING,
    RSA_SPECS,
    der_ecdsa_decode,
    der_ecdsa_encode,
    flip,
    hash_parts,
    local_verify,
    new_key,
    public_key,
    shared_key,
    spki_parts,
)
from kmshelpers import expect_error

MESSAGE = b"The quick brown fox jumps over the lazy dog" * 3

CASES = [(spec, alg) for spec in RSA_SPECS for alg in RSA_SIGNING] + [
    (spec, alg) for spec, alg in ECDSA_ALG.items()
]


def _sign(kms, key, alg, msg, mtype):
    r = kms.sign(KeyId=key["KeyId"], Message=msg, MessageType=mtype, SigningAlgorithm=alg)
    assert r["KeyId"] == key["Arn"] and r["SigningAlgorithm"] == alg
    return r["Signature"]


@pytest.mark.parametrize("spec,alg", CASES)
@pytest.mark.parametrize("mtype", ["RAW", "DIGEST"])
def test_signature_verifies_locally_and_in_coffer(kms, spec, alg, mtype):
    key = shared_key(kms, spec, "SIGN_VERIFY")
    pub, _ = public_key(kms, key["KeyId"])
    _, hfun, hlen = hash_parts(alg)
    digest = hfun(MESSAGE).digest()
    msg = MESSAGE if mtype == "RAW" else digest
    sig = _sign(kms, key, alg, msg, mtype)

    # locally, both as message and as pre-hashed digest
    local_verify(pub, alg, sig, MESSAGE)
    local_verify(pub, alg, sig, digest, digest=True)
    with pytest.raises(InvalidSignature):
        local_verify(pub, alg, sig, MESSAGE + b"!")

    # Coffer accepts it in both message types (RAW and DIGEST of the same message are one signature)
    v = kms.verify(KeyId=key["KeyId"], Message=MESSAGE, MessageType="RAW", Signature=sig, SigningAlgorithm=alg)
    assert v["SignatureValid"] is True and v["KeyId"] == key["Arn"] and v["SigningAlgorithm"] == alg
    v = kms.verify(KeyId=key["KeyId"], Message=digest, MessageType="DIGEST", Signature=sig, SigningAlgorithm=alg)
    assert v["SignatureValid"] is True

    # wrong message, wrong signature
    expect_error(kms.verify, code="KMSInvalidSignatureException", KeyId=key["KeyId"], Message=MESSAGE + b"!",
                 MessageType="RAW", Signature=sig, SigningAlgorithm=alg)
    expect_error(kms.verify, code="KMSInvalidSignatureException", KeyId=key["KeyId"], Message=MESSAGE,
                 MessageType="RAW", Signature=flip(sig, len(sig) // 2), SigningAlgorithm=alg)
    if mtype == "DIGEST" and alg.startswith("RSASSA"):
        # a PKCS#1/PSS signature is bound to its hash: the same key with another hash must refuse it
        others = [a for a in RSA_SIGNING if a != alg]
        for other in others:
            _, ofun, _ = hash_parts(other)
            expect_error(kms.verify, code="KMSInvalidSignatureException", KeyId=key["KeyId"],
                         Message=ofun(MESSAGE).digest(), MessageType="DIGEST", Signature=sig, SigningAlgorithm=other)


@pytest.mark.parametrize("spec", list(ECDSA_ALG))
def test_ecdsa_is_randomised_and_accepts_high_s(kms, spec):
    """A locally derived signature: (r, n - s) is an equally valid ECDSA signature, and KMS's
    Verify is a standard ECDSA verification (no low-S rule)."""
    key = shared_key(kms, spec, "SIGN_VERIFY")
    alg = ECDSA_ALG[spec]
    pub, _ = public_key(kms, key["KeyId"])
    s1 = _sign(kms, key, alg, MESSAGE, "RAW")
    s2 = _sign(kms, key, alg, MESSAGE, "RAW")
    assert s1 != s2
    r, s = der_ecdsa_decode(s1)
    mirrored = der_ecdsa_encode(r, EC_ORDER[spec] - s)
    local_verify(pub, alg, mirrored, MESSAGE)
    assert kms.verify(KeyId=key["KeyId"], Message=MESSAGE, MessageType="RAW", Signature=mirrored,
                      SigningAlgorithm=alg)["SignatureValid"] is True
    # raw (r||s) P1363 encoding is not what KMS uses
    n = (EC_ORDER[spec].bit_length() + 7) // 8
    p1363 = r.to_bytes(n, "big") + s.to_bytes(n, "big")
    expect_error(kms.verify, code="KMSInvalidSignatureException", KeyId=key["KeyId"], Message=MESSAGE,
                 MessageType="RAW", Signature=p1363, SigningAlgorithm=alg)


def test_secp256k1_with_cryptography(kms):
    key = shared_key(kms, "ECC_SECG_P256K1", "SIGN_VERIFY")
    pub, _ = public_key(kms, key["KeyId"])
    assert isinstance(pub.curve, ec.SECP256K1)
    from cryptography.hazmat.primitives import hashes
    sig = _sign(kms, key, "ECDSA_SHA_256", b"bitcoin-ish", "RAW")
    pub.verify(sig, b"bitcoin-ish", ec.ECDSA(hashes.SHA256()))


@pytest.mark.parametrize("spec,alg", [("ECC_NIST_P256", "ECDSA_SHA_256"), ("ECC_NIST_P384", "ECDSA_SHA_384"),
                                      ("ECC_NIST_P521", "ECDSA_SHA_512"), ("RSA_2048", "RSASSA_PSS_SHA_256"),
                                      ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_512")])
def test_digest_of_wrong_length(kms, kms_nv, spec, alg):
    key = shared_key(kms, spec, "SIGN_VERIFY")
    _, _, hlen = hash_parts(alg)
    for n in (hlen - 1, hlen + 1, 20):
        msg = os.urandom(n)
        expect_error(kms.sign, code="ValidationException", message=f"Digest is invalid length for algorithm {alg}.",
                     KeyId=key["KeyId"], Message=msg, MessageType="DIGEST", SigningAlgorithm=alg)
        expect_error(kms.verify, code="ValidationException", message=f"Digest is invalid length for algorithm {alg}.",
                     KeyId=key["KeyId"], Message=msg, MessageType="DIGEST", Signature=b"\x30\x00",
                     SigningAlgorithm=alg)


@pytest.mark.parametrize("spec,alg", [
    ("ECC_NIST_P256", "ECDSA_SHA_384"), ("ECC_NIST_P384", "ECDSA_SHA_256"), ("ECC_NIST_P521", "ECDSA_SHA_256"),
    ("ECC_NIST_P256", "RSASSA_PSS_SHA_256"), ("RSA_2048", "ECDSA_SHA_256"), ("ECC_SECG_P256K1", "ECDSA_SHA_512"),
    ("ECC_NIST_EDWARDS25519", "ECDSA_SHA_512"), ("ML_DSA_65", "ED25519_SHA_512"), ("RSA_3072", "ML_DSA_SHAKE_256"),
])
def test_algorithm_the_key_does_not_support(kms, spec, alg):
    key = shared_key(kms, spec, "SIGN_VERIFY")
    expect_error(kms.sign, code="InvalidKeyUsageException", KeyId=key["KeyId"], Message=b"m", MessageType="RAW",
                 SigningAlgorithm=alg)
    expect_error(kms.verify, code="InvalidKeyUsageException", KeyId=key["KeyId"], Message=b"m", MessageType="RAW",
                 Signature=b"\x00" * 64, SigningAlgorithm=alg)


def test_non_signing_keys_refuse_sign(kms):
    for spec, usage in (("SYMMETRIC_DEFAULT", None), ("RSA_2048", "ENCRYPT_DECRYPT"), ("ECC_NIST_P256", "KEY_AGREEMENT"),
                        ("HMAC_256", None)):
        key = shared_key(kms, spec, usage)
        expect_error(kms.sign, code="InvalidKeyUsageException",
                     message=f"{key['Arn']} key usage is {key['KeyUsage']} which is not valid for Sign.",
                     KeyId=key["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256")


def test_message_size_limit(kms, kms_nv):
    key = shared_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    _sign(kms, key, "ECDSA_SHA_256", os.urandom(4096), "RAW")
    expect_error(kms_nv.sign, code="ValidationException", KeyId=key["KeyId"], Message=os.urandom(4097),
                 MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256")


def test_sign_states_and_dry_run(kms):
    key = new_key(kms, "ECC_NIST_P256", "SIGN_VERIFY")
    sig = _sign(kms, key, "ECDSA_SHA_256", b"m", "RAW")
    expect_error(kms.sign, code="DryRunOperationException", status=None,
                 message="The request would have succeeded, but the DryRun option is set.",
                 KeyId=key["KeyId"], Message=b"m", SigningAlgorithm="ECDSA_SHA_256", DryRun=True)
    expect_error(kms.verify, code="DryRunOperationException", status=None, KeyId=key["KeyId"], Message=b"m",
                 Signature=sig, SigningAlgorithm="ECDSA_SHA_256", DryRun=True)
    kms.disable_key(KeyId=key["KeyId"])
    expect_error(kms.sign, code="DisabledException", message=f"{key['Arn']} is disabled.", KeyId=key["KeyId"],
                 Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    expect_error(kms.verify, code="DisabledException", message=f"{key['Arn']} is disabled.", KeyId=key["KeyId"],
                 Message=b"m", Signature=sig, SigningAlgorithm="ECDSA_SHA_256")


# --------------------------------------------------------------------------- Ed25519

def test_ed25519_raw(kms):
    key = shared_key(kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    pub, _ = public_key(kms, key["KeyId"])
    for msg in (b"x", MESSAGE, os.urandom(4096)):
        sig = _sign(kms, key, "ED25519_SHA_512", msg, "RAW")
        assert len(sig) == 64
        pub.verify(sig, msg)
        # pure Ed25519 is deterministic
        assert _sign(kms, key, "ED25519_SHA_512", msg, "RAW") == sig
        assert kms.verify(KeyId=key["KeyId"], Message=msg, MessageType="RAW", Signature=sig,
                          SigningAlgorithm="ED25519_SHA_512")["SignatureValid"] is True
        expect_error(kms.verify, code="KMSInvalidSignatureException", KeyId=key["KeyId"], Message=msg,
                     MessageType="RAW", Signature=flip(sig, 0), SigningAlgorithm="ED25519_SHA_512")


def test_ed25519_message_types(kms):
    key = shared_key(kms, "ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    expect_error(kms.sign, code="ValidationException", KeyId=key["KeyId"], Message=hashlib.sha512(b"m").digest(),
                 MessageType="DIGEST", SigningAlgorithm="ED25519_SHA_512")
    # documented deviation: Ed25519ph is not implemented
    expect_error(kms.sign, code="UnsupportedOperationException", KeyId=key["KeyId"],
                 Message=hashlib.sha512(b"m").digest(), MessageType="DIGEST", SigningAlgorithm="ED25519_PH_SHA_512")


# --------------------------------------------------------------------------- ML-DSA

@pytest.mark.parametrize("spec", ["ML_DSA_65", "ML_DSA_87"])
def test_ml_dsa(kms, spec):
    key = shared_key(kms, spec, "SIGN_VERIFY")
    der = kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
    oid, _, raw_pub = spki_parts(der)
    assert oid == ML_DSA_OID[spec]
    sig = _sign(kms, key, "ML_DSA_SHAKE_256", MESSAGE, "RAW")
    assert len(sig) == {"ML_DSA_65": 3309, "ML_DSA_87": 4627}[spec]
    assert kms.verify(KeyId=key["KeyId"], Message=MESSAGE, MessageType="RAW", Signature=sig,
                      SigningAlgorithm="ML_DSA_SHAKE_256")["SignatureValid"] is True
    expect_error(kms.verify, code="KMSInvalidSignatureException", KeyId=key["KeyId"], Message=MESSAGE + b".",
                 MessageType="RAW", Signature=sig, SigningAlgorithm="ML_DSA_SHAKE_256")
    expect_error(kms.verify, code="KMSInvalidSignatureException", KeyId=key["KeyId"], Message=MESSAGE,
                 MessageType="RAW", Signature=flip(sig, 10), SigningAlgorithm="ML_DSA_SHAKE_256")
    # local verification (pure ML-DSA, empty context) with cryptography, when it knows ML-DSA
    try:
        pub = serialization.load_der_public_key(der)
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"installed cryptography cannot load ML-DSA keys: {e}")
    assert pub.public_bytes_raw() == raw_pub
    pub.verify(sig, MESSAGE)
    with pytest.raises(InvalidSignature):
        pub.verify(sig, MESSAGE + b".")


@pytest.mark.parametrize("spec", ["ML_DSA_65", "ML_DSA_87"])
def test_ml_dsa_message_types(kms, spec):
    key = shared_key(kms, spec, "SIGN_VERIFY")
    expect_error(kms.sign, code="ValidationException", KeyId=key["KeyId"], Message=os.urandom(32),
                 MessageType="DIGEST", SigningAlgorithm="ML_DSA_SHAKE_256")
    expect_error(kms.sign, code="UnsupportedOperationException", KeyId=key["KeyId"], Message=os.urandom(64),
                 MessageType="EXTERNAL_MU", SigningAlgorithm="ML_DSA_SHAKE_256")


# --------------------------------------------------------------------------- openssl CLI

OPENSSL = shutil.which("openssl")


@pytest.mark.skipif(OPENSSL is None, reason="no openssl command")
@pytest.mark.parametrize("spec,alg,dgst,sigopts", [
    ("ECC_NIST_P256", "ECDSA_SHA_256", "-sha256", []),
    ("ECC_NIST_P384", "ECDSA_SHA_384", "-sha384", []),
    ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256", "-sha256", []),
    ("RSA_3072", "RSASSA_PSS_SHA_512", "-sha512", ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:64"]),
])
def test_openssl_cli_verifies(kms, tmp_path, spec, alg, dgst, sigopts):
    key = shared_key(kms, spec, "SIGN_VERIFY")
    (tmp_path / "pub.der").write_bytes(kms.get_public_key(KeyId=key["KeyId"])["PublicKey"])
    subprocess.run([OPENSSL, "pkey", "-pubin", "-inform", "DER", "-in", str(tmp_path / "pub.der"),
                    "-out", str(tmp_path / "pub.pem")], check=True, capture_output=True)
    (tmp_path / "msg.bin").write_bytes(MESSAGE)
    (tmp_path / "sig.bin").write_bytes(_sign(kms, key, alg, MESSAGE, "RAW"))

    def verify(msg_file):
        return subprocess.run([OPENSSL, "dgst", dgst, "-verify", str(tmp_path / "pub.pem"), *sigopts,
                               "-signature", str(tmp_path / "sig.bin"), str(msg_file)], capture_output=True, text=True)

    ok = verify(tmp_path / "msg.bin")
    assert ok.returncode == 0 and "Verified OK" in ok.stdout, ok.stdout + ok.stderr
    (tmp_path / "other.bin").write_bytes(MESSAGE + b"!")
    bad = verify(tmp_path / "other.bin")
    assert bad.returncode != 0 and "verification failure" in (bad.stdout + bad.stderr).lower()
