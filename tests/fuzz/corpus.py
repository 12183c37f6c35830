"""Real keys and real cryptographic results, made before fuzzing.

Two sets of keys, never mixed:
- the corpus: keys of every kind (symmetric, multi-Region, RSA encryption, ECC/RSA/Ed25519 signing, HMAC, an EXTERNAL
  key with imported material) and their ciphertexts, data keys, signatures and MACs. Only read-only operations ever
  name them (the tamper, auth and protocol cases), so after the run and after a restart every ciphertext must still
  decrypt to its plaintext, every signature and MAC must still verify, and no tampered one may be accepted;
- the victims: one key per kind that the model-driven JSON cases hand to all 54 operations (which may disable,
  schedule for deletion, re-tag, rotate or re-policy them), healed every few hundred cases.

Every plaintext, data key and imported key material is a secret: it must never appear in an error response.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding

from .client import KmsClient
from .model import b64, marker


def unb64(s: str) -> bytes:
    return base64.b64decode(s)


@dataclass
class CorpusKey:
    name: str
    key_id: str
    arn: str
    spec: str
    usage: str
    origin: str = "AWS_KMS"


@dataclass
class Ciphertext:
    key: str                    # CorpusKey.name
    blob: bytes
    plaintext: bytes
    context: dict | None = None
    algorithm: str = "SYMMETRIC_DEFAULT"
    source: str = "Encrypt"


@dataclass
class Signature:
    key: str
    message: bytes
    message_type: str
    algorithm: str
    signature: bytes


@dataclass
class Mac:
    key: str
    message: bytes
    algorithm: str
    mac: bytes


class SetupError(RuntimeError):
    pass


@dataclass
class Corpus:
    keys: dict[str, CorpusKey] = field(default_factory=dict)
    ciphertexts: list[Ciphertext] = field(default_factory=list)
    signatures: list[Signature] = field(default_factory=list)
    macs: list[Mac] = field(default_factory=list)
    public_keys: dict[str, str] = field(default_factory=dict)
    secrets: list[bytes] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_secret(self, data: bytes) -> None:
        if len(data) >= 8 and data not in self.secrets:
            self.secrets.append(data)

    def summary(self) -> dict:
        return {
            "keys": {k.name: {"KeyId": k.key_id, "KeySpec": k.spec, "KeyUsage": k.usage, "Origin": k.origin}
                     for k in self.keys.values()},
            "ciphertexts": len(self.ciphertexts),
            "signatures": len(self.signatures),
            "macs": len(self.macs),
            "secrets": len(self.secrets),
            "notes": self.notes,
        }


def _create(client: KmsClient, name: str, spec: str, usage: str, **extra) -> CorpusKey:
    params = {"KeySpec": spec, "KeyUsage": usage, "Description": f"fuzz corpus {name}", **extra}
    status, j, resp = client.call("CreateKey", params)
    if status != 200:
        raise SetupError(f"CreateKey {name} ({spec}/{usage}) failed: HTTP {status} {resp.body[:300]!r}")
    md = j["KeyMetadata"]
    return CorpusKey(name, md["KeyId"], md["Arn"], spec, usage, md.get("Origin", "AWS_KMS"))


def _import_material(client: KmsClient, key: CorpusKey, material: bytes) -> None:
    p = client.ok("GetParametersForImport", {"KeyId": key.key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
                                              "WrappingKeySpec": "RSA_2048"})
    pub = serialization.load_der_public_key(unb64(p["PublicKey"]))
    wrapped = pub.encrypt(material, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None))
    client.ok("ImportKeyMaterial", {"KeyId": key.key_id, "ImportToken": p["ImportToken"],
                                    "EncryptedKeyMaterial": b64(wrapped),
                                    "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"})


def build_corpus(client: KmsClient, rng: random.Random) -> Corpus:
    c = Corpus()

    def plaintext(kind: str) -> bytes:
        if kind == "text":
            return f"fuzz-secret-plaintext-{marker(rng, 16)}".encode()
        if kind == "binary":
            return rng.randbytes(rng.randint(16, 200))
        if kind == "max":
            return (f"fuzz-secret-max-{marker(rng, 16)}-".encode() * 200)[:4096]
        raise ValueError(kind)

    specs = [
        ("sym", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {}),
        ("sym2", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {}),
        ("mrk", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"MultiRegion": True}),
        ("rsa_enc", "RSA_2048", "ENCRYPT_DECRYPT", {}),
        ("ecc_sign", "ECC_NIST_P256", "SIGN_VERIFY", {}),
        ("rsa_sign", "RSA_2048", "SIGN_VERIFY", {}),
        ("hmac", "HMAC_256", "GENERATE_VERIFY_MAC", {}),
    ]
    for name, spec, usage, extra in specs:
        c.keys[name] = _create(client, name, spec, usage, **extra)
    try:
        c.keys["ed_sign"] = _create(client, "ed_sign", "ECC_NIST_EDWARDS25519", "SIGN_VERIFY")
    except SetupError as e:
        c.notes.append(f"no Ed25519 key in the corpus: {e}")
    ext = _create(client, "ext", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", Origin="EXTERNAL")
    material = rng.randbytes(32)
    _import_material(client, ext, material)
    c.keys["ext"] = ext
    c.add_secret(material)

    def encrypt(key: str, pt: bytes, context: dict | None = None, algorithm: str = "SYMMETRIC_DEFAULT"):
        params = {"KeyId": c.keys[key].key_id, "Plaintext": b64(pt)}
        if context is not None:
            params["EncryptionContext"] = context
        if algorithm != "SYMMETRIC_DEFAULT":
            params["EncryptionAlgorithm"] = algorithm
        j = client.ok("Encrypt", params)
        c.ciphertexts.append(Ciphertext(key, unb64(j["CiphertextBlob"]), pt, context, algorithm))
        c.add_secret(pt)

    encrypt("sym", plaintext("text"))
    encrypt("sym", plaintext("binary"), {"purpose": "fuzz", "tenant": marker(rng, 6)})
    encrypt("sym", plaintext("max"))
    encrypt("sym2", plaintext("text"), {"a": "b"})
    encrypt("mrk", plaintext("text"), {"region": "any"})
    encrypt("mrk", plaintext("binary"))
    encrypt("ext", plaintext("text"))
    encrypt("ext", plaintext("binary"), {"imported": "yes"})
    encrypt("rsa_enc", plaintext("text"), algorithm="RSAES_OAEP_SHA_256")
    encrypt("rsa_enc", plaintext("binary")[:100], algorithm="RSAES_OAEP_SHA_1")

    # Data keys: the plaintext key is a secret; the ciphertext decrypts to it.
    ctx = {"datakey": marker(rng, 5)}
    j = client.ok("GenerateDataKey", {"KeyId": c.keys["sym"].key_id, "KeySpec": "AES_256", "EncryptionContext": ctx})
    dk = unb64(j["Plaintext"])
    c.ciphertexts.append(Ciphertext("sym", unb64(j["CiphertextBlob"]), dk, ctx, source="GenerateDataKey"))
    c.add_secret(dk)
    j = client.ok("GenerateDataKey", {"KeyId": c.keys["ext"].key_id, "NumberOfBytes": 48})
    dk = unb64(j["Plaintext"])
    c.ciphertexts.append(Ciphertext("ext", unb64(j["CiphertextBlob"]), dk, None, source="GenerateDataKey"))
    c.add_secret(dk)
    j = client.ok("GenerateDataKeyPair", {"KeyId": c.keys["mrk"].key_id, "KeyPairSpec": "ECC_NIST_P256"})
    priv = unb64(j["PrivateKeyPlaintext"])
    c.ciphertexts.append(Ciphertext("mrk", unb64(j["PrivateKeyCiphertextBlob"]), priv, None,
                                    source="GenerateDataKeyPair"))
    c.add_secret(priv)

    def sign_(key: str, msg: bytes, alg: str, mtype: str = "RAW"):
        j = client.ok("Sign", {"KeyId": c.keys[key].key_id, "Message": b64(msg), "SigningAlgorithm": alg,
                               "MessageType": mtype})
        c.signatures.append(Signature(key, msg, mtype, alg, unb64(j["Signature"])))

    m1 = plaintext("text")
    sign_("ecc_sign", m1, "ECDSA_SHA_256")
    sign_("ecc_sign", hashlib.sha256(m1).digest(), "ECDSA_SHA_256", "DIGEST")
    sign_("rsa_sign", m1, "RSASSA_PSS_SHA_256")
    sign_("rsa_sign", plaintext("binary"), "RSASSA_PKCS1_V1_5_SHA_256")
    sign_("rsa_sign", hashlib.sha384(m1).digest(), "RSASSA_PSS_SHA_384", "DIGEST")
    if "ed_sign" in c.keys:
        sign_("ed_sign", m1, "ED25519_SHA_512")
    for msg in (plaintext("text"), plaintext("binary")):
        j = client.ok("GenerateMac", {"KeyId": c.keys["hmac"].key_id, "Message": b64(msg),
                                      "MacAlgorithm": "HMAC_SHA_256"})
        c.macs.append(Mac("hmac", msg, "HMAC_SHA_256", unb64(j["Mac"])))
    for s in c.signatures + c.macs:
        c.add_secret(s.message)
    for name, k in c.keys.items():
        if k.spec != "SYMMETRIC_DEFAULT" and not k.spec.startswith("HMAC"):
            c.public_keys[name] = client.ok("GetPublicKey", {"KeyId": k.key_id})["PublicKey"]
    return c


# --------------------------------------------------------------------------- requests on corpus items

def decrypt_params(c: Corpus, ct: Ciphertext, blob: bytes | None = None, *, with_key: bool = True,
                   key_name: str | None = None) -> dict:
    p = {"CiphertextBlob": b64(ct.blob if blob is None else blob)}
    if ct.context is not None:
        p["EncryptionContext"] = ct.context
    if ct.algorithm != "SYMMETRIC_DEFAULT":
        p["EncryptionAlgorithm"] = ct.algorithm
        with_key = True
    if with_key:
        p["KeyId"] = c.keys[key_name or ct.key].key_id
    return p


def verify_params(c: Corpus, s: Signature, *, message: bytes | None = None, signature: bytes | None = None,
                  algorithm: str | None = None, message_type: str | None = None) -> dict:
    return {"KeyId": c.keys[s.key].key_id, "Message": b64(s.message if message is None else message),
            "MessageType": message_type or s.message_type, "SigningAlgorithm": algorithm or s.algorithm,
            "Signature": b64(s.signature if signature is None else signature)}


def verify_mac_params(c: Corpus, m: Mac, *, message: bytes | None = None, mac: bytes | None = None,
                      algorithm: str | None = None) -> dict:
    return {"KeyId": c.keys[m.key].key_id, "Message": b64(m.message if message is None else message),
            "MacAlgorithm": algorithm or m.algorithm, "Mac": b64(m.mac if mac is None else mac)}


def check_corpus(client: KmsClient, c: Corpus) -> list[str]:
    """Every corpus ciphertext decrypts to its plaintext, every signature and MAC verifies, every public key is
    unchanged and every key still encrypts/signs/MACs. Returns the problems found."""
    problems = []

    def call(op, params):
        try:
            return client.call(op, params)
        except Exception as e:  # noqa: BLE001 - reported as a problem
            return 0, None, str(e)

    for i, ct in enumerate(c.ciphertexts):
        status, j, resp = call("Decrypt", decrypt_params(c, ct))
        if status != 200 or unb64((j or {}).get("Plaintext", "")) != ct.plaintext:
            problems.append(f"ciphertext #{i} ({ct.source} under {ct.key}) no longer decrypts to its plaintext: "
                            f"HTTP {status} {_short(resp)}")
    for i, s in enumerate(c.signatures):
        status, j, resp = call("Verify", verify_params(c, s))
        if status != 200 or not (j or {}).get("SignatureValid"):
            problems.append(f"signature #{i} ({s.algorithm} {s.message_type} by {s.key}) no longer verifies: "
                            f"HTTP {status} {_short(resp)}")
    for i, m in enumerate(c.macs):
        status, j, resp = call("VerifyMac", verify_mac_params(c, m))
        if status != 200 or not (j or {}).get("MacValid"):
            problems.append(f"MAC #{i} ({m.algorithm} by {m.key}) no longer verifies: HTTP {status} {_short(resp)}")
    for name, pub in c.public_keys.items():
        status, j, resp = call("GetPublicKey", {"KeyId": c.keys[name].key_id})
        if status != 200 or (j or {}).get("PublicKey") != pub:
            problems.append(f"public key of {name} changed or unavailable: HTTP {status} {_short(resp)}")
    for name, k in c.keys.items():
        outcome = probe_key(client, k.key_id, k.spec, k.usage)
        if outcome != "works":
            problems.append(f"corpus key {name} ({k.spec}/{k.usage}) no longer works: {outcome}")
    return problems


def _short(resp) -> str:
    if resp is None or isinstance(resp, str):
        return str(resp)[:300]
    return repr(resp.body[:300])


def probe_key(client: KmsClient, key_id: str, spec: str, usage: str) -> str:
    """Use a key once for what it is for; 'works' or a short description of the failure."""
    pt = b"fuzz probe"
    try:
        if usage == "ENCRYPT_DECRYPT":
            alg = "SYMMETRIC_DEFAULT" if spec == "SYMMETRIC_DEFAULT" else "RSAES_OAEP_SHA_256"
            s, j, r = client.call("Encrypt", {"KeyId": key_id, "Plaintext": b64(pt), "EncryptionAlgorithm": alg})
            if s != 200:
                return f"Encrypt: HTTP {s} {_type(j)}"
            s, j, r = client.call("Decrypt", {"KeyId": key_id, "CiphertextBlob": j["CiphertextBlob"],
                                              "EncryptionAlgorithm": alg})
            if s != 200 or unb64(j.get("Plaintext", "")) != pt:
                return f"Decrypt: HTTP {s} {_type(j)}"
            return "works"
        if usage == "SIGN_VERIFY":
            alg = {"ECC_NIST_P256": "ECDSA_SHA_256", "ECC_SECG_P256K1": "ECDSA_SHA_256", "ECC_NIST_P384": "ECDSA_SHA_384",
                   "ECC_NIST_P521": "ECDSA_SHA_512", "ECC_NIST_EDWARDS25519": "ED25519_SHA_512",
                   "ML_DSA_44": "ML_DSA_SHAKE_256", "ML_DSA_65": "ML_DSA_SHAKE_256", "ML_DSA_87": "ML_DSA_SHAKE_256",
                   }.get(spec, "RSASSA_PSS_SHA_256")
            s, j, r = client.call("Sign", {"KeyId": key_id, "Message": b64(pt), "SigningAlgorithm": alg})
            if s != 200:
                return f"Sign: HTTP {s} {_type(j)}"
            s, j, r = client.call("Verify", {"KeyId": key_id, "Message": b64(pt), "SigningAlgorithm": alg,
                                             "Signature": j["Signature"]})
            if s != 200 or not j.get("SignatureValid"):
                return f"Verify: HTTP {s} {_type(j)}"
            return "works"
        if usage == "GENERATE_VERIFY_MAC":
            alg = {"HMAC_224": "HMAC_SHA_224", "HMAC_256": "HMAC_SHA_256", "HMAC_384": "HMAC_SHA_384",
                   "HMAC_512": "HMAC_SHA_512"}.get(spec, "HMAC_SHA_256")
            s, j, r = client.call("GenerateMac", {"KeyId": key_id, "Message": b64(pt), "MacAlgorithm": alg})
            if s != 200:
                return f"GenerateMac: HTTP {s} {_type(j)}"
            s, j, r = client.call("VerifyMac", {"KeyId": key_id, "Message": b64(pt), "MacAlgorithm": alg,
                                                "Mac": j["Mac"]})
            if s != 200 or not j.get("MacValid"):
                return f"VerifyMac: HTTP {s} {_type(j)}"
            return "works"
        s, j, r = client.call("GetPublicKey", {"KeyId": key_id})
        return "works" if s == 200 else f"GetPublicKey: HTTP {s} {_type(j)}"
    except Exception as e:  # noqa: BLE001
        return f"exception {e}"


def _type(j) -> str:
    return (j or {}).get("__type", "?") if isinstance(j, dict) else "?"


# --------------------------------------------------------------------------- victims

class Victims:
    """The keys the model-driven cases may do anything to, and the valid values built around them."""

    KINDS = {
        "sym": ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {}),
        "rsa": ("RSA_2048", "ENCRYPT_DECRYPT", {}),
        "ecc": ("ECC_NIST_P256", "SIGN_VERIFY", {}),
        "hmac": ("HMAC_256", "GENERATE_VERIFY_MAC", {}),
        "agree": ("ECC_NIST_P256", "KEY_AGREEMENT", {}),
        "ext": ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"Origin": "EXTERNAL"}),
        "mrk": ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"MultiRegion": True}),
    }
    OP_KIND = {
        "Sign": "ecc", "Verify": "ecc", "GenerateMac": "hmac", "VerifyMac": "hmac", "DeriveSharedSecret": "agree",
        "GetParametersForImport": "ext", "ImportKeyMaterial": "ext", "DeleteImportedKeyMaterial": "ext",
        "ReplicateKey": "mrk", "UpdatePrimaryRegion": "mrk",
    }
    ALIAS = "alias/fuzz-victim"

    def __init__(self, account: str):
        self.account = account
        self.keys: dict[str, CorpusKey] = {}
        self.ciphertext_b64 = ""
        priv = ec.generate_private_key(ec.SECP256R1())
        self.public_key_b64 = b64(priv.public_key().public_bytes(serialization.Encoding.DER,
                                                                   serialization.PublicFormat.SubjectPublicKeyInfo))

    def create(self, client: KmsClient) -> None:
        for kind, (spec, usage, extra) in self.KINDS.items():
            self.keys[kind] = _create(client, f"victim-{kind}", spec, usage, **extra)
        client.ok("CreateAlias", {"AliasName": self.ALIAS, "TargetKeyId": self.keys["sym"].key_id})
        self.ciphertext_b64 = client.ok("Encrypt", {"KeyId": self.keys["sym"].key_id,
                                                    "Plaintext": b64(b"victim plaintext")})["CiphertextBlob"]

    def heal(self, client: KmsClient) -> None:
        """Undo what the fuzz cases may have done to the victims (errors ignored: some undo nothing)."""
        for k in self.keys.values():
            client.call("CancelKeyDeletion", {"KeyId": k.key_id})
            client.call("EnableKey", {"KeyId": k.key_id})
        status, _, _ = client.call("UpdateAlias", {"AliasName": self.ALIAS, "TargetKeyId": self.keys["sym"].key_id})
        if status != 200:
            client.call("CreateAlias", {"AliasName": self.ALIAS, "TargetKeyId": self.keys["sym"].key_id})

    # -- values for model.Builder
    def key_ref(self, op: str, member: str, rng: random.Random) -> str:
        kind = self.OP_KIND.get(op, "sym")
        if op in ("Encrypt", "GetPublicKey") and rng.random() < 0.25:
            kind = "rsa" if op == "Encrypt" else rng.choice(["rsa", "ecc", "agree"])
        if member in ("TargetKeyId",):
            return self.keys["sym"].key_id
        k = self.keys[kind]
        r = rng.random()
        if r < 0.6:
            return k.key_id
        if r < 0.85 or kind != "sym":
            return k.arn
        return self.ALIAS if r < 0.95 else f"arn:aws:kms:us-east-1:{self.account}:{self.ALIAS}"

    def alias_name(self, op: str, rng: random.Random) -> str:
        if op == "UpdateAlias":
            return self.ALIAS
        return f"alias/fuzz-{marker(rng, 10)}"

    def ciphertext(self, op: str, rng: random.Random) -> str:
        return self.ciphertext_b64
