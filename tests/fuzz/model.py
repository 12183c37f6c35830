"""The botocore KMS model, valid values for every member, and the catalogue of mutations derived from it.

Every operation's input shape is walked down to its leaves (structure members, list items `[]`, map values `{}`,
three levels deep at most); each leaf gets the mutations its shape allows (type, length and range limits +-1,
patterns, enums, huge values, invalid UTF-8, duplicate keys, null, ...), and each operation gets the body-level
mutations (not an object, deep nesting, trailing garbage, over the server's 1 MiB limit, ...).

A mutation says whether the server must reject the request (`reject=True`: the value breaks the model, so a 2xx is a
finding), or may do either (`reject=None`). Values are built from a context (`ctx`, corpus.Victims) that names the
harness' sacrificial keys, so that a request whose mutated member is still valid reaches the operation itself.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import random
import re
from dataclasses import dataclass, field
from typing import Any

import botocore

# Enum values never chosen as "valid": they make the server generate RSA-3072/4096 keys (seconds of CPU each), which
# would turn a fuzz run into a key-generation benchmark.
EXPENSIVE_ENUM_VALUES = {"RSA_3072", "RSA_4096"}


def load_botocore_model() -> dict:
    path = os.path.join(os.path.dirname(botocore.__file__), "data", "kms", "2014-11-01", "service-2.json.gz")
    with gzip.open(path) as f:
        return json.load(f)


# --------------------------------------------------------------------------- JSON with what json.dumps cannot write

class Raw:
    """Bytes written verbatim into the JSON text (invalid UTF-8, 1e999999, deep nesting, ...)."""
    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data

    def __repr__(self):
        return f"Raw({self.data[:40]!r}{'...' if len(self.data) > 40 else ''})"


class RawKey:
    """A member name written verbatim (invalid UTF-8, lone surrogates)."""
    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data

    def __hash__(self):
        return hash(self.data)

    def __eq__(self, other):
        return isinstance(other, RawKey) and other.data == self.data


class Dup:
    """The member appears several times in its object, once per value."""
    __slots__ = ("values",)

    def __init__(self, values: list):
        self.values = values


DELETE = object()


def dumps(value: Any) -> bytes:
    out: list[bytes] = []
    _dump(value, out)
    return b"".join(out)


def _dump(v: Any, out: list[bytes]) -> None:
    if isinstance(v, Raw):
        out.append(v.data)
    elif isinstance(v, dict):
        out.append(b"{")
        first = True
        for k, val in v.items():
            for item in (val.values if isinstance(val, Dup) else [val]):
                if not first:
                    out.append(b",")
                first = False
                out.append(k.data if isinstance(k, RawKey)
                           else json.dumps(k, ensure_ascii=False).encode("utf-8", "surrogatepass"))
                out.append(b":")
                _dump(item, out)
        out.append(b"}")
    elif isinstance(v, list):
        out.append(b"[")
        for i, item in enumerate(v):
            if i:
                out.append(b",")
            _dump(item, out)
        out.append(b"]")
    elif isinstance(v, str):
        out.append(json.dumps(v, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    else:
        out.append(json.dumps(v).encode())


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def marker(rng: random.Random, n: int = 12) -> str:
    """A distinctive text that cannot occur by chance in a response (no hex digits, so not in a UUID)."""
    return "".join(rng.choice("ghjkmnpqrstvwxyz") for _ in range(n))


# --------------------------------------------------------------------------- model walking

@dataclass
class Leaf:
    op: str
    path: tuple            # member names, "[]" for a list item, "{}" for a map value, "{key}" for a map key
    shape_name: str
    shape: dict
    required: bool         # required in its parent structure (False for list items / map entries)
    sensitive: bool

    @property
    def name(self) -> str:
        return ".".join(self.path)


class Model:
    def __init__(self, raw: dict | None = None):
        self.raw = raw or load_botocore_model()
        self.shapes: dict = self.raw["shapes"]
        self.operations: list[str] = sorted(self.raw["operations"])
        self.input_shape = {op: self.raw["operations"][op].get("input", {}).get("shape") for op in self.operations}
        self._leaves: dict[str, list[Leaf]] = {}

    def input(self, op: str) -> dict:
        name = self.input_shape[op]
        return self.shapes[name] if name else {"type": "structure", "members": {}}

    def leaves(self, op: str) -> list[Leaf]:
        if op not in self._leaves:
            acc: list[Leaf] = []
            self._walk(op, (), self.input_shape[op], self.input(op), acc, depth=0)
            self._leaves[op] = acc
        return self._leaves[op]

    def _walk(self, op, path, shape_name, shape, acc, depth):
        if shape.get("type") != "structure" or depth > 3:
            return
        required = set(shape.get("required", []))
        for mname, mref in shape.get("members", {}).items():
            sname = mref["shape"]
            s = self.shapes[sname]
            p = path + (mname,)
            acc.append(Leaf(op, p, sname, s, mname in required, bool(s.get("sensitive"))))
            self._children(op, p, s, acc, depth)

    def _children(self, op, p, s, acc, depth):
        t = s["type"]
        if t == "structure":
            self._walk(op, p, None, s, acc, depth + 1)
        elif t == "list":
            iname = s["member"]["shape"]
            item = self.shapes[iname]
            acc.append(Leaf(op, p + ("[]",), iname, item, False, bool(item.get("sensitive"))))
            self._children(op, p + ("[]",), item, acc, depth + 1)
        elif t == "map":
            kname, vname = s["key"]["shape"], s["value"]["shape"]
            acc.append(Leaf(op, p + ("{key}",), kname, self.shapes[kname], False, False))
            acc.append(Leaf(op, p + ("{}",), vname, self.shapes[vname], False, bool(self.shapes[vname].get("sensitive"))))


# --------------------------------------------------------------------------- valid values

DEFAULT_POLICY = (
    '{\n  "Version" : "2012-10-17",\n  "Id" : "key-default-1",\n  "Statement" : [ {\n'
    '    "Sid" : "Enable IAM User Permissions",\n    "Effect" : "Allow",\n    "Principal" : {\n'
    '      "AWS" : "arn:aws:iam::%s:root"\n    },\n    "Action" : "kms:*",\n    "Resource" : "*"\n  } ]\n}'
)

PATTERN_SAMPLES = {
    "[0-9]{12}": "111122223333",
    "^[a-f0-9]+$": "a" * 64,
    "cluster-[2-7a-zA-Z]{11,16}": "cluster-234567abcdefg",
    "^[a-zA-Z0-9:/_\\s.-]+$": "fuzz material",
    "[\\u0020-\\u00FF]*": "fuzz",
    "[\\w]+": "default",
    "^[\\w+=,.@:/-]+$": "arn:aws:iam::111122223333:role/fuzz",
    "^([a-z]+-){2,3}\\d+$": "us-west-2",
    "^[a-zA-Z0-9-_.]+$": "fuzz-xks-key",
    "^[A-Z2-7]+$": "ABCDEFGHIJKLMNOPQRST",
    "^[a-zA-Z0-9\\/+=]+$": "a" * 44,
    "^https://[a-zA-Z0-9.-]+$": "https://xks.example.com",
    "^(/[a-zA-Z0-9\\/_-]+/kms/xks/v\\d{1,2})$|^(/kms/xks/v\\d{1,2})$": "/kms/xks/v1",
    "^(com|eu)\\.amazonaws\\.vpce\\.([a-z]+-){2,3}\\d+\\.vpce-svc-[0-9a-z]+$":
        "com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
}

# Per operation: the enum values and members that make a request reach the operation with the victim key it uses.
OP_DEFAULTS: dict[str, dict[str, Any]] = {
    "Encrypt": {"EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
    "Decrypt": {"EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
    "ReEncrypt": {"SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT", "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
    "GenerateDataKey": {"KeySpec": "AES_256", "NumberOfBytes": 32},
    "GenerateDataKeyWithoutPlaintext": {"KeySpec": "AES_256", "NumberOfBytes": 32},
    "GenerateDataKeyPair": {"KeyPairSpec": "ECC_NIST_P256"},
    "GenerateDataKeyPairWithoutPlaintext": {"KeyPairSpec": "ECC_NIST_P256"},
    "Sign": {"SigningAlgorithm": "ECDSA_SHA_256", "MessageType": "RAW"},
    "Verify": {"SigningAlgorithm": "ECDSA_SHA_256", "MessageType": "RAW"},
    "GenerateMac": {"MacAlgorithm": "HMAC_SHA_256"},
    "VerifyMac": {"MacAlgorithm": "HMAC_SHA_256"},
    "DeriveSharedSecret": {"KeyAgreementAlgorithm": "ECDH"},
    "GetParametersForImport": {"WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"},
    "ImportKeyMaterial": {"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE", "ImportType": "NEW_KEY_MATERIAL"},
    "CreateKey": {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT", "Origin": "AWS_KMS",
                  "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "MultiRegion": False,
                  "BypassPolicyLockoutSafetyCheck": False},
    "PutKeyPolicy": {"PolicyName": "default", "BypassPolicyLockoutSafetyCheck": False},
    "GetKeyPolicy": {"PolicyName": "default"},
    "EnableKeyRotation": {"RotationPeriodInDays": 365},
    "ScheduleKeyDeletion": {"PendingWindowInDays": 7},
    "ReplicateKey": {"ReplicaRegion": "us-west-2", "BypassPolicyLockoutSafetyCheck": False},
    "UpdatePrimaryRegion": {"PrimaryRegion": "us-west-2"},
    "CreateGrant": {"Operations": ["Decrypt", "Encrypt"], "Name": "fuzz-grant"},
    "GenerateRandom": {"NumberOfBytes": 32},
    "CreateCustomKeyStore": {"CustomKeyStoreType": "EXTERNAL_KEY_STORE", "XksProxyConnectivity": "PUBLIC_ENDPOINT"},
}
# Members left out of the valid base unless they are the one mutated: they would turn the base request into a
# different (usually failing) request.
OPTIONAL_SKIP = {
    ("GenerateDataKey", "NumberOfBytes"), ("GenerateDataKeyWithoutPlaintext", "NumberOfBytes"),
    ("CreateKey", "CustomerMasterKeySpec"), ("CreateKey", "CustomKeyStoreId"), ("CreateKey", "XksKeyId"),
    ("CreateKey", "Policy"), ("ReplicateKey", "Policy"),
    ("Decrypt", "Recipient"), ("GenerateDataKey", "Recipient"), ("GenerateDataKeyPair", "Recipient"),
    ("GenerateRandom", "Recipient"), ("DeriveSharedSecret", "Recipient"), ("GenerateRandom", "CustomKeyStoreId"),
    ("Decrypt", "EncryptionContext"), ("ReEncrypt", "SourceEncryptionContext"),
    ("ImportKeyMaterial", "ValidTo"), ("ImportKeyMaterial", "KeyMaterialId"), ("ImportKeyMaterial", "ImportType"),
    ("DeleteImportedKeyMaterial", "KeyMaterialId"),
    ("Decrypt", "DryRunModifiers"), ("ReEncrypt", "DryRunModifiers"),
}


class Builder:
    """Valid values for a leaf, built from the model plus the context `ctx` (corpus.Victims)."""

    def __init__(self, model: Model, ctx):
        self.model = model
        self.ctx = ctx

    def valid(self, op: str, path: tuple, shape_name: str | None, shape: dict, rng: random.Random,
              sensitive_out: list[str]) -> Any:
        name = path[-1] if path else ""
        top = path[0] if path else ""
        t = shape["type"]
        defaults = OP_DEFAULTS.get(op, {})
        if len(path) == 1 and name in defaults:
            return json.loads(json.dumps(defaults[name]))
        special = self._special(op, name, top, path, shape, rng, sensitive_out)
        if special is not None:
            return special
        if t == "structure":
            return self.structure(op, path, shape, rng, sensitive_out, optional_p=0.3)
        if t == "list":
            iname = shape["member"]["shape"]
            return [self.valid(op, path + ("[]",), iname, self.model.shapes[iname], rng, sensitive_out)]
        if t == "map":
            return {"fuzz": "context"}
        if t == "string":
            if "enum" in shape:
                choices = [v for v in shape["enum"] if v not in EXPENSIVE_ENUM_VALUES]
                return rng.choice(choices)
            if "pattern" in shape:
                sample = PATTERN_SAMPLES.get(shape["pattern"])
                if sample is not None:
                    if shape.get("sensitive"):
                        sample = self._sensitive_string(shape, rng, sensitive_out, alphabet_upper=("A-Z2-7" in shape["pattern"]))
                    return sample
            if shape.get("sensitive"):
                return self._sensitive_string(shape, rng, sensitive_out)
            lo = shape.get("min", 0)
            return ("fuzz-" + marker(rng, 6)).ljust(max(lo, 1), "x")[: shape.get("max", 64)]
        if t == "blob":
            lo, hi = shape.get("min", 1), min(shape.get("max", 64), 64)
            data = rng.randbytes(rng.randint(max(lo, 1), max(lo, hi)))
            text = b64(data)
            if shape.get("sensitive"):
                sensitive_out.append(text)
            return text
        if t == "integer":
            lo, hi = shape.get("min", 0), shape.get("max", 1000)
            return rng.randint(lo, min(hi, lo + 100))
        if t == "boolean":
            return False
        if t == "timestamp":
            return 1893456000  # 2030-01-01
        raise ValueError(t)

    def _sensitive_string(self, shape, rng, sensitive_out, alphabet_upper=False) -> str:
        lo, hi = shape.get("min", 1), shape.get("max", 64)
        n = max(lo, min(hi, 20))
        if alphabet_upper:
            text = "".join(rng.choice("GHJKMNPQRSTVWXYZ") for _ in range(n))
        else:
            text = marker(rng, n)
        sensitive_out.append(text)
        return text

    def _special(self, op, name, top, path, shape, rng, sensitive_out):
        ctx = self.ctx
        if len(path) == 1:
            if name in ("KeyId", "TargetKeyId", "DestinationKeyId", "SourceKeyId"):
                return ctx.key_ref(op, name, rng)
            if name == "AliasName":
                return ctx.alias_name(op, rng)
            if name == "CiphertextBlob":
                return ctx.ciphertext(op, rng)
            if name == "Policy":
                return DEFAULT_POLICY % ctx.account
            if name in ("GranteePrincipal", "RetiringPrincipal"):
                return f"arn:aws:iam::{ctx.account}:role/fuzz"
            if name == "PublicKey" and op == "DeriveSharedSecret":
                return ctx.public_key_b64
            if name in ("Signature",):
                return b64(rng.randbytes(72))
            if name == "Mac":
                return b64(rng.randbytes(32))
            if name == "GrantId":
                return rng.randbytes(32).hex()
            if name in ("Marker",):
                return None
            if name == "TagKeys":
                return ["fuzz"]
            if name == "Tags":
                return [{"TagKey": "fuzz", "TagValue": "value"}]
            if name == "EncryptionContext" or name.endswith("EncryptionContext"):
                return {"purpose": "fuzz"}
            if name == "Description":
                return "fuzz description"
            if name == "GrantTokens":
                return []
            if name == "CustomKeyStoreId":
                return "cks-1234567890abcdef0"
            if name == "Limit":
                return 10
            if name == "Message" and op in ("Sign", "Verify"):
                text = b64(rng.randbytes(rng.randint(1, 64)))
                sensitive_out.append(text)
                return text
        return None

    def structure(self, op, path, shape, rng, sensitive_out, optional_p=0.3, force: tuple | None = None) -> dict:
        """A valid object for a structure: its required members, some optional ones, and the member on the way to
        `force` (a path below `path`)."""
        out: dict = {}
        required = set(shape.get("required", []))
        for mname, mref in shape.get("members", {}).items():
            sname = mref["shape"]
            s = self.model.shapes[sname]
            on_forced_path = force is not None and len(force) > len(path) and force[len(path)] == mname
            if not (mname in required or on_forced_path):
                if len(path) == 0 and (op, mname) in OPTIONAL_SKIP:
                    continue
                if rng.random() >= optional_p:
                    continue
            sub = path + (mname,)
            if on_forced_path and s["type"] == "structure":
                v = self.structure(op, sub, s, rng, sensitive_out, optional_p, force)
            else:
                v = self.valid(op, sub, sname, s, rng, sensitive_out)
            if v is None:
                if on_forced_path or mname in required:
                    v = "fuzz"
                else:
                    continue
            out[mname] = v
        return out

    def request(self, op: str, rng: random.Random, sensitive_out: list[str], force: tuple | None = None) -> dict:
        return self.structure(op, (), self.model.input(op), rng, sensitive_out, optional_p=0.25, force=force)


# --------------------------------------------------------------------------- locating and replacing a leaf

def set_at(doc: dict, path: tuple, value: Any, builder: Builder, op: str, rng: random.Random,
           sensitive_out: list[str]) -> None:
    """Replace the value at `path` (creating parents as needed) with `value` (DELETE removes it)."""
    model = builder.model
    node: Any = doc
    shape = model.input(op)
    for i, step in enumerate(path[:-1]):
        if step == "[]":
            node = node[0]
            shape = model.shapes[shape["member"]["shape"]]
            continue
        sname = shape["members"][step]["shape"]
        sshape = model.shapes[sname]
        sub = path[: i + 1]
        cur = node.get(step)
        t = sshape["type"]
        if t == "structure" and not isinstance(cur, dict):
            node[step] = builder.structure(op, sub, sshape, rng, sensitive_out, force=path)
        elif t == "list":
            if not isinstance(cur, list):
                node[step] = cur = []
            if not cur:
                iname = sshape["member"]["shape"]
                cur.append(builder.valid(op, sub + ("[]",), iname, model.shapes[iname], rng, sensitive_out))
        elif t == "map" and (not isinstance(cur, dict) or not cur):
            node[step] = {"fuzz": "context"}
        node = node[step]
        shape = sshape
    last = path[-1]
    if last == "[]":
        if value is DELETE:
            node.clear()
        else:
            node[0] = value
    elif last == "{}":
        k = next(iter(node))
        if value is DELETE:
            del node[k]
        else:
            node[k] = value
    elif last == "{key}":
        k = next(iter(node))
        v = node.pop(k)
        if value is not DELETE:
            node[RawKey(value.data) if isinstance(value, Raw) else value] = v
    else:
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value


# --------------------------------------------------------------------------- mutations

@dataclass
class Mut:
    value: Any
    reject: bool | None
    note: str = ""
    sensitive: list[str] = field(default_factory=list)


def _bad_pattern_samples(pattern: str) -> list[str]:
    """Strings that violate `pattern` under Java, ICU and Python regex alike (ASCII punctuation and controls)."""
    candidates = ["fuzz!value", "has space", "", "semi;colon", "tab\there", "new\nline", "quote\"d", "<script>",
                  "UPPER", "x" * 3, "%00", "back\\slash", "\u0100wide", "emoji\U0001F600", "\x00nul", "~tilde",
                  "arn:aws:iam::111122223333:role/fuzz!", "us_west_2", "cluster-1", "https://a b", "/kms/xks/vv"]
    out = []
    body = pattern
    for c in candidates:
        ok = False
        for flags in (0, re.ASCII):
            try:
                if re.fullmatch(body, c, flags):
                    ok = True
            except re.error:
                ok = True
        if not ok:
            out.append(c)
    return out


def _utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


HUGE_RANGE = (64 * 1024, 640 * 1024)


def mutations_for(leaf: Leaf) -> list[str]:
    """The names of the mutations that apply to a leaf."""
    s = leaf.shape
    t = s["type"]
    if leaf.path[-1] == "{key}":
        return ["empty", "huge", "invalid_utf8", "lone_surrogate", "control_chars", "unicode_astral"]
    names = ["null", "wrong_type", "deep_value"]
    if leaf.path[-1] != "[]":
        names += ["dup_valid_invalid", "dup_invalid_valid", "dup_valid_valid"]
    if leaf.required:
        names.append("missing")
    if t == "string":
        names += ["empty", "huge", "invalid_utf8", "lone_surrogate", "control_chars", "unicode_astral"]
        if s.get("min", 0) >= 1:
            names.append("len_min_minus_1")
        if "min" in s:
            names.append("len_min")
        if "max" in s:
            names += ["len_max", "len_max_plus_1", "len_max_astral"]
        if "pattern" in s and _bad_pattern_samples(s["pattern"]):
            names.append("pattern_violation")
        if "enum" in s:
            names += ["bad_enum", "enum_case", "enum_padded", "other_enum"]
    elif t == "blob":
        names += ["bad_base64", "base64_unpadded", "base64_urlsafe", "base64_whitespace", "empty", "huge"]
        if s.get("min", 0) >= 1:
            names.append("len_min_minus_1")
        if "max" in s:
            names += ["len_max", "len_max_plus_1"]
    elif t == "integer":
        names += ["min_minus_1", "max_plus_1", "min", "max", "int_extreme", "string_number", "float_value",
                  "exp_notation", "number_overflow"]
    elif t == "boolean":
        names += ["bool_string", "bool_number"]
    elif t == "timestamp":
        names += ["ts_string", "ts_negative", "ts_huge", "ts_fraction", "number_overflow"]
    elif t == "list":
        names += ["list_empty", "list_item_wrong_type", "list_item_null", "list_huge", "list_nested"]
        if "max" in s:
            names.append("list_max_plus_1")
        if s.get("min", 0) >= 1:
            names.append("list_min_minus_1")
    elif t == "map":
        names += ["map_value_type", "map_empty_key", "map_huge", "map_nested", "map_dup_keys", "map_empty"]
    elif t == "structure":
        names += ["struct_as_array", "struct_unknown_member", "struct_empty"]
    return names


BODY_MUTATIONS = [
    "body_array", "body_string", "body_number", "body_null", "body_true", "body_empty", "body_whitespace_only",
    "body_deep_array", "body_deep_object", "body_depth_63", "body_depth_64", "body_depth_65", "body_invalid_utf8",
    "body_bom", "body_trailing_garbage", "body_truncated", "body_unknown_members", "body_many_members",
    "body_whitespace_huge", "body_over_limit", "body_nul", "body_comment", "body_single_quotes",
    "body_trailing_comma", "body_long_member_name", "body_escape_heavy", "body_invalid_escape", "body_raw_control",
    "body_two_documents", "body_utf16", "body_number_overflow_member", "body_leading_zero",
]


def _wrong_type_values(t: str) -> list[Any]:
    all_vals = {"string": "fuzz", "number": 7, "float": 2.5, "bool": True, "array": ["fuzz"], "object": {"fuzz": 1}}
    excl = {"string": ("string",), "blob": ("string",), "integer": ("number",), "boolean": ("bool",),
            "timestamp": ("number", "float"), "list": ("array",), "map": ("object",), "structure": ("object",)}[t]
    return [v for k, v in all_vals.items() if k not in excl]


def make_mutation(name: str, leaf: Leaf, valid: Any, rng: random.Random) -> Mut:
    s = leaf.shape
    t = s["type"]
    lo, hi = s.get("min"), s.get("max")
    sens = leaf.sensitive

    def text_of(n: int, fill: str | None = None) -> str:
        if "pattern" in s and s["pattern"] in PATTERN_SAMPLES and fill is None:
            base = PATTERN_SAMPLES[s["pattern"]]
            if re.fullmatch(r"[a-f0-9]+", base) or re.fullmatch(r"[A-Z2-7]+", base) or set(base) == {"a"}:
                return (base[0] * n)
        if sens:
            m = marker(rng, max(n, 1))
            return m[:n]
        return ((fill or "z") * n)[:n]

    if name == "null":
        return Mut(None, True if leaf.required else None, "null")
    if name == "missing":
        return Mut(DELETE, True, "required member missing")
    if name == "wrong_type":
        return Mut(rng.choice(_wrong_type_values(t)), True, "wrong JSON type")
    if name == "dup_valid_invalid":
        bad = rng.choice(_wrong_type_values(t))
        return Mut(Dup([valid, bad]), True, "duplicate member: valid, then wrong type")
    if name == "dup_invalid_valid":
        bad = rng.choice(_wrong_type_values(t))
        return Mut(Dup([bad, valid]), True, "duplicate member: wrong type, then valid")
    if name == "dup_valid_valid":
        return Mut(Dup([valid, valid]), None, "duplicate member, same valid value")
    if name == "deep_value":
        depth = rng.choice([100, 1000, 10000])
        return Mut(Raw(b"[" * depth + b"]" * depth), True, f"value nested {depth} deep")
    if name == "number_overflow":
        return Mut(Raw(rng.choice([b"1e999999", b"-1e999999", b"1" * 400, b"1e-999999"])),
                   True if t == "integer" else None, "number out of any range")
    # ---- strings
    if t == "string":
        if name == "empty":
            return Mut("", True if (lo or 0) >= 1 or "enum" in s else None, "empty string")
        if name == "len_min_minus_1":
            return Mut(text_of(lo - 1), True, f"length {lo - 1} < min {lo}")
        if name == "len_min":
            return Mut(text_of(lo), True if "enum" in s else None, f"length min {lo}")
        if name == "len_max":
            return Mut(text_of(hi), True if "enum" in s else None, f"length max {hi}")
        if name == "len_max_plus_1":
            return Mut(text_of(hi + 1), True, f"length {hi + 1} > max {hi}")
        if name == "len_max_astral":
            # hi UTF-16 code units made of astral characters (2 units each) + 1: over the limit in UTF-16 units,
            # within it in code points
            n = hi // 2 + 1
            return Mut("\U0001F511" * n, True, f"{n} astral characters = {2 * n} UTF-16 units > max {hi}")
        if name == "huge":
            n = rng.randint(*HUGE_RANGE)
            return Mut(text_of(n, "h"), True if (hi is not None and n > hi) or "enum" in s else None,
                       f"huge string ({n} characters)")
        if name == "invalid_utf8":
            junk = rng.choice([b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80", b"\xf8\x88\x80\x80\x80",
                               b"\xf4\x90\x80\x80"])
            return Mut(Raw(b'"fuzz' + junk + b'value"'), None, f"invalid UTF-8 {junk!r} in a string")
        if name == "lone_surrogate":
            return Mut(Raw(rng.choice([b'"\\ud800"', b'"fuzz\\udfff"', b'"\\ud800\\u0041"', b'"\\udbff\\ud800"'])),
                       None, "lone UTF-16 surrogate escape")
        if name == "control_chars":
            return Mut(rng.choice(["\x00", "fu\x00zz", "\x1b[31m", "\u2028\u2029", "\ufeff", "\r\n\t"]), None,
                       "control characters")
        if name == "unicode_astral":
            return Mut(rng.choice(["\U0001F511", "fuzz-\u00e9\u00e8", "\u202eevil", "\u0301", "\uffff"]), None,
                       "non-ASCII text")
        if name == "pattern_violation":
            return Mut(rng.choice(_bad_pattern_samples(s["pattern"])), True, f"violates pattern {s['pattern']}")
        if name == "bad_enum":
            return Mut(rng.choice(["FUZZ", "SYMMETRIC_DEFAULT_", "RSA_1024", "null", "0", "*"]), True, "not an enum value")
        if name == "enum_case":
            v = rng.choice(s["enum"])
            low = v.lower() if v.lower() != v else v.upper()
            return Mut(low, True if low not in s["enum"] else None, "enum value in the wrong case")
        if name == "enum_padded":
            v = rng.choice(s["enum"])
            return Mut(rng.choice([" " + v, v + " ", v + "\x00", v + "\n"]), True, "enum value with padding")
        if name == "other_enum":
            choices = [v for v in s["enum"] if v not in EXPENSIVE_ENUM_VALUES]
            return Mut(rng.choice(choices), None, "another valid enum value")
    # ---- blobs
    if t == "blob":
        def blob(n: int) -> str:
            return b64(rng.randbytes(n))
        if name == "bad_base64":
            v = rng.choice(["@@@@", "not base64!", "QUJD=", "=QUJD", "QU=JD", "QUJDRA===", "\u00e9\u00e9\u00e9\u00e9",
                            "QUJDR"])
            return Mut(v, True, f"invalid base64 {v!r}")
        if name == "base64_unpadded":
            v = blob(rng.choice([1, 2, 4, 5]))
            return Mut(v.rstrip("="), True if v != v.rstrip("=") else None, "base64 without padding")
        if name == "base64_urlsafe":
            return Mut("-_-_" + "-" * 4, True, "URL-safe base64 alphabet")
        if name == "base64_whitespace":
            v = blob(12)
            return Mut(v[:4] + rng.choice([" ", "\n", "\t", "\r\n"]) + v[4:], None, "whitespace inside base64")
        if name == "empty":
            return Mut("", True if (lo or 0) >= 1 else None, "empty blob")
        if name == "len_min_minus_1":
            return Mut(blob(lo - 1), True, f"{lo - 1} bytes < min {lo}")
        if name == "len_max":
            return Mut(blob(hi), None, f"{hi} bytes = max")
        if name == "len_max_plus_1":
            return Mut(blob(hi + 1), True, f"{hi + 1} bytes > max {hi}")
        if name == "huge":
            n = rng.randint(HUGE_RANGE[0] * 3 // 4, HUGE_RANGE[1] * 3 // 4)
            return Mut(blob(n), True if hi is not None and n > hi else None, f"huge blob ({n} bytes)")
    # ---- integers
    if t == "integer":
        lo_, hi_ = s.get("min"), s.get("max")
        if name == "min_minus_1":
            return Mut((lo_ if lo_ is not None else 0) - 1, True if lo_ is not None else None, "min - 1")
        if name == "max_plus_1":
            return Mut((hi_ if hi_ is not None else 2**31 - 1) + 1, True, "max + 1")
        if name == "min":
            return Mut(lo_ if lo_ is not None else 0, None, "min")
        if name == "max":
            return Mut(hi_ if hi_ is not None else 2**31 - 1, None, "max")
        if name == "int_extreme":
            v = rng.choice([2**31, -2**31 - 1, 2**53 + 1, 2**63, -2**63 - 1, 2**64, 10**30, -1])
            return Mut(v, True, f"integer {v}")
        if name == "string_number":
            return Mut(str(valid if isinstance(valid, int) else 1), True, "number as a string")
        if name == "float_value":
            return Mut(rng.choice([1.5, 0.5, float(valid if isinstance(valid, int) else 1) + 0.25]), True, "fraction")
        if name == "exp_notation":
            return Mut(Raw(rng.choice([b"1e2", b"1.0", b"32.0", b"1E1", b"-0"])), None, "integral value in float notation")
    if t == "boolean":
        if name == "bool_string":
            return Mut(rng.choice(["true", "false", "True", ""]), True, "boolean as a string")
        if name == "bool_number":
            return Mut(rng.choice([0, 1]), True, "boolean as a number")
    if t == "timestamp":
        if name == "ts_string":
            return Mut(rng.choice(["2030-01-01T00:00:00Z", "1893456000", "tomorrow"]), None, "timestamp as a string")
        if name == "ts_negative":
            return Mut(rng.choice([-1, -62135596800, 0]), None, "timestamp before 1970")
        if name == "ts_huge":
            return Mut(rng.choice([2**53, 10**15, 253402300800]), None, "timestamp far in the future")
        if name == "ts_fraction":
            return Mut(1893456000.123456, None, "fractional timestamp")
    if t == "list":
        item = valid[0] if isinstance(valid, list) and valid else "fuzz"
        if name == "list_empty":
            return Mut([], None, "empty list")
        if name == "list_item_wrong_type":
            iname = s["member"]["shape"]
            return Mut([rng.choice(_wrong_type_values(leaf_type(iname)))], True, "list item of the wrong type")
        if name == "list_item_null":
            return Mut([None, item], None, "null list item")
        if name == "list_huge":
            n = rng.choice([1000, 10000, 50000])
            return Mut([item] * n, True if hi is not None and n > hi else None, f"list of {n} items")
        if name == "list_nested":
            return Mut([[item]], True, "list of lists")
        if name == "list_max_plus_1":
            return Mut([item] * (hi + 1), True, f"{hi + 1} items > max {hi}")
        if name == "list_min_minus_1":
            return Mut([item] * (lo - 1), True, f"{lo - 1} items < min {lo}")
    if t == "map":
        if name == "map_value_type":
            return Mut({"k": rng.choice([1, True, ["v"], {"v": "w"}])}, True, "map value not a string")
        if name == "map_empty_key":
            return Mut({"": "v"}, None, "empty map key")
        if name == "map_huge":
            n = rng.choice([100, 1000, 10000])
            return Mut({f"k{i}": "v" for i in range(n)}, None, f"map of {n} entries")
        if name == "map_nested":
            return Mut({"k": {"k": "v"}}, True, "nested map")
        if name == "map_dup_keys":
            return Mut({"k": Dup(["v1", "v2"])}, None, "duplicate map keys")
        if name == "map_empty":
            return Mut({}, None, "empty map")
    if t == "structure":
        if name == "struct_as_array":
            return Mut([valid], True, "structure as an array")
        if name == "struct_unknown_member":
            v = dict(valid) if isinstance(valid, dict) else {}
            v["FuzzUnknown" + marker(rng, 4)] = "x"
            return Mut(v, None, "unknown member in a structure")
        if name == "struct_empty":
            req = s.get("required", [])
            return Mut({}, True if req else None, "empty structure")
    raise ValueError(f"no mutation {name} for {t}")


_LEAF_TYPES: dict[str, str] = {}


def leaf_type(shape_name: str) -> str:
    return _LEAF_TYPES.get(shape_name, "string")


def init_leaf_types(model: Model) -> None:
    for n, s in model.shapes.items():
        _LEAF_TYPES[n] = s["type"]


def body_mutation(name: str, valid_body: bytes, rng: random.Random, has_required: bool) -> tuple[bytes, bool | None, str]:
    """(body, reject, note) for a body-level mutation of a valid request body."""
    if name == "body_array":
        return b"[" + valid_body + b"]", True, "body is an array"
    if name == "body_string":
        return b'"fuzz"', True, "body is a string"
    if name == "body_number":
        return b"42", True, "body is a number"
    if name == "body_null":
        return b"null", True, "body is null"
    if name == "body_true":
        return b"true", True, "body is true"
    if name == "body_empty":
        return b"", True if has_required else None, "empty body"
    if name == "body_whitespace_only":
        return b"  \r\n\t ", True, "body of whitespace only"
    if name == "body_deep_array":
        d = rng.choice([1000, 10000, 100000])
        return b"[" * d + b"]" * d, True, f"arrays nested {d} deep"
    if name == "body_deep_object":
        d = rng.choice([1000, 10000, 50000])
        return b'{"a":' * d + b"1" + b"}" * d, True, f"objects nested {d} deep"
    if name in ("body_depth_63", "body_depth_64", "body_depth_65"):
        d = int(name[-2:])
        inner = b'{"FuzzDeep":' * (d - 1) + b"1" + b"}" * (d - 1)
        return valid_body[:-1] + (b"," if len(valid_body) > 2 else b"") + b'"FuzzDeep":' + inner + b"}", \
            (True if d > 64 else None), f"unknown member nested to depth {d} (parser limit 64)"
    if name == "body_invalid_utf8":
        junk = rng.choice([b"\xff", b"\xc3\x28", b"\xa0\xa1", b"\xe2\x28\xa1", b"\xf0\x28\x8c\xbc"])
        return valid_body[:-1] + (b"," if len(valid_body) > 2 else b"") + b'"Fuzz' + junk + b'":1}', None, \
            f"invalid UTF-8 {junk!r} in a member name"
    if name == "body_bom":
        return b"\xef\xbb\xbf" + valid_body, None, "UTF-8 byte order mark"
    if name == "body_trailing_garbage":
        return valid_body + rng.choice([b"x", b"}", b",{}", b"\x00", b" null"]), True, "trailing garbage"
    if name == "body_truncated":
        cut = rng.randint(1, max(1, len(valid_body) - 1))
        return valid_body[:cut], True, f"truncated at {cut} of {len(valid_body)} bytes"
    if name == "body_unknown_members":
        extra = b"".join(b'"Fuzz%d":"x",' % i for i in range(rng.randint(1, 20)))
        return b"{" + extra + valid_body[1:] if len(valid_body) > 2 else b"{" + extra[:-1] + b"}", None, "unknown members"
    if name == "body_many_members":
        n = rng.choice([1000, 10000, 40000])
        extra = b",".join(b'"F%d":%d' % (i, i) for i in range(n))
        return b"{" + extra + (b"," + valid_body[1:] if len(valid_body) > 2 else b"}"), None, f"{n} unknown members"
    if name == "body_whitespace_huge":
        n = rng.randint(200_000, 1_000_000)
        return b" " * (n // 2) + valid_body + b"\n" * (n - n // 2), None, f"{n} bytes of whitespace around the body"
    if name == "body_over_limit":
        n = (1 << 20) + rng.choice([1, 100, 65536, 1 << 20])
        prefix = valid_body[:-1] + (b"," if len(valid_body) > 2 else b"") + b'"Pad":"'
        body = prefix + b"p" * (n - len(prefix) - 2) + b'"}'
        assert len(body) == n
        return body, True, f"body of {n} bytes > 1 MiB limit"
    if name == "body_nul":
        pos = rng.randint(0, len(valid_body))
        return valid_body[:pos] + b"\x00" + valid_body[pos:], True, f"NUL byte at {pos}"
    if name == "body_comment":
        return b"/* fuzz */" + valid_body, True, "comment"
    if name == "body_single_quotes":
        return valid_body.replace(b'"', b"'"), True if len(valid_body) > 2 else None, "single quotes"
    if name == "body_trailing_comma":
        return (valid_body[:-1] + b",}") if len(valid_body) > 2 else b"{,}", True, "trailing comma"
    if name == "body_long_member_name":
        n = rng.choice([10_000, 100_000, 500_000])
        return b'{"' + b"N" * n + b'":1' + (b"," + valid_body[1:] if len(valid_body) > 2 else b"}"), None, \
            f"member name of {n} bytes"
    if name == "body_escape_heavy":
        n = rng.choice([1000, 50000])
        return b'{"Fuzz":"' + b"\\u0041" * n + b'"' + (b"," + valid_body[1:] if len(valid_body) > 2 else b"}"), None, \
            f"{n} \\u escapes"
    if name == "body_invalid_escape":
        esc = rng.choice([b"\\x41", b"\\u12", b"\\uZZZZ", b"\\", b"\\a", b"\\0"])
        return b'{"Fuzz":"' + esc + b'"' + (b"," + valid_body[1:] if len(valid_body) > 2 else b"}"), True, \
            f"invalid escape {esc!r}"
    if name == "body_raw_control":
        c = rng.choice([b"\n", b"\x01", b"\x1f", b"\t"])
        return b'{"Fuzz":"a' + c + b'b"' + (b"," + valid_body[1:] if len(valid_body) > 2 else b"}"), True, \
            f"raw control character {c!r} in a string"
    if name == "body_two_documents":
        return valid_body + valid_body, True, "two JSON documents"
    if name == "body_utf16":
        return valid_body.decode("utf-8", "replace").encode("utf-16"), True, "body in UTF-16"
    if name == "body_number_overflow_member":
        v = rng.choice([b"1e999999", b"-1e999999", b"9" * 1000, b"0.0000000000000000000000001e-999999"])
        return valid_body[:-1] + (b"," if len(valid_body) > 2 else b"") + b'"FuzzNumber":' + v + b"}", None, \
            "huge number in an unknown member"
    if name == "body_leading_zero":
        return valid_body[:-1] + (b"," if len(valid_body) > 2 else b"") + b'"FuzzNumber":0123}', True, \
            "number with a leading zero"
    raise ValueError(name)
