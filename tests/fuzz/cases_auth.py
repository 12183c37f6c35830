"""Authentication abuse: unsigned requests, wrong secrets and keys, wrong credential scopes, expired and future dates,
tampered signed headers, the signature of another body, duplicate Authorization headers, other identities' session
tokens, malformed Authorization headers. Each forged request asks for something a real caller would get (random
bytes, a key's metadata, a corpus ciphertext's plaintext), so a 2xx is a signature bypass. A few valid controls must
succeed."""

from __future__ import annotations

import hashlib
import json
import random

from .base import Case, Env
from .checks import Expect
from .corpus import decrypt_params
from .wire import ExchangeError, Identity, amz_now, kms_request, sign

# kind -> (weight, must_fail: True = 2xx is a bypass, None = either, "control" = must succeed)
KINDS = {
    "unsigned": (4, True), "unsigned_with_date": (2, True), "wrong_secret": (4, True), "unknown_access_key": (3, True),
    "empty_access_key": (1, True), "scope_wrong_service": (3, True), "scope_region_mismatch": (3, True),
    "scope_region_invalid": (2, None), "scope_date_mismatch": (2, True), "scope_terminator": (2, True),
    "expired_date": (4, True), "future_date": (3, True), "date_within_skew": (1, None), "malformed_date": (2, True),
    "tamper_target": (4, True), "tamper_host": (2, True), "tamper_date": (2, True), "tamper_content_type": (2, True),
    "tamper_body": (3, True), "drop_signed_header": (2, True), "signed_headers_without_host": (2, True),
    "signed_headers_without_date": (2, True), "signature_flip": (4, True), "signature_truncated": (2, True),
    "signature_empty": (1, True), "signature_extended": (1, True), "signature_lenient_format": (1, None),
    "other_body": (3, True), "content_sha256_mismatch": (2, True), "unsigned_payload": (2, True),
    "duplicate_authorization_valid_invalid": (2, True), "duplicate_authorization_invalid_valid": (2, True),
    "duplicate_authorization_valid_valid": (1, None), "authorization_garbage": (4, True),
    "presigned_query": (2, True), "session_token_missing": (3, True), "session_token_of_other": (3, True),
    "session_token_wrong": (2, True), "session_token_on_long_term_key": (2, None), "session_token_valid": (2, "control"),
    "other_identity_secret": (2, True), "control": (2, "control"),
}

GARBAGE_AUTH = [
    "AWS4-HMAC-SHA256", "Bearer abc", "AWS4-HMAC-SHA256 Credential=", "aws4-hmac-sha256 Credential=x",
    "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00",
    "AWS4-HMAC-SHA256 Credential={ak}/20200101/us-east-1/kms/aws4_request SignedHeaders=host Signature=ab",
    "AWS4-HMAC-SHA256 Credential={ak}/{d}/us-east-1/kms/aws4_request, Credential={ak}/{d}/us-east-1/kms/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
    "AWS4-HMAC-SHA256 Credential={ak}/{d}/us-east-1/kms/aws4_request, SignedHeaders=, Signature=" + "0" * 64,
    "AWS4-HMAC-SHA256 Credential={ak}/{d}/us-east-1/kms/aws4_request, SignedHeaders=host;;x-amz-date, Signature=zz",
    "AWS4-HMAC-SHA512 Credential={ak}/{d}/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
    "AWS4-HMAC-SHA256 Credential=\u00e9\u00e9/{d}/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00",
    "AWS4-HMAC-SHA256 Credential={ak}/{d}/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature="
    + "a" * 10000,
    "AWS4-HMAC-SHA256 " + "Credential=x, " * 2000,
    "AWS AKIDEXAMPLE:c2lnbmF0dXJl",
    "",
    " ",
]


def plan(index: int, rng: random.Random) -> Case:
    kinds = list(KINDS)
    kind = rng.choices(kinds, [KINDS[k][0] for k in kinds])[0]
    return Case(index, "auth", kind, {"template": rng.randrange(4), "variant": rng.randrange(1 << 20)}, rng)


def _template(env: Env, t: int, ident_name: str) -> tuple[str, dict]:
    c = env.corpus
    if ident_name != "main":
        return ("GenerateRandom", {"NumberOfBytes": 16}) if t % 2 else ("ListKeys", {"Limit": 5})
    if t == 0:
        return "GenerateRandom", {"NumberOfBytes": 16}
    if t == 1:
        return "DescribeKey", {"KeyId": c.keys["sym"].key_id}
    if t == 2:
        return "Decrypt", decrypt_params(c, c.ciphertexts[0])
    return "ListKeys", {"Limit": 5}


def _replace_header(req, name, value):
    low = name.lower()
    req.headers = [(k, value if k.lower() == low else v) for k, v in req.headers]


def run(case: Case, env: Env) -> None:
    rng = case.rng
    k = case.kind
    v = case.params["variant"]
    weight, must = KINDS[k]
    main: Identity = env.idents["main"]
    sess: Identity = env.idents["session"]
    other: Identity = env.idents["other"]
    ident_name = "session" if k.startswith("session_token") and k != "session_token_on_long_term_key" else "main"
    op, params = _template(env, case.params["template"], ident_name)
    body = json.dumps(params).encode()
    host = env.hostport
    region = env.region
    req = kms_request(host, op, body)
    note = ""

    def signed(ident=main, r=None, **kw):
        return sign(r if r is not None else req, ident, region, **kw)

    if k == "unsigned":
        pass
    elif k == "unsigned_with_date":
        req.headers.append(("X-Amz-Date", amz_now()))
    elif k == "wrong_secret":
        signed(secret=rng.choice([main.secret_key + "x", main.secret_key[:-1], main.secret_key.upper(), "", "test"]))
    elif k == "unknown_access_key":
        signed(Identity(rng.choice(["AKIAFUZZUNKNOWN", main.access_key + "X", main.access_key.lower()
                                    if main.access_key.lower() != main.access_key else "x" + main.access_key]),
                        main.secret_key))
    elif k == "empty_access_key":
        signed(Identity("", main.secret_key))
    elif k == "scope_wrong_service":
        svc = rng.choice(["s3", "iam", "KMS", "kms ", "sts", ""])
        note = f"service {svc!r}"
        signed(service=svc) if svc and rng.random() < 0.5 else signed(scope_service=svc or "x")
    elif k == "scope_region_mismatch":
        signed(scope_region=rng.choice(["eu-west-1", "us-west-2", "ap-south-1"]))
    elif k == "scope_region_invalid":
        reg = rng.choice(["US-EAST-1", "us_east_1", "useast1", "a" * 100, "us-east-1\u00e9", "-", "us-east-1/x"])
        note = f"region {reg!r}"
        sign(req, main, reg)
    elif k == "scope_date_mismatch":
        signed(scope_date=rng.choice(["20200101", "19700101", "99991231", "2020-01-01"]))
    elif k == "scope_terminator":
        signed()
        term = rng.choice(["aws4_requestx", "aws5_request", "", "AWS4_REQUEST"])
        _replace_header(req, "Authorization", req.header("authorization").replace("/aws4_request,", f"/{term},"))
        note = f"terminator {term!r}"
    elif k == "expired_date":
        off = -rng.choice([16 * 60, 3600, 86400, 365 * 86400, 20 * 365 * 86400])
        note = f"{off} s"
        signed(amz_date=amz_now(off))
    elif k == "future_date":
        off = rng.choice([16 * 60, 3600, 86400, 365 * 86400])
        note = f"+{off} s"
        signed(amz_date=amz_now(off))
    elif k == "date_within_skew":
        off = rng.choice([-600, -60, 60, 600])
        note = f"{off} s"
        signed(amz_date=amz_now(off))
    elif k == "malformed_date":
        d = rng.choice(["20250101", "garbage", "20250101T000000", "2025-01-01T00:00:00Z", "99999999T999999Z",
                        amz_now()[:-1] + "z", "\u00e9" * 16])
        note = f"X-Amz-Date {d!r}"
        req.headers.append(("X-Amz-Date", d))
        signed(amz_date=d if len(d) >= 8 else amz_now())
    elif k == "tamper_target":
        signed()
        other_op = {"GenerateRandom": "ListKeys", "DescribeKey": "GetKeyPolicy", "Decrypt": "DescribeKey",
                    "ListKeys": "ListAliases"}[op]
        _replace_header(req, "X-Amz-Target", "TrentService." + other_op)
        note = f"signed for {op}, sent as {other_op}"
    elif k == "tamper_host":
        signed()
        _replace_header(req, "Host", rng.choice(["localhost:" + str(env.server.port), "kms.us-east-1.amazonaws.com",
                                                  host + "."]))
    elif k == "tamper_date":
        signed()
        d = req.header("x-amz-date")
        _replace_header(req, "X-Amz-Date", d[:-3] + ("%02dZ" % ((int(d[-3:-1]) + 1) % 60)))
    elif k == "tamper_content_type":
        signed()
        _replace_header(req, "Content-Type", "application/x-amz-json-1.0")
    elif k == "tamper_body":
        signed()
        req.body = body.replace(b"16", b"17") if b"16" in body else body[:-1] + b' }'
        if req.body == body:
            req.body = body + b" "
    elif k == "drop_signed_header":
        signed()
        name = rng.choice(["X-Amz-Target", "Content-Type"])
        req.set_header(name, None)
        note = f"dropped {name}"
    elif k == "signed_headers_without_host":
        signed(signed=["content-type", "x-amz-date", "x-amz-target"])
    elif k == "signed_headers_without_date":
        signed(signed=["content-type", "host", "x-amz-target"])
    elif k.startswith("signature_"):
        signed()
        auth = req.header("authorization")
        head, sig = auth.rsplit("Signature=", 1)
        if k == "signature_flip":
            i = v % len(sig)
            sig = sig[:i] + ("0" if sig[i] != "0" else "1") + sig[i + 1:]
        elif k == "signature_truncated":
            sig = sig[: v % len(sig)]
        elif k == "signature_lenient_format":
            # the same signature, written differently: accepting it is lenient, not a bypass
            variant = v % 4
            sig = [sig.upper(), sig + ",", sig + " ", " " + sig][variant]
            note = ["uppercase hex", "trailing comma", "trailing space", "leading space"][variant]
        elif k == "signature_empty":
            sig = ""
        else:
            sig = sig + rng.choice(["0", "00", "g", sig])
        _replace_header(req, "Authorization", head + "Signature=" + sig)
    elif k == "other_body":
        other_body = json.dumps({**params, "Fuzz": "other"}).encode() if rng.random() < 0.5 else b"{}"
        signed(payload=other_body)
    elif k == "content_sha256_mismatch":
        req.headers.append(("X-Amz-Content-Sha256", hashlib.sha256(body + b"x").hexdigest()))
        signed(payload=body + b"x") if rng.random() < 0.5 else signed()
    elif k == "unsigned_payload":
        req.headers.append(("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"))
        signed(payload=b"")   # the payload hash in the canonical request is replaced below
        req.headers = [h for h in req.headers if h[0] != "Authorization"]
        _sign_unsigned_payload(req, main, region)
    elif k.startswith("duplicate_authorization"):
        good = kms_request(host, op, body)
        signed(r=good)
        auth_ok = good.header("authorization")
        date = good.header("x-amz-date")
        bad = auth_ok[:-1] + ("0" if auth_ok[-1] != "0" else "1")
        req.headers.append(("X-Amz-Date", date))
        pair = {"duplicate_authorization_valid_invalid": [auth_ok, bad],
                "duplicate_authorization_invalid_valid": [bad, auth_ok],
                "duplicate_authorization_valid_valid": [auth_ok, auth_ok]}[k]
        for a in pair:
            req.headers.append(("Authorization", a))
    elif k == "authorization_garbage":
        g = GARBAGE_AUTH[v % len(GARBAGE_AUTH)].format(ak=main.access_key, d=amz_now()[:8])
        req.headers.append(("X-Amz-Date", amz_now()))
        req.headers.append(("Authorization", g))
        note = f"Authorization {g[:60]!r}"
    elif k == "presigned_query":
        d = amz_now()
        req.path = (f"/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={main.access_key}%2F{d[:8]}%2F{region}"
                    f"%2Fkms%2Faws4_request&X-Amz-Date={d}&X-Amz-Expires=300&X-Amz-SignedHeaders=host"
                    f"&X-Amz-Signature={'ab' * 32}")
    elif k == "session_token_missing":
        signed(ident=sess, add_token=False)
    elif k == "session_token_of_other":
        req.headers.append(("X-Amz-Security-Token", other.session_token))
        signed(ident=sess)
    elif k == "session_token_wrong":
        req.headers.append(("X-Amz-Security-Token", sess.session_token[:-1] + "x"))
        signed(ident=sess)
    elif k == "session_token_on_long_term_key":
        req.headers.append(("X-Amz-Security-Token", sess.session_token))
        signed()
    elif k == "session_token_valid":
        signed(ident=sess)
    elif k == "other_identity_secret":
        signed(Identity(main.access_key, other.secret_key))
    elif k == "control":
        signed()
    else:
        raise ValueError(k)
    case.params["note"] = f"{op}" + (f", {note}" if note else "")
    if must == "control":
        expect = Expect(control=True)
    else:
        expect = Expect(must_fail="signature-bypass" if must else None)
    if must is None:
        case.params["note"] += " (either answer is acceptable)"
    try:
        result = env.client.exchange(req, timeout=env.timeout)
    except ExchangeError as e:
        result = e
    resp = env.rec.check(case, req, result, expect)
    if must is None and resp is not None:
        env.rec.note(f"auth/{k}: {'accepted' if resp.status < 300 else 'rejected'}"
                     + (f" ({note})" if note and resp.status < 300 else ""))


def _sign_unsigned_payload(req, ident, region):
    """A correct signature whose canonical request uses UNSIGNED-PAYLOAD as the payload hash."""
    import hmac
    from urllib.parse import quote

    from .wire import signing_key
    d = req.header("x-amz-date")
    names = sorted({k.lower() for k, _ in req.headers if k.lower() not in ("authorization", "content-length")})
    canon_headers = "".join(f"{n}:{','.join(' '.join(v.split()) for k, v in req.headers if k.lower() == n)}\n"
                            for n in names)
    canonical = "\n".join(["POST", quote("/", safe="/~"), "", canon_headers, ";".join(names), "UNSIGNED-PAYLOAD"])
    scope = f"{d[:8]}/{region}/kms/aws4_request"
    sts = "\n".join(["AWS4-HMAC-SHA256", d, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    sig = hmac.new(signing_key(ident.secret_key, d[:8], region, "kms"), sts.encode(), hashlib.sha256).hexdigest()
    req.headers.append(("Authorization", f"AWS4-HMAC-SHA256 Credential={ident.access_key}/{scope}, "
                                         f"SignedHeaders={';'.join(names)}, Signature={sig}"))
