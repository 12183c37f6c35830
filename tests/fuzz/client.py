"""A small KMS client over wire.Connection: one keep-alive connection for ordinary requests, fresh ones on demand."""

from __future__ import annotations

import json
import time

from .wire import Connection, ExchangeError, Identity, Request, Response, kms_request, sign

DEFAULT_TIMEOUT = 15.0


class KmsClient:
    def __init__(self, host: str, port: int, ident: Identity, region: str = "us-east-1"):
        self.host, self.port = host, port
        self.ident = ident
        self.region = region
        self.conn: Connection | None = None
        self.requests_sent = 0
        self.stale_retries = 0

    @property
    def hostport(self) -> str:
        return f"{self.host}:{self.port}"

    def retarget(self, port: int) -> None:
        self.close()
        self.port = port

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # -- building
    def build(self, op: str | None, body: bytes, *, ident: Identity | None = None, region: str | None = None,
              signed: bool = True, **kw) -> Request:
        req = kms_request(self.hostport, op, body, **kw)
        if signed:
            sign(req, ident or self.ident, region or self.region)
        return req

    # -- sending
    def exchange(self, req: Request, *, timeout: float = DEFAULT_TIMEOUT, fresh: bool = False,
                 head: bool = False) -> Response:
        """Send one request and read its response. On the keep-alive connection, a connection that the server had
        already closed (EOF or reset before any byte of the answer) is retried once on a new connection, as HTTP
        clients do; any other failure raises ExchangeError."""
        data = req.to_bytes()
        deadline = time.monotonic() + timeout
        if fresh:
            conn = Connection(self.host, self.port)
            try:
                conn.send(data, deadline)
                self.requests_sent += 1
                return conn.read_response(deadline, head_request=head)
            finally:
                conn.close()
        for attempt in (0, 1):
            reused = self.conn is not None
            if self.conn is None:
                self.conn = Connection(self.host, self.port)
            conn = self.conn
            try:
                conn.send(data, deadline)
                self.requests_sent += 1
                resp = conn.read_response(deadline, head_request=head)
            except ExchangeError as e:
                self.close()
                if reused and attempt == 0 and e.kind in ("closed", "reset") and not e.partial:
                    self.stale_retries += 1
                    continue
                raise
            if resp.closes or conn.eof:
                self.close()
            conn.used += 1
            return resp
        raise AssertionError("unreachable")

    def call(self, op: str, params: dict | None = None, **kw) -> tuple[int, dict | None, Response]:
        body = json.dumps(params or {}).encode()
        resp = self.exchange(self.build(op, body, **kw))
        return resp.status, resp.json(), resp

    def ok(self, op: str, params: dict | None = None, **kw) -> dict:
        status, j, resp = self.call(op, params, **kw)
        if status != 200 or not isinstance(j, dict):
            raise RuntimeError(f"{op} failed: HTTP {status} {resp.body[:500]!r}")
        return j
