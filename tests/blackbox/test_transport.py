"""The HTTP/1.1 transport of `coffer serve`, on raw sockets: keep-alive, pipelining, `Expect: 100-continue`, malformed
HTTP, methods, paths and content types, the 1 MiB body limit, chunked bodies, idle and slow-client timeouts, abandoned
requests, graceful shutdown and HTTP/1.0.

Requests are signed with `RawKMS.signed` (botocore's SigV4Auth, as everywhere in the suite) and written to the socket
byte by byte as given, so that nothing between the test and the server (http.client, urllib3) adds, reorders or
retries anything. Every socket operation has a deadline: no test can hang.

Sources: RFC 9110 §10.1.1 (Expect), RFC 9112 (message framing, persistence, chunked coding, HTTP/1.0 keep-alive);
issue 13 (keep-alive, pipelining, the 1 MiB limit with its AWS error, idle and slow-client timeouts, graceful
shutdown draining in-flight requests) and issue 14 ("HTTP details it noticed": `100 Continue`, an AWS JSON body for
malformed HTTP, POST to other paths, the Content-Type check).
"""

from __future__ import annotations

import base64
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass

import pytest

from kmshelpers import JSON_CT, UUID_RE, CofferServer, RawResponse

MIB = 1 << 20
NO_POOL = {"RSA_2048": 0, "RSA_3072": 0, "RSA_4096": 0}
# Generous bounds: the suite runs on 2 cores, often beside a build.
IO_TIMEOUT = 30.0
SHORT_IDLE = 2
SHORT_REQUEST = 2
# A timeout of T seconds must close the connection after at least T - EARLY and at most T + LATE seconds.
EARLY = 0.6
LATE = 3.0


# --------------------------------------------------------------------------- wire helpers

@dataclass
class WireResponse(RawResponse):
    version: str = ""
    reason: str = ""
    head: bytes = b""

    @property
    def closes(self) -> bool:
        return "close" in self.headers.get("connection", "").lower()


class Wire:
    """One client connection: writes bytes as given, parses responses (Content-Length or read-to-EOF framing), and
    tells when the server closes."""

    def __init__(self, port: int, timeout: float = IO_TIMEOUT):
        self.port = port
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.settimeout(timeout)
        self.buf = b""
        self.eof = False

    def __enter__(self) -> "Wire":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self, deadline: float) -> bool:
        """Reads more bytes into the buffer; False at EOF (or a reset). Raises TimeoutError at the deadline."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from the server before the deadline")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no data from the server before the deadline") from None
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def read_response(self, timeout: float = IO_TIMEOUT, *, to_head: bool = False) -> WireResponse:
        """The next response (an interim 1xx one too; `to_head`: the answer to a HEAD request, without a body).
        Raises ConnectionError if the server closes first."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            if not self._fill(deadline):
                raise ConnectionError(f"connection closed before a response head; buffered {self.buf[:300]!r}")
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        version, _, rest = lines[0].partition(" ")
        code, _, reason = rest.partition(" ")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        status = int(code)
        if to_head or 100 <= status < 200 or status in (204, 304):
            return WireResponse(status, headers, b"", version=version, reason=reason, head=head)
        assert "chunked" not in headers.get("transfer-encoding", ""), f"unexpected chunked response: {head!r}"
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(self.buf) < length:
                if not self._fill(deadline):
                    raise ConnectionError(f"connection closed in a response body: {head!r} {self.buf!r}")
            body, self.buf = self.buf[:length], self.buf[length:]
        else:
            while self._fill(deadline):
                pass
            body, self.buf = self.buf, b""
        return WireResponse(status, headers, body, version=version, reason=reason, head=head)

    def closed_within(self, timeout: float) -> float | None:
        """Seconds until the server closed the connection (EOF or reset), or None if it was still open after
        `timeout`. Bytes that arrive meanwhile stay in the buffer."""
        start = time.monotonic()
        deadline = start + timeout
        try:
            while self._fill(deadline):
                pass
        except TimeoutError:
            return None
        return time.monotonic() - start

    def is_open(self, wait: float = 0.3) -> bool:
        return self.closed_within(wait) is None


def request_bytes(
    headers: dict[str, str],
    body: bytes,
    port: int,
    *,
    method: str = "POST",
    path: str = "/",
    version: str = "HTTP/1.1",
    chunks: list[int] | None = None,
    extra: dict[str, str] | None = None,
    content_length: bool = True,
) -> bytes:
    """One request's bytes: the signed headers plus Host, Content-Length (or Transfer-Encoding: chunked with the body
    split into `chunks` sizes, the rest in a last chunk) and `extra` (unsigned) headers."""
    lines = [f"{method} {path} {version}", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    if chunks is not None:
        lines.append("Transfer-Encoding: chunked")
        encoded, offset = b"", 0
        for size in chunks + [len(body)]:
            part = body[offset:offset + size]
            offset += len(part)
            if part:
                encoded += f"{len(part):x}\r\n".encode() + part + b"\r\n"
        assert offset == len(body)
        payload = encoded + b"0\r\n\r\n"
    else:
        if content_length:
            lines.append(f"Content-Length: {len(body)}")
        payload = body
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def signed(srv: CofferServer, operation: str | None, params=None, **kw) -> bytes:
    """A complete signed request (`request_bytes` options after the `RawKMS.signed` ones)."""
    wire_kw = {k: kw.pop(k) for k in ("version", "chunks", "extra", "content_length") if k in kw}
    target = None if operation is None else (operation if "." in operation else f"TrentService.{operation}")
    headers, body = srv.raw().signed(target, {} if params is None else params, **kw)
    return request_bytes(headers, body, srv.port, method=kw.get("method", "POST"), path=kw.get("path", "/"), **wire_kw)


def assert_aws_error(resp: WireResponse, status: int, error_type: str) -> None:
    assert resp.status == status, resp.describe()
    assert resp.headers.get("content-type", "").split(";")[0].strip() == JSON_CT, resp.describe()
    assert isinstance(resp.json, dict), f"not an AWS JSON body: {resp.describe()}"
    assert resp.error_type == error_type, resp.describe()
    assert UUID_RE.match(resp.headers.get("x-amzn-requestid", "")), resp.describe()


def random_bytes_of(resp: WireResponse) -> int:
    assert resp.status == 200, resp.describe()
    return len(base64.b64decode(resp.json["Plaintext"]))


def padded_list_keys(size: int) -> bytes:
    """A ListKeys body of exactly `size` bytes: valid JSON with an unknown member as padding (ignored)."""
    skeleton = b'{"Limit": 1, "Padding": ""}'
    pad = size - len(skeleton)
    assert pad >= 0
    body = b'{"Limit": 1, "Padding": "' + b"a" * pad + b'"}'
    assert len(body) == size
    return body


def still_serves(srv: CofferServer) -> None:
    with Wire(srv.port) as w:
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 7}))
        assert random_bytes_of(w.read_response()) == 7
    assert len(srv.client().generate_random(NumberOfBytes=9)["Plaintext"]) == 9


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


# --------------------------------------------------------------------------- servers

def _start(coffer_bin, tmp_path_factory, name: str, config: dict) -> CofferServer:
    srv = CofferServer(coffer_bin, tmp_path_factory.mktemp(name), name=name, config=config)
    srv.start()
    return srv


@pytest.fixture(scope="module")
def srv(coffer_bin, tmp_path_factory):
    """Default timeouts; no pre-generated wrapping keys (no background RSA generation competing for the CPU)."""
    s = _start(coffer_bin, tmp_path_factory, "transport", {"wrappingKeyPool": NO_POOL})
    yield s
    s.discard()


@pytest.fixture(scope="module")
def short(coffer_bin, tmp_path_factory):
    """Idle and request timeouts of 2 s."""
    s = _start(coffer_bin, tmp_path_factory, "short-timeouts", {
        "wrappingKeyPool": NO_POOL,
        "http": {"idleTimeoutSeconds": SHORT_IDLE, "requestTimeoutSeconds": SHORT_REQUEST},
    })
    yield s
    s.discard()


# --------------------------------------------------------------------------- keep-alive and pipelining

def test_keep_alive_answers_several_requests_on_one_connection_in_order(srv):
    ids = []
    with Wire(srv.port) as w:
        for n in range(1, 7):
            w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": n}))
            resp = w.read_response()
            assert random_bytes_of(resp) == n
            assert resp.version == "HTTP/1.1" and not resp.closes, resp.describe()
            ids.append(resp.headers["x-amzn-requestid"])
        assert w.is_open()
    assert len(set(ids)) == len(ids) and all(UUID_RE.match(i) for i in ids), ids


def test_pipelined_requests_are_answered_in_order(srv):
    kms = srv.client()
    missing = "11111111-2222-3333-4444-555555555555"
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    batch = [
        signed(srv, "GenerateRandom", {"NumberOfBytes": 1}),
        signed(srv, "GenerateRandom", {"NumberOfBytes": 2}),
        signed(srv, "DescribeKey", {"KeyId": missing}),
        signed(srv, "DescribeKey", {"KeyId": key_id}),
        signed(srv, "GenerateRandom", {"NumberOfBytes": 3}),
    ]
    with Wire(srv.port) as w:
        w.send(b"".join(batch))
        responses = [w.read_response() for _ in batch]
        assert random_bytes_of(responses[0]) == 1
        assert random_bytes_of(responses[1]) == 2
        assert_aws_error(responses[2], 400, "NotFoundException")
        assert missing in responses[2].message
        assert responses[3].status == 200 and responses[3].json["KeyMetadata"]["KeyId"] == key_id
        assert random_bytes_of(responses[4]) == 3
        ids = [r.headers["x-amzn-requestid"] for r in responses]
        assert len(set(ids)) == len(ids), ids
        assert not any(r.closes for r in responses)
        assert w.buf == b"", f"bytes after the last answer: {w.buf[:200]!r}"
        # The connection carries on.
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 4}))
        assert random_bytes_of(w.read_response()) == 4


def test_pipelined_requests_keep_their_order_behind_a_slow_one(srv):
    """An RSA-4096 key generation first: the cheap requests behind it on the same connection wait their turn."""
    batch = [
        signed(srv, "CreateKey", {"KeySpec": "RSA_4096", "KeyUsage": "SIGN_VERIFY", "Description": "pipelined-slow"}),
        signed(srv, "GenerateRandom", {"NumberOfBytes": 5}),
        signed(srv, "GenerateRandom", {"NumberOfBytes": 6}),
    ]
    with Wire(srv.port, timeout=120) as w:
        w.send(b"".join(batch))
        first = w.read_response(timeout=120)
        assert first.status == 200, first.describe()
        assert first.json["KeyMetadata"]["KeySpec"] == "RSA_4096"
        assert random_bytes_of(w.read_response()) == 5
        assert random_bytes_of(w.read_response()) == 6


def test_requests_split_across_writes_at_odd_places(srv):
    """Two requests written in pieces that straddle the head, the body and the boundary between them."""
    data = signed(srv, "GenerateRandom", {"NumberOfBytes": 11}) + signed(srv, "GenerateRandom", {"NumberOfBytes": 12})
    with Wire(srv.port) as w:
        pieces = [data[:7], data[7:50], data[50:300], data[300:len(data) // 2 + 3], data[len(data) // 2 + 3:]]
        for piece in pieces:
            w.send(piece)
            time.sleep(0.05)
        assert random_bytes_of(w.read_response()) == 11
        assert random_bytes_of(w.read_response()) == 12


# --------------------------------------------------------------------------- Expect: 100-continue

def _head_and_body(data: bytes) -> tuple[bytes, bytes]:
    head, sep, body = data.partition(b"\r\n\r\n")
    return head + sep, body


def test_expect_100_continue_gets_an_interim_answer_before_the_body(srv):
    head, body = _head_and_body(signed(srv, "GenerateRandom", {"NumberOfBytes": 16}, extra={"Expect": "100-continue"}))
    assert body
    with Wire(srv.port) as w:
        w.send(head)
        interim = w.read_response(timeout=10)
        assert interim.status == 100, interim.describe()
        assert interim.head.startswith(b"HTTP/1.1 100 Continue"), interim.head
        assert w.buf == b"", f"more than the interim answer before the body was sent: {w.buf!r}"
        w.send(body)
        assert random_bytes_of(w.read_response()) == 16
        # and the connection carries on
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 3}))
        assert random_bytes_of(w.read_response()) == 3


def test_expect_100_continue_with_a_body_over_the_limit_is_answered(srv):
    """RFC 9110 §10.1.1: a server MUST either send 100 Continue or a final status. Coffer's pipeline answers a request
    only after its end, so it sends 100 Continue, reads and drops the body, and then refuses it (docs/deviations.md);
    either way the client is never left waiting."""
    head, body = _head_and_body(signed(srv, "ListKeys", padded_list_keys(MIB + 1), extra={"Expect": "100-continue"}))
    with Wire(srv.port) as w:
        w.send(head)
        try:
            resp = w.read_response(timeout=8)
        except TimeoutError:
            pytest.fail("no answer within 8 s to a head announcing 1048577 bytes with Expect: 100-continue "
                        "(neither 100 Continue nor a final status)")
        if resp.status == 100:
            w.send(body)
            resp = w.read_response(timeout=8)
        assert_aws_error(resp, 400, "SerializationException")
        assert resp.closes, resp.describe()


def test_expect_100_continue_in_http_1_0_is_ignored(srv):
    """RFC 9110 §10.1.1: a server MUST ignore a 100-continue expectation in an HTTP/1.0 request; §15.2: a server MUST
    NOT send a 1xx answer to an HTTP/1.0 client."""
    with Wire(srv.port) as w:
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 6}, version="HTTP/1.0", extra={"Expect": "100-continue"}))
        resp = w.read_response()
        assert resp.status == 200, f"first answer to an HTTP/1.0 request: {resp.head!r}"
        assert random_bytes_of(resp) == 6


# --------------------------------------------------------------------------- malformed HTTP

MALFORMED = {
    "garbage-request-line": b"THIS IS NOT HTTP AT ALL\r\n\r\n",
    "binary-request-line": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    "header-line-without-colon": b"POST / HTTP/1.1\r\nHost: x\r\nthis line has no colon\r\nContent-Length: 0\r\n\r\n",
    "space-in-header-name": b"POST / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\nContent-Length: 0\r\n\r\n",
    "non-numeric-content-length": b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",
    "bad-chunk-size": b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
    "content-length-and-chunked": (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                                   b"3\r\nabc\r\n0\r\n\r\n"),
}


@pytest.mark.parametrize("data", list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_http_gets_an_aws_json_400_and_the_connection_closes(srv, data):
    with Wire(srv.port) as w:
        w.send(data)
        resp = w.read_response(timeout=10)
        assert_aws_error(resp, 400, "SerializationException")
        assert resp.message, resp.describe()
        assert resp.closes, resp.describe()
        assert w.closed_within(5) is not None, "the connection stayed open after malformed HTTP"
    still_serves(srv)


def test_malformed_http_after_a_good_request_on_the_same_connection(srv):
    with Wire(srv.port) as w:
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 2}))
        assert random_bytes_of(w.read_response()) == 2
        w.send(b"GET / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")
        resp = w.read_response(timeout=10)
        assert_aws_error(resp, 400, "SerializationException")
        assert w.closed_within(5) is not None


def test_malformed_http_pipelined_behind_a_good_request(srv):
    """The good request is answered first, then the 400, then the connection closes."""
    with Wire(srv.port) as w:
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 2}) + b"GARBAGE\r\n\r\n")
        assert random_bytes_of(w.read_response()) == 2
        assert_aws_error(w.read_response(timeout=10), 400, "SerializationException")
        assert w.closed_within(5) is not None


# --------------------------------------------------------------------------- methods, paths, content types

@pytest.mark.parametrize("method,path", [
    ("POST", "/some/path"), ("POST", "/kms"), ("POST", "//"), ("GET", "/"), ("PUT", "/"), ("DELETE", "/"),
])
def test_anything_but_post_to_root_is_unknown_operation(srv, method, path):
    """Signed for that method and path, so that the signature is not what fails."""
    body = b"" if method in ("GET", "DELETE") else b"{}"
    with Wire(srv.port) as w:
        w.send(signed(srv, "ListKeys", body, method=method, path=path))
        resp = w.read_response()
        assert_aws_error(resp, 400, "UnknownOperationException")
        # A protocol-level refusal does not end the connection.
        assert not resp.closes, resp.describe()
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 1}))
        assert random_bytes_of(w.read_response()) == 1


def test_head_request_is_answered_without_a_body(srv):
    """A HEAD answer carries no body (RFC 9110 §9.3.2): the next answer on the connection starts where it should."""
    with Wire(srv.port) as w:
        w.send(signed(srv, "ListKeys", b"", method="HEAD") + signed(srv, "GenerateRandom", {"NumberOfBytes": 2}))
        head = w.read_response(to_head=True)
        assert head.status == 400 and head.headers.get("x-amzn-errortype") == "UnknownOperationException", head.head
        assert w.buf[:1] != b"{", f"the HEAD answer carried a body: {w.buf[:200]!r}"
        assert random_bytes_of(w.read_response()) == 2


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "application/x-www-form-urlencoded",
                                          "application/x-amz-json-1.2"])
def test_wrong_content_type_is_unknown_operation_naming_the_type(srv, content_type):
    with Wire(srv.port) as w:
        w.send(signed(srv, "ListKeys", {}, content_type=content_type))
        resp = w.read_response()
        assert_aws_error(resp, 400, "UnknownOperationException")
        assert content_type in (resp.message or ""), resp.describe()


@pytest.mark.parametrize("content_type", ["application/x-amz-json-1.1", "application/x-amz-json-1.0",
                                          "application/x-amz-json-1.1; charset=utf-8", None])
def test_aws_json_content_types_and_none_are_accepted(srv, content_type):
    with Wire(srv.port) as w:
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 8}, content_type=content_type))
        assert random_bytes_of(w.read_response()) == 8


# --------------------------------------------------------------------------- the 1 MiB body limit

@pytest.mark.parametrize("chunks", [None, [65536] * 15 + [1000]], ids=["content-length", "chunked"])
def test_body_over_one_mib_is_serialization_exception_and_closes(srv, chunks):
    """1,048,577 bytes of otherwise valid ListKeys JSON: without the limit it would be answered 200."""
    data = signed(srv, "ListKeys", padded_list_keys(MIB + 1), chunks=chunks)
    with Wire(srv.port) as w:
        w.send(data)
        resp = w.read_response()
        assert_aws_error(resp, 400, "SerializationException")
        assert resp.closes, resp.describe()
        assert w.closed_within(5) is not None, "the connection stayed open after the body limit"
    still_serves(srv)


@pytest.mark.parametrize("chunks", [None, [65536] * 15 + [1000]], ids=["content-length", "chunked"])
def test_body_of_exactly_one_mib_is_read_and_answered(srv, chunks):
    with Wire(srv.port) as w:
        w.send(signed(srv, "ListKeys", padded_list_keys(MIB), chunks=chunks))
        resp = w.read_response()
        assert resp.status == 200, resp.describe()
        assert isinstance(resp.json["Keys"], list)
        assert not resp.closes
        # Invalid JSON of exactly 1 MiB: the JSON error, not the size error.
        w.send(signed(srv, "ListKeys", b"{" * MIB, chunks=chunks))
        resp = w.read_response()
        assert_aws_error(resp, 400, "SerializationException")
        assert "JSON" in resp.message and "larger than" not in resp.message, resp.describe()
        assert not resp.closes, resp.describe()
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 5}))
        assert random_bytes_of(w.read_response()) == 5


def test_announced_body_over_the_limit_is_answered_without_waiting_for_it(srv):
    """A head announcing 1,048,577 bytes: the server can answer from the head alone; if it waits for the body instead,
    it must at least read it all and answer then."""
    data = signed(srv, "ListKeys", padded_list_keys(MIB + 1))
    head, body = _head_and_body(data)
    with Wire(srv.port) as w:
        w.send(head + body[:1000])
        try:
            resp = w.read_response(timeout=3)
        except TimeoutError:
            # Waiting for the rest is acceptable; then the answer follows the body.
            w.send(body[1000:])
            resp = w.read_response()
        assert_aws_error(resp, 400, "SerializationException")
        assert resp.closes


# --------------------------------------------------------------------------- chunked request bodies

@pytest.mark.parametrize("chunks", [[], [1], [1, 1, 1, 2, 3, 5, 8], [10, 10, 10]],
                         ids=["one-chunk", "first-byte-alone", "many-small", "three"])
def test_chunked_signed_body_is_answered(srv, chunks):
    with Wire(srv.port) as w:
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 21}, chunks=chunks))
        resp = w.read_response()
        assert random_bytes_of(resp) == 21
        assert not resp.closes
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 22}, chunks=[2]))
        assert random_bytes_of(w.read_response()) == 22


def test_chunked_body_with_extensions_and_a_trailer(srv):
    headers, body = srv.raw().signed("TrentService.GenerateRandom", {"NumberOfBytes": 13})
    head = request_bytes(headers, b"", srv.port, content_length=False, extra={"Transfer-Encoding": "chunked"})
    payload = (f"{len(body[:5]):x};name=value\r\n".encode() + body[:5] + b"\r\n"
               + f"{len(body[5:]):x}\r\n".encode() + body[5:] + b"\r\n"
               + b"0\r\nX-Trailer: yes\r\n\r\n")
    with Wire(srv.port) as w:
        w.send(head + payload)
        assert random_bytes_of(w.read_response()) == 13
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 14}))
        assert random_bytes_of(w.read_response()) == 14


# --------------------------------------------------------------------------- HTTP/1.0 and Connection: close

def test_http_1_0_without_keep_alive_is_answered_and_closed(srv):
    with Wire(srv.port) as w:
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 10}, version="HTTP/1.0"))
        resp = w.read_response()
        assert random_bytes_of(resp) == 10
        assert resp.version in ("HTTP/1.0", "HTTP/1.1"), resp.head
        assert w.closed_within(5) is not None, "an HTTP/1.0 connection without keep-alive stayed open"


def test_http_1_0_keep_alive_is_answered(srv):
    """RFC 9112 Appendix C.2.2: an HTTP/1.0 connection persists only if the answer says `Connection: keep-alive`."""
    with Wire(srv.port) as w:
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 4}, version="HTTP/1.0",
                      extra={"Connection": "keep-alive"}))
        resp = w.read_response()
        assert random_bytes_of(resp) == 4
        if w.is_open(0.5):
            assert resp.headers.get("connection", "").lower() == "keep-alive", (
                f"the connection stays open but the HTTP/1.0 answer does not say keep-alive: {resp.head!r}")
            w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 5}, version="HTTP/1.0",
                          extra={"Connection": "keep-alive"}))
            assert random_bytes_of(w.read_response()) == 5


def test_connection_close_is_honoured(srv):
    with Wire(srv.port) as w:
        w.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 3}, extra={"Connection": "close"}))
        resp = w.read_response()
        assert random_bytes_of(resp) == 3
        assert resp.closes, resp.describe()
        assert w.closed_within(5) is not None


def test_pipelined_requests_after_connection_close_are_not_answered(srv):
    batch = [signed(srv, "GenerateRandom", {"NumberOfBytes": 1}, extra={"Connection": "close"}),
             signed(srv, "GenerateRandom", {"NumberOfBytes": 2})]
    with Wire(srv.port) as w:
        w.send(b"".join(batch))
        assert random_bytes_of(w.read_response()) == 1
        assert w.closed_within(5) is not None
        assert w.buf == b"", f"answered a request sent after Connection: close: {w.buf[:200]!r}"


# --------------------------------------------------------------------------- abandoned requests

def test_abandoned_requests_do_not_affect_the_next_client(srv):
    data = signed(srv, "GenerateRandom", {"NumberOfBytes": 9})
    head, body = _head_and_body(data)
    # Mid-body, mid-head, and reset (SO_LINGER 0) mid-body.
    for partial, reset in ((head + body[:3], False), (head[:20], False), (head + body[:3], True)):
        w = Wire(srv.port)
        w.send(partial)
        if reset:
            w.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        w.close()
        start = time.monotonic()
        with Wire(srv.port) as nxt:
            nxt.send(signed(srv, "GenerateRandom", {"NumberOfBytes": 9}))
            assert random_bytes_of(nxt.read_response()) == 9
        assert time.monotonic() - start < 5


def test_client_gone_while_its_request_is_processed(srv):
    """The client closes while its slow request (an RSA-4096 key) runs: the answer has nowhere to go; the server
    carries on."""
    with Wire(srv.port) as w:
        w.send(signed(srv, "CreateKey", {"KeySpec": "RSA_4096", "KeyUsage": "SIGN_VERIFY", "Description": "abandoned"}))
        time.sleep(0.1)
    still_serves(srv)
    time.sleep(3)  # probably finished by now; the write to the closed connection must not hurt
    still_serves(srv)
    assert srv.is_running()


# --------------------------------------------------------------------------- timeouts

def _within(elapsed: float | None, timeout: float, what: str) -> None:
    assert elapsed is not None, f"{what}: still open after {timeout + LATE:.1f} s (timeout {timeout} s)"
    assert timeout - EARLY <= elapsed <= timeout + LATE, f"{what}: closed after {elapsed:.2f} s (timeout {timeout} s)"


def test_idle_connection_is_closed_after_the_idle_timeout(short):
    with Wire(short.port) as w:
        elapsed = w.closed_within(SHORT_IDLE + LATE)
        _within(elapsed, SHORT_IDLE, "idle connection")
        assert w.buf == b"", f"the server wrote to an idle connection: {w.buf!r}"


def test_idle_keep_alive_connection_is_closed_after_the_idle_timeout(short):
    with Wire(short.port) as w:
        w.send(signed(short, "GenerateRandom", {"NumberOfBytes": 2}))
        assert random_bytes_of(w.read_response()) == 2
        _within(w.closed_within(SHORT_IDLE + LATE), SHORT_IDLE, "idle keep-alive connection")


def test_slowloris_head_is_closed_within_the_idle_timeout(short):
    """The head arrives one byte every 0.5 s and never ends: the trickle does not keep the connection open."""
    head, _ = _head_and_body(signed(short, "GenerateRandom", {"NumberOfBytes": 2}))
    with Wire(short.port) as w:
        start = time.monotonic()
        closed_at = None
        for byte in head[:-4]:
            if time.monotonic() - start > SHORT_IDLE + SHORT_REQUEST + LATE:
                break
            try:
                w.send(bytes([byte]))
            except OSError:
                closed_at = time.monotonic() - start
                break
            if w.closed_within(0.5) is not None:
                closed_at = time.monotonic() - start
                break
        assert closed_at is not None, "a never-ending head kept the connection open"
        assert closed_at <= SHORT_IDLE + LATE, f"a trickled head kept the connection for {closed_at:.2f} s"
        assert not w.buf or w.buf.startswith(b"HTTP/1.1 4"), w.buf[:300]
    still_serves(short)


def test_slow_body_is_closed_after_the_request_timeout(short):
    headers, _ = short.raw().signed("TrentService.ListKeys", b'{"Limit": 1}')
    # A head announcing 1000 bytes, 10 sent at once, then one every 0.5 s.
    head = request_bytes(headers, b"", short.port, content_length=False, extra={"Content-Length": "1000"})
    with Wire(short.port) as w:
        w.send(head + b"{" * 10)
        start = time.monotonic()
        closed_at = None
        while time.monotonic() - start < SHORT_REQUEST + LATE + 1:
            try:
                w.send(b" ")
            except OSError:
                closed_at = time.monotonic() - start
                break
            if w.closed_within(0.5) is not None:
                closed_at = time.monotonic() - start
                break
        _within(closed_at, SHORT_REQUEST, "a body sent slowly, never completed")
        assert not w.buf or w.buf.startswith(b"HTTP/1.1 4"), w.buf[:300]
    still_serves(short)


def test_request_that_completes_in_time_is_answered_despite_a_slow_start(short):
    """Head, then the body in pieces, all within the request timeout: answered normally."""
    head, body = _head_and_body(signed(short, "GenerateRandom", {"NumberOfBytes": 6}))
    with Wire(short.port) as w:
        w.send(head)
        for i in range(0, len(body), 4):
            time.sleep(0.05)
            w.send(body[i:i + 4])
        assert random_bytes_of(w.read_response()) == 6


def test_boto3_reuses_or_replaces_a_connection_the_server_closed_when_idle(short):
    kms = short.client()  # one attempt, no retries
    assert len(kms.generate_random(NumberOfBytes=4)["Plaintext"]) == 4
    time.sleep(SHORT_IDLE + 1)  # the pooled connection is closed by the server by now
    assert len(kms.generate_random(NumberOfBytes=5)["Plaintext"]) == 5
    still_serves(short)


def test_pipelined_slow_requests_are_not_cut_by_the_idle_timeout(coffer_bin, tmp_path):
    """The idle timeout covers a connection waiting for a request, not one whose request is being processed: slow
    requests pipelined behind another one still get their answers. Wrapping keys made on demand (RSA-4096, about
    1 s or more each, the more so with two more generations running beside them) against a 1 s idle timeout."""
    s = CofferServer(coffer_bin, tmp_path / "idle1", name="idle1", config={
        "wrappingKeyPool": NO_POOL, "http": {"idleTimeoutSeconds": 1, "requestTimeoutSeconds": 30}})
    s.start()
    try:
        key_id = s.client().create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        params = {"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_4096"}
        slow = 4
        batch = [signed(s, "GenerateRandom", {"NumberOfBytes": 1})] + [signed(s, "GetParametersForImport", params)] * slow
        busy = [Wire(s.port, timeout=120) for _ in range(2)]
        try:
            for b in busy:  # load for the cores, on other connections
                b.send(signed(s, "GetParametersForImport", params))
            with Wire(s.port, timeout=120) as w:
                w.send(b"".join(batch))
                assert random_bytes_of(w.read_response()) == 1
                took = []
                for n in range(slow):
                    start = time.monotonic()
                    try:
                        resp = w.read_response(timeout=120)
                    except ConnectionError:
                        pytest.fail(f"the connection was closed while pipelined request {n + 2} of {slow + 1} was "
                                    f"being processed, {time.monotonic() - start:.2f} s after the previous answer "
                                    f"(idle timeout 1 s; earlier ones took {took})")
                    took.append(round(time.monotonic() - start, 2))
                    assert resp.status == 200, resp.describe()
                    assert resp.json["KeyId"].endswith(key_id)
        finally:
            for b in busy:
                b.close()
    finally:
        s.discard()


# --------------------------------------------------------------------------- graceful shutdown

def _read_in_thread(w: Wire, out: dict, timeout: float = 120) -> threading.Thread:
    def run():
        try:
            out["response"] = w.read_response(timeout=timeout)
            out["at"] = time.monotonic()
        except BaseException as e:  # noqa: BLE001 - asserted by the caller
            out["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_sigterm_drains_in_flight_requests_then_exits_0(coffer_bin, tmp_path):
    s = CofferServer(coffer_bin, tmp_path / "drain", name="drain", config={"wrappingKeyPool": NO_POOL})
    s.start()
    wires: list[Wire] = []
    try:
        key_id = s.client().create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        params = {"KeyId": key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_4096"}
        # Several at once on 2 cores: some are certainly still running when SIGTERM arrives.
        wires += [Wire(s.port, timeout=120) for _ in range(3)]
        results = [{} for _ in wires]
        for w in wires:
            w.send(signed(s, "GetParametersForImport", params))
        threads = [_read_in_thread(w, r) for w, r in zip(wires[:3], results)]
        idle = Wire(s.port)  # an idle keep-alive connection: closed at once, not after the 60 s idle timeout
        wires.append(idle)
        idle.send(signed(s, "GenerateRandom", {"NumberOfBytes": 1}))
        assert random_bytes_of(idle.read_response()) == 1
        time.sleep(0.3)
        sigterm_at = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)

        assert idle.closed_within(5) is not None, "an idle connection stayed open after SIGTERM"
        # The listener closes at once: no new connection while the in-flight requests finish.
        refused_while_draining = refuses_connections(s.port)
        for t in threads:
            t.join(timeout=130)
        for n, r in enumerate(results):
            assert "error" not in r, f"in-flight request {n}: {r['error']!r}"
            resp = r["response"]
            assert resp.status == 200, resp.describe()
            assert resp.json["KeyId"].endswith(key_id) and resp.json["ImportToken"] and resp.json["PublicKey"]
            assert resp.closes, f"an answer sent while draining does not say Connection: close: {resp.head!r}"
        answered_after = sum(1 for r in results if r["at"] > sigterm_at)
        assert answered_after >= 1, "every request finished before SIGTERM: nothing was drained (test too fast)"
        try:
            code = s.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("coffer did not exit within 30 s of SIGTERM after the in-flight requests were answered")
        assert code == 0, f"exit code {code}\n{s.stderr_text()[-2000:]}"
        assert refuses_connections(s.port)
        assert refused_while_draining, "a new connection was accepted after SIGTERM, while requests were draining"
    finally:
        for w in wires:
            w.close()
        s.discard()


def test_sigterm_with_an_idle_connection_exits_promptly(coffer_bin, tmp_path):
    s = CofferServer(coffer_bin, tmp_path / "idle-exit", name="idle-exit", config={"wrappingKeyPool": NO_POOL})
    s.start()
    try:
        with Wire(s.port) as w, Wire(s.port) as silent:
            w.send(signed(s, "GenerateRandom", {"NumberOfBytes": 1}))
            assert random_bytes_of(w.read_response()) == 1
            start = time.monotonic()
            s.proc.send_signal(signal.SIGTERM)
            assert w.closed_within(5) is not None
            assert silent.closed_within(5) is not None
            code = s.proc.wait(timeout=15)
            assert code == 0
            assert time.monotonic() - start < 10
        assert refuses_connections(s.port)
    finally:
        s.discard()


def test_sigterm_with_a_half_sent_head_on_a_connection_exits_0_promptly(coffer_bin, tmp_path):
    """A client that has sent part of a request head (a slow client, a slowloris) when SIGTERM arrives: its
    connection is closed, nothing is answered on it, and the process exits 0 at once."""
    s = CofferServer(coffer_bin, tmp_path / "half-head", name="half-head", config={"wrappingKeyPool": NO_POOL})
    s.start()
    try:
        head, _ = _head_and_body(signed(s, "GenerateRandom", {"NumberOfBytes": 3}))
        with Wire(s.port) as partial:
            partial.send(head[:30])
            time.sleep(0.3)
            start = time.monotonic()
            s.proc.send_signal(signal.SIGTERM)
            assert partial.closed_within(5) is not None, "the connection with a half-sent head stayed open"
            try:
                code = s.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pytest.fail("coffer did not exit within 10 s of SIGTERM with a half-sent head on a connection\n"
                            + s.stderr_text()[-3000:])
            assert code == 0, f"exit code {code}\n{s.stderr_text()[-3000:]}"
            assert time.monotonic() - start < 5
    finally:
        s.discard()


def test_sigterm_waits_for_a_half_sent_body_at_most_the_request_timeout(coffer_bin, tmp_path):
    s = CofferServer(coffer_bin, tmp_path / "half-body", name="half-body", config={
        "wrappingKeyPool": NO_POOL, "http": {"idleTimeoutSeconds": 60, "requestTimeoutSeconds": 2}})
    s.start()
    try:
        head, body = _head_and_body(signed(s, "GenerateRandom", {"NumberOfBytes": 3}))
        with Wire(s.port) as partial:
            partial.send(head + body[:2])
            time.sleep(0.3)
            start = time.monotonic()
            s.proc.send_signal(signal.SIGTERM)
            try:
                code = s.proc.wait(timeout=2 + LATE + 5)
            except subprocess.TimeoutExpired:
                pytest.fail("a half-sent body held the shutdown beyond the request timeout\n" + s.stderr_text()[-3000:])
            assert code == 0, f"exit code {code}\n{s.stderr_text()[-3000:]}"
            assert time.monotonic() - start <= 2 + LATE
            assert partial.closed_within(1) is not None
    finally:
        s.discard()
