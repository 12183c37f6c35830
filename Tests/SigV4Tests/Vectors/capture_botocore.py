#!/usr/bin/env python3
"""Capture golden SigV4-signed KMS requests from botocore.

Writes botocore_kms.json next to this script. Each case records the request
as a server would see it (method, raw target, every header including Host,
body) together with what botocore computed (canonical request, string to
sign, Authorization header) at a frozen time, so the Swift SigV4 tests can
check the verifier and the canonicalisation stages against botocore.

Two kinds of case:
  * "sigv4auth-*": botocore.auth.SigV4Auth applied to a hand-built AWSRequest
    (the way botocore's own tests drive it);
  * "client-*": a real botocore KMS client (what boto3 and the AWS CLI use),
    whose prepared request is intercepted in a before-send hook and never sent.

The clock is frozen by patching botocore.auth.get_current_datetime.
Needs only botocore (pip install botocore). Run:
    python3 Tests/SigV4Tests/Vectors/capture_botocore.py
"""

import base64
import datetime
import json
import os
import sys
from unittest import mock
from urllib.parse import urlsplit

import botocore
import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FROZEN = datetime.datetime(2024, 1, 15, 10, 30, 0)  # naive UTC, like botocore's own
ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = (
    "IQoJb3JpZ2luX2VjEXAMPLETOKENxyz/+=AQoDYXdzEJr//////////wEaDEXAMPLE"
    "sessiontoken0123456789abcdefghijklmnopqrstuvwxyz=="
)
JSON_11 = "application/x-amz-json-1.1"

captured_canonical = []
_original_canonical_request = botocore.auth.SigV4Auth.canonical_request
_original_string_to_sign = botocore.auth.SigV4Auth.string_to_sign


def _recording_canonical_request(self, request):
    result = _original_canonical_request(self, request)
    captured_canonical.append(("canonical_request", result))
    return result


def _recording_string_to_sign(self, request, canonical_request):
    result = _original_string_to_sign(self, request, canonical_request)
    captured_canonical.append(("string_to_sign", result))
    return result


def raw_target(url):
    parts = urlsplit(url)
    return (parts.path or "/") + (("?" + parts.query) if parts.query else "")


def header_list(url, headers):
    """Headers as the server sees them: Host first, then what botocore sent."""
    out = [["host", botocore.auth._host_from_url(url)]]
    for name, value in headers.items():
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        out.append([name, value])
    return out


def body_bytes(body):
    if body is None:
        return b""
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        body.seek(0)
        return data
    return bytes(body)


def record(name, description, request_url, method, headers, body, creds, region):
    canonical = [v for k, v in captured_canonical if k == "canonical_request"]
    sts = [v for k, v in captured_canonical if k == "string_to_sign"]
    captured_canonical.clear()
    authorization = headers["Authorization"]
    if isinstance(authorization, bytes):
        authorization = authorization.decode("utf-8")
    return {
        "name": name,
        "description": description,
        "method": method,
        "path": raw_target(request_url),
        "headers": header_list(request_url, headers),
        "bodyBase64": base64.b64encode(body_bytes(body)).decode("ascii"),
        "accessKeyID": creds.access_key,
        "secretAccessKey": creds.secret_key,
        "sessionToken": creds.token,
        "region": region,
        "service": "kms",
        "amzDate": FROZEN.strftime("%Y%m%dT%H%M%SZ"),
        "canonicalRequest": canonical[-1],
        "stringToSign": sts[-1],
        "authorization": authorization,
        "signature": authorization.rsplit("Signature=", 1)[1],
    }


def sigv4auth_case(name, description, url, body, target, creds, region,
                   method="POST", extra_headers=None, context=None):
    request = AWSRequest(method=method, url=url, data=body)
    if target is not None:
        request.headers["Content-Type"] = JSON_11
        request.headers["X-Amz-Target"] = target
    for key, value in (extra_headers or {}).items():
        request.headers[key] = value
    if context:
        request.context.update(context)
    botocore.auth.SigV4Auth(creds, "kms", region).add_auth(request)
    return record(name, description, request.url, request.method, request.headers,
                  request.body, creds, region)


class _Captured(Exception):
    pass


def client_case(name, description, region, creds, operation, **params):
    session = botocore.session.get_session()
    client = session.create_client(
        "kms",
        region_name=region,
        endpoint_url=f"https://kms.{region}.amazonaws.com",
        aws_access_key_id=creds.access_key,
        aws_secret_access_key=creds.secret_key,
        aws_session_token=creds.token,
    )
    box = {}

    def intercept(request, **_):
        box["request"] = request
        raise _Captured()

    client.meta.events.register("before-send.kms", intercept)
    try:
        getattr(client, operation)(**params)
    except _Captured:
        pass
    request = box["request"]
    return record(name, description, request.url, request.method, request.headers,
                  request.body, creds, region)


def main():
    plain = Credentials(ACCESS_KEY, SECRET_KEY)
    temporary = Credentials("ASIAIOSFODNN7EXAMPLE", SECRET_KEY, SESSION_TOKEN)
    cases = []
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=FROZEN), \
            mock.patch.object(botocore.auth.SigV4Auth, "canonical_request", _recording_canonical_request), \
            mock.patch.object(botocore.auth.SigV4Auth, "string_to_sign", _recording_string_to_sign):
        cases.append(sigv4auth_case(
            "sigv4auth-create-key",
            "SigV4Auth: POST / TrentService.CreateKey, JSON body, long-term credentials",
            "https://kms.us-east-1.amazonaws.com/",
            b'{"Description": "golden key", "KeyUsage": "ENCRYPT_DECRYPT"}',
            "TrentService.CreateKey", plain, "us-east-1"))
        cases.append(sigv4auth_case(
            "sigv4auth-encrypt-session-token",
            "SigV4Auth: POST / TrentService.Encrypt with a session token (signed x-amz-security-token)",
            "https://kms.eu-west-1.amazonaws.com/",
            b'{"KeyId": "alias/golden", "Plaintext": "aGVsbG8gd29ybGQ="}',
            "TrentService.Encrypt", temporary, "eu-west-1"))
        cases.append(sigv4auth_case(
            "sigv4auth-date-header",
            "SigV4Auth: the signing time carried in an RFC 1123 Date header instead of X-Amz-Date",
            "https://kms.us-west-2.amazonaws.com/",
            b'{}', "TrentService.ListKeys", plain, "us-west-2",
            extra_headers={"Date": "placeholder, replaced by botocore"}))
        cases.append(sigv4auth_case(
            "sigv4auth-unsigned-payload",
            "SigV4Auth: payload signing disabled over HTTPS, X-Amz-Content-SHA256: UNSIGNED-PAYLOAD",
            "https://kms.us-east-1.amazonaws.com/",
            b'{"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"}',
            "TrentService.DescribeKey", plain, "us-east-1",
            context={"payload_signing_enabled": False}))
        cases.append(sigv4auth_case(
            "sigv4auth-path-and-query",
            "SigV4Auth: GET with dot segments, double slashes, an escaped space and an unsorted query",
            "http://localhost:4599/a//b/./c/../d%20e/?b=2&a=x%2Fy&a=1",
            b"", None, plain, "local-1", method="GET"))
        cases.append(client_case(
            "client-create-key",
            "botocore KMS client: create_key (what boto3 and the AWS CLI send)",
            "us-east-1", plain, "create_key",
            Description="captured from botocore", KeyUsage="ENCRYPT_DECRYPT"))
        cases.append(client_case(
            "client-encrypt-session-token",
            "botocore KMS client: encrypt with temporary credentials",
            "ap-southeast-2", temporary, "encrypt",
            KeyId="alias/golden", Plaintext=b"\x00\x01binary plaintext\xff"))
        cases.append(client_case(
            "client-list-keys",
            "botocore KMS client: list_keys, body {}",
            "eu-central-1", plain, "list_keys"))

    fixture = {
        "generator": "Tests/SigV4Tests/Vectors/capture_botocore.py",
        "botocoreVersion": botocore.__version__,
        "python": sys.version.split()[0],
        "cases": cases,
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "botocore_kms.json")
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(fixture, handle, indent=2, sort_keys=False)
        handle.write("\n")
    print(f"wrote {len(cases)} cases to {out}")


if __name__ == "__main__":
    main()
