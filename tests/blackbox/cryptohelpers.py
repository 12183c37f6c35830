"""Helpers for the cryptographic-operation tests (test_symmetric.py, test_signing.py, ...).

Keys are expensive to make (RSA_4096 above all), so tests that only *use* a key share one
per (server endpoint, KeySpec, KeyUsage) through `shared_key`. Tests that change a key's
state (disable, schedule deletion) must create their own with `new_key`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

_CACHE: dict[tuple[str, str, str], dict] = {}

SPEC_DEFAULT_USAGE = {
    "SYMMETRIC_DEFAULT": "ENCRYPT_DECRYPT",
    "HMAC_224": "GENERATE_VERIFY_MAC",
    "HMAC_256": "GENERATE_VERIFY_MAC",
    "HMAC_384": "GENERATE_VERIFY_MAC",
    "HMAC_512": "GENERATE_VERIFY_MAC",
}

RSA_SPECS = ["RSA_2048", "RSA_3072", "RSA_4096"]
RSA_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
RSA_SIGNING = ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
               "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512"]
EC_CURVES = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}
ECDSA_ALG = {
    "ECC_NIST_P256": "ECDSA_SHA_256",
    "ECC_NIST_P384": "ECDSA_SHA_384",
    "ECC_NIST_P521": "ECDSA_SHA_512",
    "ECC_SECG_P256K1": "ECDSA_SHA_256",
}
# Group orders, for the (r, n - s) ECDSA transformation.
EC_ORDER = {
    "ECC_NIST_P256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ECC_NIST_P384": int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
                         "581A0DB248B0A77AECEC196ACCC52973", 16),
    "ECC_NIST_P521": int("1" + "F" * 65 + "A"
                         "51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409", 16),
    "ECC_SECG_P256K1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
}

HASHES = {
    "SHA_256": (hashes.SHA256, hashlib.sha256, 32),
    "SHA_384": (hashes.SHA384, hashlib.sha384, 48),
    "SHA_512": (hashes.SHA512, hashlib.sha512, 64),
}

ML_DSA_OID = {"ML_DSA_65": "2.16.840.1.101.3.4.3.18", "ML_DSA_87": "2.16.840.1.101.3.4.3.19"}


def new_key(kms, spec: str = "SYMMETRIC_DEFAULT", usage: str | None = None, **kwargs: Any) -> dict:
    """CreateKey; returns KeyMetadata."""
    usage = usage or SPEC_DEFAULT_USAGE.get(spec)
    params: dict[str, Any] = {"KeySpec": spec, **kwargs}
    if usage:
        params["KeyUsage"] = usage
    return kms.create_key(**params)["KeyMetadata"]


def shared_key(kms, spec: str = "SYMMETRIC_DEFAULT", usage: str | None = None) -> dict:
    """A key shared by every test of the session that does not change its state."""
    usage = usage or SPEC_DEFAULT_USAGE.get(spec, "")
    k = (kms.meta.endpoint_url, spec, usage)
    if k not in _CACHE:
        _CACHE[k] = new_key(kms, spec, usage or None)
    return _CACHE[k]


def public_key(kms, key_id: str):
    """The `cryptography` public key object from GetPublicKey (and the raw DER)."""
    der = kms.get_public_key(KeyId=key_id)["PublicKey"]
    return serialization.load_der_public_key(der), der


def hash_parts(algorithm: str):
    """(cryptography hash class, hashlib constructor, digest length) of a signing algorithm."""
    for suffix, parts in HASHES.items():
        if algorithm.endswith(suffix):
            return parts
    raise KeyError(algorithm)


def local_verify(pub, algorithm: str, signature: bytes, message: bytes, digest: bool = False) -> None:
    """Verifies a KMS signature with `cryptography`; raises InvalidSignature on failure.

    `digest=True` means `message` is already the digest (MessageType DIGEST)."""
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

    if algorithm == "ED25519_SHA_512":
        assert isinstance(pub, ed25519.Ed25519PublicKey)
        pub.verify(signature, message)
        return
    hcls, _, _ = hash_parts(algorithm)
    h = Prehashed(hcls()) if digest else hcls()
    if algorithm.startswith("ECDSA"):
        assert isinstance(pub, ec.EllipticCurvePublicKey)
        pub.verify(signature, message, ec.ECDSA(h))
    elif algorithm.startswith("RSASSA_PSS"):
        assert isinstance(pub, rsa.RSAPublicKey)
        pub.verify(signature, message,
                   padding.PSS(mgf=padding.MGF1(hcls()), salt_length=hcls.digest_size), h)
    elif algorithm.startswith("RSASSA_PKCS1"):
        assert isinstance(pub, rsa.RSAPublicKey)
        pub.verify(signature, message, padding.PKCS1v15(), h)
    else:
        raise AssertionError(f"no local verifier for {algorithm}")


def oaep(algorithm: str):
    h = hashes.SHA1() if algorithm == "RSAES_OAEP_SHA_1" else hashes.SHA256()
    return padding.OAEP(mgf=padding.MGF1(algorithm=h), algorithm=h, label=None)


def flip(data: bytes, index: int, mask: int = 0x01) -> bytes:
    b = bytearray(data)
    b[index] ^= mask
    return bytes(b)


# ---------------------------------------------------------------- a tiny DER reader

def der_read(data: bytes, pos: int = 0) -> tuple[int, bytes, int]:
    """Reads one TLV at `pos`: (tag, value, position after it). Definite lengths only."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        assert 1 <= n <= 3, "unsupported DER length"
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    value = data[pos:pos + length]
    assert len(value) == length, "truncated DER"
    return tag, value, pos + length


def der_oid(value: bytes) -> str:
    first = value[0]
    arcs = [first // 40, first % 40] if first < 80 else [2, first - 80]
    n = 0
    for b in value[1:]:
        n = (n << 7) | (b & 0x7F)
        if not b & 0x80:
            arcs.append(n)
            n = 0
    return ".".join(map(str, arcs))


def spki_parts(der: bytes) -> tuple[str, bool, bytes]:
    """SubjectPublicKeyInfo → (algorithm OID, parameters present?, public key bytes)."""
    tag, body, end = der_read(der)
    assert tag == 0x30 and end == len(der), "SPKI is not exactly one SEQUENCE"
    tag, alg, pos = der_read(body)
    assert tag == 0x30
    tag, oid, apos = der_read(alg)
    assert tag == 0x06
    has_params = apos < len(alg)
    tag, bits, pos = der_read(body, pos)
    assert tag == 0x03 and pos == len(body)
    assert bits[0] == 0, "unused bits in the public key BIT STRING"
    return der_oid(oid), has_params, bits[1:]


def der_ecdsa_decode(sig: bytes) -> tuple[int, int]:
    tag, body, end = der_read(sig)
    assert tag == 0x30 and end == len(sig)
    tag, r, pos = der_read(body)
    assert tag == 0x02
    tag, s, pos = der_read(body, pos)
    assert tag == 0x02 and pos == len(body)
    return int.from_bytes(r, "big"), int.from_bytes(s, "big")


def der_ecdsa_encode(r: int, s: int) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
    return encode_dss_signature(r, s)
