"""Raw HTTP/1.1 over sockets, and SigV4 signing, for the fuzz harness.

Nothing here uses an HTTP library: the harness must be able to send what no library sends (duplicate headers, bad
framing, chunked bodies with odd extensions, several requests in one write, a few bytes per second) and to tell apart
every way an exchange can end: a complete response, the server closing (before or after answering), a reset, or no
answer within the deadline. Every socket operation has a deadline, so the harness never waits forever.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import socket
import time
from dataclasses import dataclass, field
from urllib.parse import quote

JSON_CT = "application/x-amz-json-1.1"
TARGET_PREFIX = "TrentService."
MAX_HEAD = 256 * 1024          # a response head larger than this is itself a finding
MAX_BODY = 8 * 1024 * 1024     # responses are small; this only bounds the harness' memory


# --------------------------------------------------------------------------- outcomes

class ExchangeError(Exception):
    """How an exchange ended without a complete response. `kind` is one of:
    closed  - the server closed the connection (EOF) before a complete response;
    reset   - ECONNRESET / EPIPE / other socket error while sending or receiving;
    timeout - no complete response before the deadline;
    refused - could not connect at all (server down?);
    protocol - the server's response could not be parsed as HTTP/1.1."""

    def __init__(self, kind: str, detail: str = "", partial: bytes = b""):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.partial = partial


@dataclass
class Response:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes
    interim: list[int] = field(default_factory=list)   # 1xx statuses seen before this response

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def closes(self) -> bool:
        return (self.header("connection") or "").strip().lower() == "close"

    def json(self):
        import json
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    def summary(self, limit: int = 1500) -> dict:
        return {
            "status": self.status,
            "headers": self.headers,
            "body": _preview(self.body, limit),
            "body_length": len(self.body),
            "interim": self.interim,
        }


def _preview(data: bytes, limit: int) -> str:
    text = data[:limit].decode("utf-8", errors="backslashreplace")
    if len(data) > limit:
        text += f"... [{len(data) - limit} more bytes]"
    return text


# --------------------------------------------------------------------------- connections

class Connection:
    """One TCP connection with a read buffer. Every call takes an absolute deadline (time.monotonic())."""

    def __init__(self, host: str, port: int, connect_timeout: float = 5.0):
        self.host, self.port = host, port
        try:
            self.sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as e:
            raise ExchangeError("refused", str(e)) from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False
        self.used = 0          # requests sent on this connection
        self.sent_any = False

    def close(self, reset: bool = False) -> None:
        try:
            if reset:  # RST instead of FIN
                import struct
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
        except OSError:
            pass

    def send(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ExchangeError("timeout", "sending the request")
            self.sock.settimeout(remaining)
            try:
                n = self.sock.send(view)
            except socket.timeout:
                raise ExchangeError("timeout", "sending the request") from None
            except OSError as e:
                raise ExchangeError("reset", f"while sending: {e}") from None
            view = view[n:]
            self.sent_any = True

    def _fill(self, deadline: float) -> bool:
        """Read more bytes into the buffer. False at EOF."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ExchangeError("timeout", "waiting for the response", bytes(self.buf[:2000]))
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise ExchangeError("timeout", "waiting for the response", bytes(self.buf[:2000])) from None
        except OSError as e:
            raise ExchangeError("reset", f"while receiving: {e}", bytes(self.buf[:2000])) from None
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def poll_for(self, nbytes: int, wait: float) -> bytes:
        """Whatever arrives within `wait` seconds (up to nbytes), without raising on timeout/EOF."""
        deadline = time.monotonic() + wait
        while len(self.buf) < nbytes and not self.eof:
            try:
                if not self._fill(deadline):
                    break
            except ExchangeError:
                break
        return bytes(self.buf[:nbytes])

    def _read_line_block(self, deadline: float) -> bytes:
        while True:
            idx = self.buf.find(b"\r\n\r\n")
            if idx >= 0:
                head = bytes(self.buf[:idx])
                del self.buf[: idx + 4]
                return head
            if len(self.buf) > MAX_HEAD:
                raise ExchangeError("protocol", "response head too large", bytes(self.buf[:2000]))
            if not self._fill(deadline):
                raise ExchangeError("closed", "connection closed before a complete response head",
                                    bytes(self.buf[:2000]))

    def _read_exact(self, n: int, deadline: float) -> bytes:
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise ExchangeError("closed", f"connection closed in a response body ({len(self.buf)} of {n} bytes)",
                                    bytes(self.buf[:2000]))
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def _read_crlf_line(self, deadline: float) -> bytes:
        while True:
            idx = self.buf.find(b"\r\n")
            if idx >= 0:
                line = bytes(self.buf[:idx])
                del self.buf[: idx + 2]
                return line
            if len(self.buf) > 65536:
                raise ExchangeError("protocol", "chunk-size line too long")
            if not self._fill(deadline):
                raise ExchangeError("closed", "connection closed in a chunked response body")

    def read_response(self, deadline: float, head_request: bool = False, skip_interim: bool = True) -> Response:
        interim: list[int] = []
        while True:
            head = self._read_line_block(deadline)
            lines = head.split(b"\r\n")
            parts = lines[0].decode("latin-1").split(" ", 2)
            if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
                raise ExchangeError("protocol", f"bad status line {lines[0][:200]!r}", head[:2000])
            status = int(parts[1])
            reason = parts[2] if len(parts) > 2 else ""
            headers = []
            for line in lines[1:]:
                k, sep, v = line.decode("latin-1").partition(":")
                if not sep:
                    raise ExchangeError("protocol", f"bad response header line {line[:200]!r}", head[:2000])
                headers.append((k.strip(), v.strip()))
            if 100 <= status < 200 and status != 101:
                interim.append(status)
                if skip_interim:
                    continue
                return Response(status, reason, headers, b"", interim)
            break
        resp = Response(status, reason, headers, b"", interim)
        if head_request or status in (204, 304):
            return resp
        te = (resp.header("transfer-encoding") or "").lower()
        cl = resp.header("content-length")
        if "chunked" in te:
            body = bytearray()
            while True:
                size_line = self._read_crlf_line(deadline).split(b";", 1)[0].strip()
                try:
                    size = int(size_line, 16)
                except ValueError:
                    raise ExchangeError("protocol", f"bad chunk size {size_line[:50]!r}") from None
                if size == 0:
                    while self._read_crlf_line(deadline):  # trailers
                        pass
                    break
                body += self._read_exact(size, deadline)
                self._read_exact(2, deadline)
                if len(body) > MAX_BODY:
                    raise ExchangeError("protocol", "response body too large")
            resp.body = bytes(body)
        elif cl is not None:
            try:
                n = int(cl)
            except ValueError:
                raise ExchangeError("protocol", f"bad Content-Length {cl!r}") from None
            if n > MAX_BODY:
                raise ExchangeError("protocol", f"response Content-Length {n} too large")
            resp.body = self._read_exact(n, deadline)
        else:  # body until close
            while self._fill(deadline):
                if len(self.buf) > MAX_BODY:
                    raise ExchangeError("protocol", "response body too large")
            resp.body = bytes(self.buf)
            self.buf.clear()
        return resp


# --------------------------------------------------------------------------- requests

@dataclass
class Request:
    """An HTTP request as the harness will write it. `headers` is an ordered list (duplicates allowed)."""
    method: str
    path: str
    headers: list[tuple[str, str]]
    body: bytes = b""
    # chunk sizes for Transfer-Encoding: chunked (None: Content-Length framing, unless raw given)
    chunks: list[int] | None = None
    chunk_ext: str = ""
    trailers: list[tuple[str, str]] = field(default_factory=list)
    add_content_length: bool = True
    raw: bytes | None = None   # send exactly these bytes instead (malformed HTTP)

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def set_header(self, name: str, value: str | None) -> None:
        low = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != low]
        if value is not None:
            self.headers.append((name, value))

    def to_bytes(self) -> bytes:
        if self.raw is not None:
            return self.raw
        out = bytearray(f"{self.method} {self.path} HTTP/1.1\r\n".encode("latin-1", "replace"))
        headers = list(self.headers)
        names = {k.lower() for k, _ in headers}
        if self.chunks is not None:
            if "transfer-encoding" not in names:
                headers.append(("Transfer-Encoding", "chunked"))
        elif self.add_content_length and "content-length" not in names:
            headers.append(("Content-Length", str(len(self.body))))
        for k, v in headers:
            out += k.encode("latin-1", "replace") + b": " + v.encode("utf-8", "surrogateescape") + b"\r\n"
        out += b"\r\n"
        if self.chunks is None:
            out += self.body
        else:
            pos = 0
            for size in self.chunks:
                piece = self.body[pos: pos + size]
                pos += len(piece)
                if not piece:
                    continue
                out += f"{len(piece):x}{self.chunk_ext}\r\n".encode() + piece + b"\r\n"
            if pos < len(self.body):
                piece = self.body[pos:]
                out += f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
            out += b"0\r\n"
            for k, v in self.trailers:
                out += f"{k}: {v}\r\n".encode()
            out += b"\r\n"
        return bytes(out)

    def summary(self, limit: int = 1500) -> dict:
        if self.raw is not None:
            return {"raw": _preview(self.raw, limit), "raw_length": len(self.raw),
                    "raw_sha256": hashlib.sha256(self.raw).hexdigest()}
        return {
            "method": self.method,
            "path": self.path[:300],
            "headers": [(k[:200], v[:400]) for k, v in self.headers[:60]],
            "body": _preview(self.body, limit),
            "body_length": len(self.body),
            "body_sha256": hashlib.sha256(self.body).hexdigest(),
            "chunked": self.chunks is not None,
        }


# --------------------------------------------------------------------------- SigV4

def _hmac(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


_KEY_CACHE: dict[tuple, bytes] = {}


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    k = (secret, date, region, service)
    key = _KEY_CACHE.get(k)
    if key is None:
        key = _hmac(_hmac(_hmac(_hmac(("AWS4" + secret).encode("utf-8"), date), region), service), "aws4_request")
        if len(_KEY_CACHE) > 256:
            _KEY_CACHE.clear()
        _KEY_CACHE[k] = key
    return key


def canonical_query(query: str) -> str:
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        k, _, v = part.partition("=")
        pairs.append((quote(k, safe="-_.~"), quote(v, safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def amz_now(offset_s: float = 0.0) -> str:
    t = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=offset_s)
    return t.strftime("%Y%m%dT%H%M%SZ")


@dataclass
class Identity:
    access_key: str
    secret_key: str
    session_token: str | None = None
    account: str = "000000000000"


def sign(req: Request, ident: Identity, region: str, *, service: str = "kms", amz_date: str | None = None,
         scope_date: str | None = None, scope_region: str | None = None, scope_service: str | None = None,
         signed: list[str] | None = None, payload: bytes | None = None, secret: str | None = None,
         add_token: bool = True) -> Request:
    """Add X-Amz-Date (and the session token) and a SigV4 Authorization header to `req` (in place, returned).

    The keyword overrides forge signatures: `payload` signs another body than the one sent, `scope_*` put other values
    into the credential scope than were used to derive the key, `signed` chooses the SignedHeaders list."""
    amz_date = amz_date or amz_now()
    if req.header("x-amz-date") is None:
        req.headers.append(("X-Amz-Date", amz_date))
    if add_token and ident.session_token and req.header("x-amz-security-token") is None:
        req.headers.append(("X-Amz-Security-Token", ident.session_token))
    date = amz_date[:8]
    path, _, query = req.path.partition("?")
    names = signed or sorted({k.lower() for k, _ in req.headers
                              if k.lower() not in ("authorization", "content-length", "user-agent", "expect",
                                                   "transfer-encoding", "connection")})
    canon_headers = ""
    for name in names:
        values = [" ".join(v.split()) for k, v in req.headers if k.lower() == name]
        canon_headers += f"{name}:{','.join(values)}\n"
    body = req.body if payload is None else payload
    canonical = "\n".join([
        req.method,
        quote(path or "/", safe="/~"),
        canonical_query(query),
        canon_headers,
        ";".join(names),
        hashlib.sha256(body).hexdigest(),
    ])
    # With scope_* overrides the Authorization header claims another scope than the one the signing key is derived
    # from (the string to sign names the claimed scope, as a verifier recomputes it).
    scope = f"{scope_date or date}/{scope_region or region}/{scope_service or service}/aws4_request"
    string_to_sign = "\n".join([
        "AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()])
    sig = hmac.new(signing_key(secret if secret is not None else ident.secret_key, date, region, service),
                   string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    req.headers.append(("Authorization",
                        f"AWS4-HMAC-SHA256 Credential={ident.access_key}/{scope}, "
                        f"SignedHeaders={';'.join(names)}, Signature={sig}"))
    return req


def kms_request(host: str, operation: str | None, body: bytes, *, target: str | None = None,
                content_type: str | None = JSON_CT, method: str = "POST", path: str = "/",
                extra: list[tuple[str, str]] | None = None) -> Request:
    headers = [("Host", host)]
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    t = target if target is not None else (TARGET_PREFIX + operation if operation else None)
    if t is not None:
        headers.append(("X-Amz-Target", t))
    if extra:
        headers.extend(extra)
    return Request(method, path, headers, body)
