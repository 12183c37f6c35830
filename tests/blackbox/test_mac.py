"""GenerateMac / VerifyMac with HMAC_224..HMAC_512 keys.

The key material is not exportable, so exact equality with a local HMAC is left to the
key-import tests; here: length, determinism, key separation, VerifyMac acceptance and rejection."""

from __future__ import annotations

import os

import pytest

from cryptohelpers import flip, new_key, shared_key
from kmshelpers import expect_error

SPECS = {"HMAC_224": ("HMAC_SHA_224", 28), "HMAC_256": ("HMAC_SHA_256", 32),
         "HMAC_384": ("HMAC_SHA_384", 48), "HMAC_512": ("HMAC_SHA_512", 64)}


@pytest.mark.parametrize("spec", list(SPECS))
def test_generate_and_verify_mac(kms, spec):
    alg, length = SPECS[spec]
    key = shared_key(kms, spec)
    msg = b"message to authenticate"
    r = kms.generate_mac(KeyId=key["KeyId"], Message=msg, MacAlgorithm=alg)
    assert r["KeyId"] == key["Arn"] and r["MacAlgorithm"] == alg
    tag = r["Mac"]
    assert len(tag) == length
    assert kms.generate_mac(KeyId=key["KeyId"], Message=msg, MacAlgorithm=alg)["Mac"] == tag, "HMAC is deterministic"
    assert kms.generate_mac(KeyId=key["KeyId"], Message=msg + b".", MacAlgorithm=alg)["Mac"] != tag
    v = kms.verify_mac(KeyId=key["KeyId"], Message=msg, MacAlgorithm=alg, Mac=tag)
    assert v == {**v, "KeyId": key["Arn"], "MacValid": True, "MacAlgorithm": alg}

    for bad in (flip(tag, 0), flip(tag, length - 1, 0x80), tag[:-1], tag + b"\x00", bytes(length)):
        expect_error(kms.verify_mac, code="KMSInvalidMacException", KeyId=key["KeyId"], Message=msg,
                     MacAlgorithm=alg, Mac=bad)
    expect_error(kms.verify_mac, code="KMSInvalidMacException", KeyId=key["KeyId"], Message=msg + b".",
                 MacAlgorithm=alg, Mac=tag)


@pytest.mark.parametrize("spec", list(SPECS))
def test_keys_are_independent(kms, spec):
    alg, _ = SPECS[spec]
    a = shared_key(kms, spec)
    b = new_key(kms, spec)
    ta = kms.generate_mac(KeyId=a["KeyId"], Message=b"m", MacAlgorithm=alg)["Mac"]
    tb = kms.generate_mac(KeyId=b["KeyId"], Message=b"m", MacAlgorithm=alg)["Mac"]
    assert ta != tb
    expect_error(kms.verify_mac, code="KMSInvalidMacException", KeyId=b["KeyId"], Message=b"m", MacAlgorithm=alg, Mac=ta)


def test_wrong_algorithm(kms):
    for spec, (own, _) in SPECS.items():
        key = shared_key(kms, spec)
        for other, _ in SPECS.values():
            if other == own:
                continue
            expect_error(kms.generate_mac, code="InvalidKeyUsageException",
                         message=f"Algorithm {other} is incompatible with key spec {spec}.",
                         KeyId=key["KeyId"], Message=b"m", MacAlgorithm=other)
            expect_error(kms.verify_mac, code="InvalidKeyUsageException",
                         message=f"Algorithm {other} is incompatible with key spec {spec}.",
                         KeyId=key["KeyId"], Message=b"m", MacAlgorithm=other, Mac=b"\x00" * 32)


def test_non_hmac_keys(kms):
    sym = shared_key(kms)
    expect_error(kms.generate_mac, code="InvalidKeyUsageException",
                 message=f"{sym['Arn']} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.",
                 KeyId=sym["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_256")
    hmac_key = shared_key(kms, "HMAC_256")
    expect_error(kms.sign, code="InvalidKeyUsageException", KeyId=hmac_key["KeyId"], Message=b"m",
                 SigningAlgorithm="ECDSA_SHA_256")


def test_message_limits(kms, kms_nv):
    key = shared_key(kms, "HMAC_256")
    tag = kms.generate_mac(KeyId=key["KeyId"], Message=os.urandom(4096), MacAlgorithm="HMAC_SHA_256")["Mac"]
    assert len(tag) == 32
    expect_error(kms_nv.generate_mac, code="ValidationException", KeyId=key["KeyId"], Message=os.urandom(4097),
                 MacAlgorithm="HMAC_SHA_256")
    expect_error(kms_nv.generate_mac, code="ValidationException", KeyId=key["KeyId"], Message=b"",
                 MacAlgorithm="HMAC_SHA_256")


def test_mac_states_and_dry_run(kms):
    key = new_key(kms, "HMAC_384")
    tag = kms.generate_mac(KeyId=key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_384")["Mac"]
    expect_error(kms.generate_mac, code="DryRunOperationException", status=None, KeyId=key["KeyId"], Message=b"m",
                 MacAlgorithm="HMAC_SHA_384", DryRun=True)
    expect_error(kms.verify_mac, code="DryRunOperationException", status=None, KeyId=key["KeyId"], Message=b"m",
                 MacAlgorithm="HMAC_SHA_384", Mac=tag, DryRun=True)
    kms.disable_key(KeyId=key["KeyId"])
    expect_error(kms.verify_mac, code="DisabledException", message=f"{key['Arn']} is disabled.", KeyId=key["KeyId"],
                 Message=b"m", MacAlgorithm="HMAC_SHA_384", Mac=tag)
    kms.enable_key(KeyId=key["KeyId"])
    assert kms.verify_mac(KeyId=key["KeyId"], Message=b"m", MacAlgorithm="HMAC_SHA_384", Mac=tag)["MacValid"]
