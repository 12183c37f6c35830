"""Corpus cases: real ciphertexts, signatures and MACs, bit-flipped, truncated, extended, spliced or sent with the wrong
message, context, key or algorithm, to Decrypt, ReEncrypt, Verify and VerifyMac. Every tampered one must be
rejected; the untampered controls must be accepted."""

from __future__ import annotations

import hashlib
import json
import random

from .base import Case, Env
from .checks import Expect
from .corpus import decrypt_params, unb64, verify_mac_params, verify_params
from .model import b64
from .wire import ExchangeError, kms_request, sign

KINDS = [
    # (kind, weight)
    ("decrypt_bitflip", 10), ("decrypt_truncate", 5), ("decrypt_extend", 3), ("decrypt_splice", 2),
    ("decrypt_context_changed", 3), ("decrypt_context_dropped", 2), ("decrypt_context_added", 2),
    ("decrypt_wrong_key", 2), ("decrypt_wrong_algorithm", 2),
    ("reencrypt_bitflip", 5), ("reencrypt_truncate", 2), ("reencrypt_context_changed", 2),
    ("verify_sig_bitflip", 8), ("verify_sig_truncate", 3), ("verify_sig_extend", 2), ("verify_msg_bitflip", 4),
    ("verify_wrong_algorithm", 2), ("verify_wrong_message_type", 2), ("verify_other_signature", 2),
    ("verifymac_bitflip", 6), ("verifymac_truncate", 3), ("verifymac_msg_bitflip", 3),
    ("verifymac_wrong_algorithm", 2), ("verifymac_other_mac", 2),
    ("control_decrypt", 2), ("control_reencrypt", 1), ("control_verify", 2), ("control_verifymac", 2),
]

SIGN_ALGS = ["RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512", "RSASSA_PKCS1_V1_5_SHA_256",
             "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512", "ECDSA_SHA_256", "ECDSA_SHA_384",
             "ECDSA_SHA_512", "ED25519_SHA_512", "ED25519_PH_SHA_512"]
MAC_ALGS = ["HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"]


def plan(index: int, rng: random.Random) -> Case:
    kinds, weights = zip(*KINDS)
    kind = rng.choices(kinds, weights)[0]
    # which corpus item: an index taken modulo the corpus size at run time (the corpus is fixed by the seed's plan)
    return Case(index, "tamper", kind, {"item": rng.randrange(1 << 30), "flips": rng.choice([1, 1, 1, 2, 3, 8])}, rng)


def effective_digest(s) -> bytes:
    """What a signature actually signs: the message's hash for RAW, the message itself for DIGEST."""
    if s.message_type == "DIGEST" or s.algorithm.startswith("ED25519_SHA"):
        return s.message
    bits = s.algorithm.rsplit("_", 1)[-1]
    return hashlib.new({"256": "sha256", "384": "sha384", "512": "sha512"}.get(bits, "sha256"), s.message).digest()


def flip(data: bytes, rng: random.Random, n: int) -> bytes:
    b = bytearray(data)
    positions = set()
    for _ in range(n):
        pos = rng.randrange(len(b) * 8)
        if pos in positions:
            continue
        positions.add(pos)
        b[pos // 8] ^= 1 << (pos % 8)
    return bytes(b) if bytes(b) != data else bytes([data[0] ^ 1]) + data[1:]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(0, len(data))]


def run(case: Case, env: Env) -> None:
    c = env.corpus
    rng = case.rng
    k = case.kind
    item = case.params["item"]
    nflip = case.params["flips"]
    op = None
    params: dict = {}
    valid_member = None
    control = k.startswith("control_")
    note = ""

    if k.startswith("decrypt") or k.startswith("reencrypt") or k == "control_decrypt" or k == "control_reencrypt":
        ct = c.ciphertexts[item % len(c.ciphertexts)]
        note = f"{ct.source} under {ct.key} ({len(ct.blob)} bytes)"
        blob = ct.blob
        p = decrypt_params(c, ct, with_key=rng.random() < 0.5)
        if "context" in k and ct.algorithm != "SYMMETRIC_DEFAULT":
            k = k.split("_")[0] + "_bitflip"   # asymmetric ciphertexts have no encryption context to tamper with
            note += " (context tampering does not apply: bit flip instead)"
        if k.endswith("_bitflip"):
            blob = flip(ct.blob, rng, nflip)
        elif k.endswith("_truncate"):
            blob = truncate(ct.blob, rng)
        elif k == "decrypt_extend":
            blob = ct.blob + rng.randbytes(rng.randint(1, 32))
        elif k == "decrypt_splice":
            others = [o for o in c.ciphertexts if o is not ct and o.algorithm == ct.algorithm]
            if others:
                other = others[item % len(others)]
                cut = rng.randint(1, min(len(ct.blob), len(other.blob)) - 1)
                blob = ct.blob[:cut] + other.blob[cut:]
                if blob == ct.blob or blob == other.blob:
                    blob = flip(blob, rng, 1)
            else:
                blob = flip(ct.blob, rng, 1)
        elif k.endswith("_context_changed"):
            if ct.context:
                ctxd = dict(ct.context)
                key = sorted(ctxd)[item % len(ctxd)]
                ctxd[key] = ctxd[key] + rng.choice(["x", " ", "\u00e9", ""]) if rng.random() < 0.7 else ctxd[key][:-1]
                if ctxd == ct.context:
                    ctxd[key] = ctxd[key] + "x"
                p["EncryptionContext"] = ctxd
            else:
                p["EncryptionContext"] = {"added": "pair"}
        elif k == "decrypt_context_dropped":
            if ct.context:
                p.pop("EncryptionContext", None)
            else:
                p["EncryptionContext"] = {"unexpected": "context"}
        elif k == "decrypt_context_added":
            ctxd = dict(ct.context or {})
            ctxd["fuzz" + str(item % 7)] = "added"
            p["EncryptionContext"] = ctxd
        elif k == "decrypt_wrong_key":
            others = [n for n, key in c.keys.items() if n != ct.key and key.usage == "ENCRYPT_DECRYPT"
                      and not (ct.key == "mrk" and n == "mrk")]
            p["KeyId"] = c.keys[others[item % len(others)]].key_id
            note += f", KeyId of {others[item % len(others)]}"
        elif k == "decrypt_wrong_algorithm":
            algs = ["SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
            algs.remove(ct.algorithm)
            p["EncryptionAlgorithm"] = algs[item % len(algs)]
            p["KeyId"] = c.keys[ct.key].key_id
        p["CiphertextBlob"] = b64(blob)
        if k.startswith("reencrypt") or k == "control_reencrypt":
            op = "ReEncrypt"
            rp = {"CiphertextBlob": p["CiphertextBlob"], "DestinationKeyId": c.keys["sym2"].key_id}
            if "EncryptionContext" in p:
                rp["SourceEncryptionContext"] = p["EncryptionContext"]
            if "KeyId" in p:
                rp["SourceKeyId"] = p["KeyId"]
            if "EncryptionAlgorithm" in p:
                rp["SourceEncryptionAlgorithm"] = p["EncryptionAlgorithm"]
            params = rp
        else:
            op = "Decrypt"
            params = p
    elif k.startswith("verify_") or k == "control_verify":
        op = "Verify"
        s = c.signatures[item % len(c.signatures)]
        note = f"{s.algorithm} {s.message_type} by {s.key}"
        valid_member = "SignatureValid"
        if k == "verify_sig_bitflip":
            params = verify_params(c, s, signature=flip(s.signature, rng, nflip))
        elif k == "verify_sig_truncate":
            params = verify_params(c, s, signature=truncate(s.signature, rng))
        elif k == "verify_sig_extend":
            params = verify_params(c, s, signature=s.signature + rng.randbytes(rng.randint(1, 8)))
        elif k == "verify_msg_bitflip":
            params = verify_params(c, s, message=flip(s.message, rng, nflip))
        elif k == "verify_wrong_algorithm":
            algs = [a for a in SIGN_ALGS if a != s.algorithm]
            params = verify_params(c, s, algorithm=algs[item % len(algs)])
        elif k == "verify_wrong_message_type":
            params = verify_params(c, s, message_type="DIGEST" if s.message_type == "RAW" else "RAW")
        elif k == "verify_other_signature":
            # a real signature by the same key over another digest (a RAW signature and a DIGEST signature of the
            # same message's hash are both valid for it, so they do not count as "other")
            others = [o for o in c.signatures if o.key == s.key and effective_digest(o) != effective_digest(s)]
            other = others[item % len(others)] if others else None
            params = verify_params(c, s, signature=other.signature if other else flip(s.signature, rng, 1))
        else:
            params = verify_params(c, s)
    else:
        op = "VerifyMac"
        m = c.macs[item % len(c.macs)]
        note = f"{m.algorithm} by {m.key}"
        valid_member = "MacValid"
        if k == "verifymac_bitflip":
            params = verify_mac_params(c, m, mac=flip(m.mac, rng, nflip))
        elif k == "verifymac_truncate":
            params = verify_mac_params(c, m, mac=truncate(m.mac, rng))
        elif k == "verifymac_msg_bitflip":
            params = verify_mac_params(c, m, message=flip(m.message, rng, nflip))
        elif k == "verifymac_wrong_algorithm":
            algs = [a for a in MAC_ALGS if a != m.algorithm]
            params = verify_mac_params(c, m, algorithm=algs[item % len(algs)])
        elif k == "verifymac_other_mac":
            others = [o for o in c.macs if o.mac != m.mac]
            params = verify_mac_params(c, m, mac=others[item % len(others)].mac if others else flip(m.mac, rng, 1))
        else:
            params = verify_mac_params(c, m)
    case.params["note"] = note
    body = json.dumps(params).encode()
    req = kms_request(env.hostport, op, body)
    sign(req, env.idents["main"], env.region)
    expect = Expect(must_fail=None if control else "tampered-accepted", control=control,
                    check_valid_member=valid_member)
    try:
        result = env.client.exchange(req, timeout=env.timeout)
    except ExchangeError as e:
        result = e
    resp = env.rec.check(case, req, result, expect)
    if resp is not None and control and resp.status == 200 and op == "Decrypt":
        ct = c.ciphertexts[item % len(c.ciphertexts)]
        if unb64((resp.json() or {}).get("Plaintext", "")) != ct.plaintext:
            env.rec.finding("valid-request-rejected", case, "Decrypt returned another plaintext", req, resp)
