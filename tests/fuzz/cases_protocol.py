"""Protocol abuse: methods, X-Amz-Target values, paths, content types, chunked bodies (valid, with extensions and
trailers, malformed, over the limit), pipelined requests, Expect: 100-continue, abandoned requests, malformed HTTP,
Connection: close and HTTP/1.0. Most run on a fresh connection each, so a drop is attributed to its case."""

from __future__ import annotations

import base64
import json
import random
import time

from .base import Case, Env
from .checks import Expect
from .wire import Connection, ExchangeError, Request, Response, kms_request, sign

KINDS = {
    "method": 8, "target": 8, "path": 6, "content_type": 6, "chunked_valid": 4, "chunked_ext": 2,
    "chunked_malformed": 3, "chunked_over_limit": 1, "cl_and_te": 2, "pipelined": 5, "pipelined_bad_middle": 2,
    "expect_100": 3, "expect_other": 1, "abandoned": 5, "malformed": 10, "connection_close": 1, "http10": 1,
}

HOLD_WAIT = 2.0       # how long a request the server may legitimately hold unanswered is waited for
EXPECT_WAIT = 0.5     # how long the harness waits for 100 Continue before sending the body anyway (loopback)

METHODS = ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FUZZ", "post", "PROPFIND"]
# (target or None for no header, reject: True = a 2xx is a finding, None = either)
TARGETS = [
    (None, True), ("", True), ("TrentService.", True), ("TrentService.generaterandom", True),
    ("trentservice.GenerateRandom", True), ("TrentService.Generate Random", True),
    ("AmazonSSM.GetParameter", True), ("TrentService.GenerateRandom.Extra", True), ("TrentService." + "A" * 10000, True),
    ("CofferDevelopment.AdvanceClock", True), ("TrentService.GenerateRandom ", None), ("\tTrentService.GenerateRandom", None),
    ("TrentService.\u00e9", True), ("TrentService.GenerateRandom,TrentService.ListKeys", True),
    ("TrentService.GenerateRandomX", True), ("GenerateRandom", True), ("TrentService..GenerateRandom", True),
    ("DUPLICATE", None),
]
# (path, served-as-/ is a deviation)
PATHS = [
    ("/foo", True), ("/kms", True), ("//", True), ("/index.html", True), ("/TrentService", True),
    ("/" + "a" * 4000, True), ("/%2F", True), ("/./", True), ("/?Action=GenerateRandom", False), ("/?", False),
    ("/../", True), ("/%C3%A9", True), ("/2014-11-01/", True),
]
# (content type or None for no header, acceptable)
CONTENT_TYPES = [
    # No Content-Type and the JSON 1.0 type are accepted by choice (docs/deviations.md).
    (None, True), ("application/json", False), ("text/plain", False), ("application/x-amz-json-1.0", True),
    ("application/xml", False), ("multipart/form-data; boundary=x", False), ("application/x-www-form-urlencoded", False),
    ("", False), ("\u00e9", False), ("application/x-amz-json-1.1; charset=utf-8", True),
    ("APPLICATION/X-AMZ-JSON-1.1", True), ("application/x-amz-json-1.1x", False), ("application/*", False),
    ("DUPLICATE", False),
]


def plan(index: int, rng: random.Random) -> Case:
    kinds = list(KINDS)
    kind = rng.choices(kinds, [KINDS[k] for k in kinds])[0]
    return Case(index, "protocol", kind, {"variant": rng.randrange(1 << 20)}, rng)


# --------------------------------------------------------------------------- helpers

def one_shot(env: Env, data: bytes, timeout: float, head: bool = False, after_send=None) -> Response | ExchangeError:
    """Send bytes on a fresh connection and read one response. If sending fails, whatever answer the server had
    already written is still read."""
    deadline = time.monotonic() + timeout
    try:
        conn = Connection("127.0.0.1", env.server.port)
    except ExchangeError as e:
        return e
    try:
        try:
            conn.send(data, deadline)
        except ExchangeError as e:
            try:
                return conn.read_response(min(deadline, time.monotonic() + 1.0), head_request=head)
            except ExchangeError:
                return e
        if after_send:
            after_send(conn)
        try:
            return conn.read_response(deadline, head_request=head)
        except ExchangeError as e:
            return e
    finally:
        conn.close()


def valid_body(env: Env, rng: random.Random) -> tuple[str, bytes, int]:
    n = rng.randint(1, 64)
    return "GenerateRandom", json.dumps({"NumberOfBytes": n}).encode(), n


def signed_request(env: Env, op: str | None, body: bytes, **kw) -> Request:
    req = kms_request(env.hostport, op, body, **kw)
    return sign(req, env.idents["main"], env.region)


def health(env: Env, case: Case) -> None:
    """After a case that disturbed the server: a valid request on a fresh connection must succeed."""
    req = signed_request(env, "GenerateRandom", b'{"NumberOfBytes": 8}')
    res = one_shot(env, req.to_bytes(), env.timeout)
    env.rec.check(case, req, res, Expect(control=True))


# --------------------------------------------------------------------------- malformed HTTP

def _malformed(env: Env, rng: random.Random, v: int) -> tuple[bytes, bool, str, bool]:
    """(bytes, may_wait, note, must_fail)"""
    host = env.hostport
    op, body, _ = valid_body(env, rng)
    good = signed_request(env, op, body).to_bytes()
    head, _, rest = good.partition(b"\r\n\r\n")
    variants = [
        (b"GARBAGE\r\n\r\n", False, "garbage request line", True),
        (b"POST / HTTP/9.9\r\nHost: %s\r\nContent-Length: 2\r\n\r\n{}" % host.encode(), False, "HTTP/9.9", True),
        (b"POST / HTTP/1.1\r\nHost %s\r\nContent-Length: 2\r\n\r\n{}" % host.encode(), False, "header without colon", True),
        (head + b"\r\nX-Fuzz: a\x00b\r\n\r\n" + rest, False, "NUL in a header value", False),
        (good.replace(b"\r\n", b"\n"), False, "bare LF line endings", False),
        (b"POST /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}", False, "70 KB request line", True),
        (head + b"\r\nX-Fuzz: " + b"a" * 200000 + b"\r\n\r\n" + rest, False, "200 KB header value", False),
        (head + b"\r\n" + b"".join(b"X-Fuzz-%d: x\r\n" % i for i in range(3000)) + b"\r\n" + rest, False,
         "3000 headers", False),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n{}", False, "Content-Length -1", True),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n{}", False, "Content-Length abc", True),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +2\r\n\r\n{}", False, "Content-Length +2", True),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{} ", False,
         "two different Content-Lengths", True),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n{}", False,
         "Content-Length overflow", True),
        (b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n{}", True, "Transfer-Encoding gzip", True),
        (b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, identity\r\n\r\n2\r\n{}\r\n0\r\n\r\n", True,
         "Transfer-Encoding chunked, identity", False),
        (head.replace(b"X-Amz-Target: TrentService.", b"X-Amz-Target: TrentService.\r\n ") + b"\r\n\r\n" + rest,
         False, "obsolete line folding", True),
        (head.replace(b"Host:", b"Host :") + b"\r\n\r\n" + rest, False, "space before colon", True),
        (b"PO ST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}", False, "space in method", True),
        (b"P\xc3\x96ST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}", False, "non-ASCII method", True),
        (good.replace(b"HTTP/1.1", b"HTTP/1.0", 1), False, "HTTP/1.0", False),
        (good.replace(b"POST / ", b"POST http://other.example/ ", 1), False, "absolute-form URI, other host", False),
        (b"\r\n\r\n" + good, False, "empty lines before the request", False),
        (bytes(rng.randrange(256) for _ in range(200)), True, "200 random bytes", True),
        (bytes.fromhex("16030100c4010000c00303") + rng.randbytes(100), True, "TLS ClientHello", True),
        (b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", True, "HTTP/2 preface", True),
        (b"POST / HTTP/1.1\r\nHost: h\r\nX Fuzz: 1\r\nContent-Length: 2\r\n\r\n{}", False, "space in header name", True),
        (b"POST / HTTP/1.1\r\nHost: h\r\nX-Fuzz\x01: 1\r\nContent-Length: 2\r\n\r\n{}", False,
         "control character in header name", True),
        (b"POST\r\n\r\n", True, "method only", True),
        (b"POST /\r\n\r\n", True, "no HTTP version", True),
        (b"POST / HTTP/1.1\r\nHost: h\r\n" + b"X" * 70000 + b": v\r\nContent-Length: 2\r\n\r\n{}", False,
         "70 KB header name", True),
        (b"\r\n\r\n\r\n", True, "empty lines only", True),
        (b"POST /\xe2\x82\xac HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}", False, "raw UTF-8 in the path", True),
        (head.replace(b"Host: ", b"Host: other.example\r\nHost: ") + b"\r\n\r\n" + rest, False, "two Host headers", True),
        (head + b"\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n" + rest, False,
         "Upgrade: h2c", False),
        (head + b"\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n" + rest, False, "Upgrade: websocket", False),
        (b"POST * HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}", False, "asterisk-form target", True),
        (b"CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n", True, "CONNECT", True),
        (b"POST / HTTP/1.1\r\n\r\n", False, "no Host, no body", True),
        (b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}" * 1 + b"\x00\x00\x00\x00", True,
         "NUL bytes after a request", True),
    ]
    data, may_wait, note, must_fail = variants[v % len(variants)]
    return data, may_wait, note, must_fail


def _chunk_sizes(rng: random.Random, n: int) -> list[int]:
    sizes = []
    left = n
    while left > 0:
        s = min(left, rng.choice([1, 1, 2, 3, 7, 16, 100, 1000]))
        sizes.append(s)
        left -= s
    return sizes


# --------------------------------------------------------------------------- run

def run(case: Case, env: Env) -> None:
    rng = case.rng
    v = case.params["variant"]
    k = case.kind
    rec = env.rec
    note = ""
    disturbing = False

    def check(req, res, expect):
        case.params["note"] = note
        return rec.check(case, req, res, expect)

    if k == "method":
        method = METHODS[v % len(METHODS)]
        op, body, _ = valid_body(env, rng)
        if method in ("GET", "HEAD", "TRACE", "OPTIONS") and rng.random() < 0.5:
            body = b""
        req = kms_request(env.hostport, op, body, method=method)
        sign(req, env.idents["main"], env.region)
        note = method
        res = one_shot(env, req.to_bytes(), env.timeout, head=(method == "HEAD"))
        odd = method in ("FUZZ", "post")   # not HTTP methods an HTTP parser knows: malformed HTTP
        check(req, res, Expect(must_fail="invalid-input-accepted", head=(method == "HEAD"), malformed=odd,
                               may_drop=odd or method in ("TRACE", "PROPFIND")))
    elif k == "target":
        target, reject = TARGETS[v % len(TARGETS)]
        op, body, _ = valid_body(env, rng)
        if target == "DUPLICATE":
            req = kms_request(env.hostport, None, body,
                              extra=[("X-Amz-Target", "TrentService.GenerateRandom"), ("X-Amz-Target", "TrentService.ListKeys")])
            note = "two X-Amz-Target headers"
        elif target is None:
            req = kms_request(env.hostport, None, body)
            note = "no X-Amz-Target"
        else:
            req = kms_request(env.hostport, None, body, target=target)
            note = f"X-Amz-Target {target[:60]!r}"
        sign(req, env.idents["main"], env.region)
        res = _exchange_main(env, req)
        check(req, res, Expect(must_fail="invalid-input-accepted" if reject else None))
    elif k == "path":
        path, deviation = PATHS[v % len(PATHS)]
        op, body, _ = valid_body(env, rng)
        req = kms_request(env.hostport, op, body, path=path)
        sign(req, env.idents["main"], env.region)
        note = f"path {path[:60]!r}"
        res = _exchange_main(env, req)
        check(req, res, Expect(deviation_if_ok="any-path-served" if deviation else None))
    elif k == "content_type":
        ct, acceptable = CONTENT_TYPES[v % len(CONTENT_TYPES)]
        op, body, _ = valid_body(env, rng)
        if ct == "DUPLICATE":
            req = kms_request(env.hostport, op, body, content_type="application/x-amz-json-1.1",
                              extra=[("Content-Type", "text/plain")])
            note = "two Content-Type headers"
        else:
            req = kms_request(env.hostport, op, body, content_type=ct)
            note = f"Content-Type {ct!r}"
        sign(req, env.idents["main"], env.region)
        res = _exchange_main(env, req)
        check(req, res, Expect(control=acceptable, deviation_if_ok=None if acceptable else "content-type-unchecked"))
    elif k in ("chunked_valid", "chunked_ext"):
        op, body, n = valid_body(env, rng)
        req = signed_request(env, op, body)
        req.chunks = _chunk_sizes(rng, len(body))
        if k == "chunked_ext":
            if v % 2:
                req.chunk_ext = rng.choice([";name=value", ";a", ';q="quoted"', ";" + "e" * 100])
                note = f"chunk extension {req.chunk_ext[:20]!r}"
            else:
                req.trailers = [("X-Fuzz-Trailer", "1")]
                note = "trailer"
        else:
            note = f"{len(req.chunks)} chunks"
        res = one_shot(env, req.to_bytes(), env.timeout)
        r = check(req, res, Expect(control=(k == "chunked_valid")))
        _check_random(env, case, req, r, n)
    elif k == "chunked_malformed":
        op, body, _ = valid_body(env, rng)
        req = signed_request(env, op, body)
        hdr = req.to_bytes().split(b"\r\n\r\n")[0].replace(b"Content-Length: %d" % len(body), b"Transfer-Encoding: chunked")
        variants = [
            (b"zz\r\n" + body + b"\r\n0\r\n\r\n", False, "chunk size zz"),
            (b"%x\r\n" % (len(body) + 50) + body + b"\r\n0\r\n\r\n", True, "chunk size larger than the data"),
            (b"%x\r\n" % max(len(body) - 3, 1) + body + b"\r\n0\r\n\r\n", False, "chunk size smaller than the data"),
            (b"%x\r\n" % len(body) + body + b"0\r\n\r\n", False, "no CRLF after the chunk data"),
            (b"-1\r\n" + body + b"\r\n0\r\n\r\n", False, "chunk size -1"),
            (b"ffffffffffffffffff\r\n" + body + b"\r\n0\r\n\r\n", False, "chunk size overflow"),
            (b"%x\r\n" % len(body) + body + b"\r\n", True, "no last chunk"),
            (b"%x\r\n" % len(body) + body + b"\r\n0\r\nX-Bad Trailer\r\n\r\n", True, "malformed trailer"),
            (b"%x \r\n" % len(body) + body + b"\r\n0\r\n\r\n", False, "space after the chunk size"),
        ]
        tail, may_wait, note = variants[v % len(variants)]
        data = hdr + b"\r\n\r\n" + tail
        r = Request("POST", "/", [], raw=data)
        res = one_shot(env, data, HOLD_WAIT if may_wait else env.timeout)
        check(r, res, Expect(malformed=True, may_drop=True, may_wait=may_wait))
        disturbing = True
    elif k == "chunked_over_limit":
        op, _, _ = valid_body(env, rng)
        body = b'{"NumberOfBytes": 8, "Pad": "' + b"p" * ((1 << 20) + rng.randint(1, 100000)) + b'"}'
        req = signed_request(env, op, body)
        req.chunks = [65536] * (len(body) // 65536 + 1)
        note = f"{len(body)} bytes chunked"
        res = one_shot(env, req.to_bytes(), env.big_timeout)
        check(req, res, Expect(must_fail="invalid-input-accepted", may_drop=True))
        disturbing = True
    elif k == "cl_and_te":
        op, body, _ = valid_body(env, rng)
        req = signed_request(env, op, body)
        req.chunks = [len(body)]
        req.headers.append(("Content-Length", str(len(body) + rng.choice([0, 5, -2]))))
        note = "Content-Length and Transfer-Encoding: chunked"
        res = one_shot(env, req.to_bytes(), HOLD_WAIT)
        check(req, res, Expect(malformed=True, may_drop=True, may_wait=True))
        disturbing = True
    elif k in ("pipelined", "pipelined_bad_middle"):
        _pipelined(env, case, rng, bad_middle=(k == "pipelined_bad_middle"))
        return
    elif k == "expect_100":
        _expect_100(env, case, rng)
        return
    elif k == "expect_other":
        op, body, _ = valid_body(env, rng)
        req = kms_request(env.hostport, op, body, extra=[("Expect", rng.choice(["fuzz", "100-continue, x", "200-ok"]))])
        sign(req, env.idents["main"], env.region)
        note = f"Expect {req.header('expect')!r}"
        res = one_shot(env, req.to_bytes(), HOLD_WAIT)
        check(req, res, Expect(may_drop=True, may_wait=True))
    elif k == "abandoned":
        _abandoned(env, case, rng, v)
        return
    elif k == "malformed":
        data, may_wait, note, must_fail = _malformed(env, rng, v)
        r = Request("POST", "/", [], raw=data)
        res = one_shot(env, data, HOLD_WAIT if may_wait else env.timeout)
        check(r, res, Expect(malformed=True, may_drop=True, may_wait=may_wait,
                             must_fail="invalid-input-accepted" if must_fail else None))
        disturbing = True
    elif k == "connection_close":
        op, body, n = valid_body(env, rng)
        req = signed_request(env, op, body, extra=[("Connection", "close")])
        res = one_shot(env, req.to_bytes(), env.timeout)
        r = check(req, res, Expect(control=True))
        _check_random(env, case, req, r, n)
    elif k == "http10":
        op, body, n = valid_body(env, rng)
        req = signed_request(env, op, body)
        data = req.to_bytes().replace(b"HTTP/1.1", b"HTTP/1.0", 1)
        res = one_shot(env, data, env.timeout)
        r = check(req, res, Expect(may_drop=True))
    else:
        raise ValueError(k)
    case.params["note"] = note
    if disturbing:
        health(env, case)


def _exchange_main(env: Env, req: Request):
    try:
        return env.client.exchange(req, timeout=env.timeout)
    except ExchangeError as e:
        return e


def _check_random(env: Env, case: Case, req: Request, resp: Response | None, n: int) -> None:
    if resp is None or resp.status != 200:
        return
    j = resp.json() or {}
    try:
        got = len(base64.b64decode(j.get("Plaintext", "")))
    except ValueError:
        got = -1
    if got != n:
        env.rec.finding("bad-response", case, f"GenerateRandom({n}) returned {got} bytes", req, resp)


def _pipelined(env: Env, case: Case, rng: random.Random, bad_middle: bool) -> None:
    rec = env.rec
    count = rng.randint(2, 6)
    reqs: list[tuple[Request, str, int]] = []   # request, expected kind, expected length
    for i in range(count):
        r = rng.random()
        if r < 0.6:
            op, body, n = valid_body(env, rng)
            reqs.append((signed_request(env, op, body), "random", n))
        elif r < 0.8:
            reqs.append((signed_request(env, "GenerateRandom", b'{"NumberOfBytes": '), "SerializationException", 0))
        else:
            reqs.append((signed_request(env, "NoSuchOperation", b"{}"), "UnknownOperationException", 0))
    bad_at = None
    if bad_middle and count >= 3:
        bad_at = rng.randint(1, count - 2)
        reqs[bad_at] = (Request("POST", "/", [], raw=b"GARBAGE / HTTP/1.1\r\nContent-Length: x\r\n\r\n"), "malformed", 0)
    if rng.random() < 0.3:
        last = reqs[-1][0]
        if last.raw is None:
            last.headers.append(("Connection", "close"))
    case.params["note"] = f"{count} requests in one write" + (f", malformed #{bad_at + 1}" if bad_at is not None else "")
    data = b"".join(r.to_bytes() for r, _, _ in reqs)
    deadline = time.monotonic() + env.timeout
    try:
        conn = Connection("127.0.0.1", env.server.port)
    except ExchangeError as e:
        rec.check(case, reqs[0][0], e, Expect())
        return
    try:
        try:
            conn.send(data, deadline)
        except ExchangeError as e:
            rec.check(case, reqs[0][0], e, Expect(may_drop=bad_at is not None))
            return
        for i, (req, want, n) in enumerate(reqs):
            try:
                resp = conn.read_response(deadline)
            except ExchangeError as e:
                rec.check(case, req, e, Expect(may_drop=(want == "malformed")))
                return
            if want == "malformed":
                rec.check(case, req, resp, Expect(malformed=True, may_drop=True))
                if i < len(reqs) - 1:
                    rec.note("pipelined: requests after malformed HTTP not answered (expected)")
                break
            rec.check(case, req, resp, Expect(control=(want == "random")))
            if want == "random":
                _check_random(env, case, req, resp, n)
            else:
                t = (resp.json() or {}).get("__type", "") if isinstance(resp.json(), dict) else ""
                if want not in t:
                    rec.finding("pipelining", case, f"response #{i + 1} is {resp.status} {t!r}, expected {want}",
                                req, resp)
            if resp.closes:
                if i != len(reqs) - 1:
                    rec.finding("pipelining", case, f"server closed after response #{i + 1} of {len(reqs)}", req, resp)
                break
    finally:
        conn.close()


def _expect_100(env: Env, case: Case, rng: random.Random) -> None:
    rec = env.rec
    op, body, n = valid_body(env, rng)
    req = signed_request(env, op, body, extra=[("Expect", "100-continue")])
    data = req.to_bytes()
    head, _, rest = data.partition(b"\r\n\r\n")
    deadline = time.monotonic() + env.timeout
    case.params["note"] = f"Expect: 100-continue, body sent after the interim response or {EXPECT_WAIT} s"
    try:
        conn = Connection("127.0.0.1", env.server.port)
        conn.send(head + b"\r\n\r\n", deadline)
    except ExchangeError as e:
        rec.check(case, req, e, Expect())
        return
    try:
        early = conn.poll_for(12, EXPECT_WAIT)
        if early.startswith(b"HTTP/1.1 100") or early.startswith(b"HTTP/1.0 100"):
            rec.note("expect-100: interim 100 Continue received")
        elif early:
            # a final answer before the body: allowed (e.g. an early rejection); read it
            try:
                resp = conn.read_response(deadline)
            except ExchangeError as e:
                rec.check(case, req, e, Expect())
                return
            rec.check(case, req, resp, Expect(control=True))
            return
        else:
            rec.deviation("expect-100-continue", case, f"no 100 Continue within {EXPECT_WAIT} s", req)
        try:
            conn.send(rest, deadline)
            resp = conn.read_response(deadline)
        except ExchangeError as e:
            rec.check(case, req, e, Expect())
            return
        r = rec.check(case, req, resp, Expect(control=True))
        _check_random(env, case, req, r, n)
    finally:
        conn.close()


def _abandoned(env: Env, case: Case, rng: random.Random, v: int) -> None:
    op, body, _ = valid_body(env, rng)
    body = body[:-1] + b', "Pad": "' + b"p" * rng.choice([10, 1000, 100000]) + b'"}'
    req = signed_request(env, op, body)
    data = req.to_bytes()
    head_len = data.index(b"\r\n\r\n") + 4
    variants = [
        ("partial headers, then close", data[: rng.randint(1, head_len - 1)], False),
        ("headers only, then close", data[:head_len], False),
        ("half the body, then close", data[: head_len + len(body) // 2], False),
        ("half the body, then reset", data[: head_len + len(body) // 2], True),
        ("whole request, closed before the answer", data, False),
        ("whole request, reset before the answer", data, True),
        ("headers, then reset", data[:head_len], True),
    ]
    note, chunk, reset = variants[v % len(variants)]
    case.params["note"] = note
    try:
        conn = Connection("127.0.0.1", env.server.port)
        conn.send(chunk, time.monotonic() + env.timeout)
        if rng.random() < 0.5:
            time.sleep(rng.choice([0.01, 0.1, 0.3]))
        conn.close(reset=reset)
        env.rec.status(case, "abandoned")
        env.rec._expected_drop("abandoned by the harness")
    except ExchangeError as e:
        env.rec.check(case, req, e, Expect(may_drop=True))
    health(env, case)
