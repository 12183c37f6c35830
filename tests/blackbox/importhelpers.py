"""Helpers for the imported-key-material (BYOK) tests (test_import_*.py).

Wrapping follows AWS's documentation exactly (spec section 3.3/3.4):
  RSAES_OAEP_SHA_1/_256:        RSA-OAEP(wrapping public key, material), MGF1 with the OAEP hash, empty label;
  RSA_AES_KEY_WRAP_SHA_1/_256:  RSA-OAEP(wrapping public key, ephemeral 32-byte AES key) || AES-KWP(AES key, material).

Local key pairs are expensive (RSA-4096 above all), so every private key used as material is
generated once per session (`local_private`) and shared by all import test modules.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.keywrap import aes_key_wrap_with_padding

from kmshelpers import key_arn

WRAPPING_ALGORITHMS = ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256", "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"]
ALL_WRAPPING_ALGORITHMS = ["RSAES_PKCS1_V1_5", *WRAPPING_ALGORITHMS, "SM2PKE"]
WRAPPING_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096"]
ALL_WRAPPING_SPECS = [*WRAPPING_SPECS, "SM2"]
WRAPPING_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}

SYMMETRIC = "SYMMETRIC_DEFAULT"
HMAC_SPECS = ["HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"]
RSA_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096"]
EC_SPECS = ["ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1"]
ED_SPEC = "ECC_NIST_EDWARDS25519"
IMPORTABLE_SPECS = [SYMMETRIC, *HMAC_SPECS, *RSA_SPECS, *EC_SPECS, ED_SPEC]

HMAC_INFO = {  # spec -> (hashlib name, MacAlgorithm, minimum key bytes)
    "HMAC_224": ("sha224", "HMAC_SHA_224", 28),
    "HMAC_256": ("sha256", "HMAC_SHA_256", 32),
    "HMAC_384": ("sha384", "HMAC_SHA_384", 48),
    "HMAC_512": ("sha512", "HMAC_SHA_512", 64),
}
RSA_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
EC_CURVES = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}
ECDSA = {  # spec -> (SigningAlgorithm, cryptography hash)
    "ECC_NIST_P256": ("ECDSA_SHA_256", hashes.SHA256),
    "ECC_NIST_P384": ("ECDSA_SHA_384", hashes.SHA384),
    "ECC_NIST_P521": ("ECDSA_SHA_512", hashes.SHA512),
    "ECC_SECG_P256K1": ("ECDSA_SHA_256", hashes.SHA256),
}


def allowed(algorithm: str, wrapping_spec: str, key_spec: str) -> bool:
    """Spec section 2.5 (commercial Region; RSA_AES accepted for symmetric and HMAC as section 2.5 recommends)."""
    if algorithm not in WRAPPING_ALGORITHMS or wrapping_spec not in WRAPPING_SPECS:
        return False  # RSAES_PKCS1_V1_5, SM2PKE, SM2
    oaep_only = algorithm.startswith("RSAES_OAEP")
    if key_spec in RSA_SPECS and oaep_only:
        return False
    if key_spec == "ECC_NIST_P521" and wrapping_spec == "RSA_2048" and oaep_only:
        return False
    return True


# ------------------------------------------------------------------ local material

@functools.lru_cache(maxsize=None)
def local_private(spec: str, variant: int = 0):
    """A local private key for an asymmetric key spec, generated once per session (and variant)."""
    if spec in RSA_BITS:
        return rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS[spec])
    if spec in EC_CURVES:
        return ec.generate_private_key(EC_CURVES[spec]())
    if spec == ED_SPEC:
        return ed25519.Ed25519PrivateKey.generate()
    raise KeyError(spec)


def pkcs8(private_key) -> bytes:
    return private_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def spki(public_key) -> bytes:
    return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def material_for(spec: str, variant: int = 0) -> bytes:
    """Plaintext key material for a key spec: raw bytes (symmetric/HMAC) or PKCS#8 DER."""
    if spec == SYMMETRIC:
        return hashlib.sha256(f"sym-{variant}-{os.getpid()}".encode()).digest()
    if spec in HMAC_INFO:
        n = HMAC_INFO[spec][2]
        return (hashlib.sha512(f"{spec}-{variant}-{os.getpid()}".encode()).digest() * 2)[:n]
    return pkcs8(local_private(spec, variant))


def random_symmetric() -> bytes:
    return os.urandom(32)


# ------------------------------------------------------------------ wrapping

def _oaep(algorithm: str):
    h = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
    return padding.OAEP(mgf=padding.MGF1(algorithm=h), algorithm=h, label=None)


def wrap(material: bytes, public_key_der: bytes, algorithm: str) -> bytes:
    """EncryptedKeyMaterial as AWS documents it."""
    pub = serialization.load_der_public_key(public_key_der)
    assert isinstance(pub, rsa.RSAPublicKey)
    if algorithm.startswith("RSA_AES_KEY_WRAP"):
        aes_key = os.urandom(32)
        return pub.encrypt(aes_key, _oaep(algorithm)) + aes_key_wrap_with_padding(aes_key, material)
    if algorithm.startswith("RSAES_OAEP"):
        return pub.encrypt(material, _oaep(algorithm))
    raise ValueError(algorithm)


def default_algorithm(spec: str) -> str:
    return "RSA_AES_KEY_WRAP_SHA_256" if spec in RSA_SPECS else "RSAES_OAEP_SHA_256"


# ------------------------------------------------------------------ KMS calls

def create_external(kms, spec: str = SYMMETRIC, usage: str | None = None, **kwargs: Any) -> dict:
    """CreateKey(Origin=EXTERNAL) for a key spec; returns KeyMetadata."""
    if usage is None:
        usage = "GENERATE_VERIFY_MAC" if spec in HMAC_INFO else ("ENCRYPT_DECRYPT" if spec in (SYMMETRIC, *RSA_SPECS)
                                                                  else "SIGN_VERIFY")
    return kms.create_key(Origin="EXTERNAL", KeySpec=spec, KeyUsage=usage, **kwargs)["KeyMetadata"]


def params(kms, key_id: str, algorithm: str = "RSAES_OAEP_SHA_256", wrapping_spec: str = "RSA_2048") -> dict:
    return kms.get_parameters_for_import(KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec=wrapping_spec)


_UNSET = object()


def import_material(kms, key_id: str, material: bytes, *, algorithm: str | None = None,
                    wrapping_spec: str = "RSA_2048", spec: str | None = None, parameters: dict | None = None,
                    expiration: Any = _UNSET, **kwargs: Any) -> dict:
    """GetParametersForImport + wrap + ImportKeyMaterial.

    Without ValidTo/expiration the import is KEY_MATERIAL_DOES_NOT_EXPIRE; `expiration=None` sends
    no ExpirationModel at all. Extra kwargs go to ImportKeyMaterial."""
    algorithm = algorithm or default_algorithm(spec or "")
    p = parameters or params(kms, key_id, algorithm, wrapping_spec)
    req: dict[str, Any] = dict(KeyId=key_id, ImportToken=p["ImportToken"],
                               EncryptedKeyMaterial=wrap(material, p["PublicKey"], algorithm), **kwargs)
    if expiration is _UNSET:
        if "ValidTo" not in kwargs:
            req["ExpirationModel"] = "KEY_MATERIAL_DOES_NOT_EXPIRE"
    elif expiration is not None:
        req["ExpirationModel"] = expiration
    return kms.import_key_material(**req)


def describe(kms, key_id: str) -> dict:
    return kms.describe_key(KeyId=key_id)["KeyMetadata"]


def state(kms, key_id: str) -> str:
    return describe(kms, key_id)["KeyState"]


def rotations(kms, key_id: str, include: str | None = None) -> list[dict]:
    kw = {"IncludeKeyMaterial": include} if include else {}
    out: list[dict] = []
    marker = None
    while True:
        page = kms.list_key_rotations(KeyId=key_id, **kw, **({"Marker": marker} if marker else {}))
        out += page["Rotations"]
        if not page.get("Truncated"):
            return out
        marker = page["NextMarker"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def arn_of(md: dict) -> str:
    assert md["Arn"] == key_arn(md["KeyId"])
    return md["Arn"]


# ------------------------------------------------------------------ "the key works and matches the material"

def check_key_matches(kms, md: dict, material: bytes) -> None:
    """Exercises an imported key and compares it with the local material."""
    spec, usage, kid = md["KeySpec"], md["KeyUsage"], md["KeyId"]
    msg = b"imported key material check " + os.urandom(8)
    if spec == SYMMETRIC:
        blob = kms.encrypt(KeyId=kid, Plaintext=msg)["CiphertextBlob"]
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == msg
        return
    if spec in HMAC_INFO:
        hname, alg, _ = HMAC_INFO[spec]
        import hmac as _hmac
        mac = kms.generate_mac(KeyId=kid, Message=msg, MacAlgorithm=alg)["Mac"]
        assert mac == _hmac.new(material, msg, hname).digest()
        return
    private = serialization.load_der_private_key(material, password=None)
    assert kms.get_public_key(KeyId=kid)["PublicKey"] == spki(private.public_key())
    if spec in RSA_BITS and usage == "ENCRYPT_DECRYPT":
        for alg in ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"):
            ct = private.public_key().encrypt(msg, _oaep(alg))
            assert kms.decrypt(KeyId=kid, CiphertextBlob=ct, EncryptionAlgorithm=alg)["Plaintext"] == msg
    elif spec in RSA_BITS:
        sig = kms.sign(KeyId=kid, Message=msg, MessageType="RAW", SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
        private.public_key().verify(sig, msg, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                                    hashes.SHA256())
        sig = kms.sign(KeyId=kid, Message=msg, MessageType="RAW",
                       SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256")["Signature"]
        # PKCS#1 v1.5 is deterministic: the signature equals the local one.
        assert sig == private.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    elif spec in EC_CURVES and usage == "KEY_AGREEMENT":
        peer = ec.generate_private_key(EC_CURVES[spec]())
        secret = kms.derive_shared_secret(KeyId=kid, KeyAgreementAlgorithm="ECDH",
                                          PublicKey=spki(peer.public_key()))["SharedSecret"]
        assert secret == private.exchange(ec.ECDH(), peer.public_key())
    elif spec in EC_CURVES:
        alg, h = ECDSA[spec]
        sig = kms.sign(KeyId=kid, Message=msg, MessageType="RAW", SigningAlgorithm=alg)["Signature"]
        private.public_key().verify(sig, msg, ec.ECDSA(h()))
    elif spec == ED_SPEC:
        sig = kms.sign(KeyId=kid, Message=msg, MessageType="RAW", SigningAlgorithm="ED25519_SHA_512")["Signature"]
        assert sig == private.sign(msg)  # Ed25519 is deterministic
    else:
        raise AssertionError(f"no check for {spec}/{usage}")
