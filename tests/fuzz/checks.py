"""What counts as a finding, what counts as a known HTTP deviation, and the record of a run.

Findings (any one makes `scripts/fuzz` exit 1):
  5xx                     a response with status >= 500
  crash                   the server process exited during the run
  unexpected-drop         the server closed or reset a connection without a complete response where the request gave
                          it no reason to (see EXPECTED DROPS below)
  timeout                 no complete response within the deadline (15 s; 40 s for slow requests)
  non-json-4xx            a 4xx whose body is not an AWS JSON error: a JSON object with a non-empty string `__type`,
                          a string `message`/`Message` when present, Content-Type application/x-amz-json-1.1
  bad-response            a response that is not valid HTTP/1.1, a status outside 2xx/4xx/5xx, a 2xx whose body is
                          not a JSON object, Verify/VerifyMac answering 200 with Valid=false (AWS raises instead)
  secret-echoed           a secret in a response: a secret access key anywhere; a corpus plaintext, data key,
                          imported key material or a value of a `sensitive` model member in any non-2xx response
                          (raw, base64 or hex)
  signature-bypass        a request that carries no valid signature of a known identity was served (2xx)
  tampered-accepted       a bit-flipped / truncated / extended / spliced ciphertext, signature, MAC, message or
                          encryption context was accepted by Decrypt, ReEncrypt, Verify or VerifyMac
  invalid-input-accepted  a request that breaks the botocore model (type, required member, length/range limit,
                          pattern, enum, invalid JSON) was served (2xx)
  valid-request-rejected  a control request (untampered corpus item, valid signature, valid chunked body) failed
  pipelining              pipelined requests answered out of order, or with a wrong count
  lost-after-restart      a key, ciphertext, signature, MAC or public key that worked before the restart does not
                          after it (or a key's metadata changed)
  secret-in-log           a secret in the server's stdout/stderr
  unclean-shutdown        the server did not exit 0 on SIGTERM
  http-deviation          a known HTTP deviation (below) made strict with --strict-http

EXPECTED DROPS (not findings): the server may close the connection, with or without an answer,
  - after malformed HTTP (the request cannot be framed, so the connection cannot be reused);
  - while or after a body over the 1 MiB limit is sent (the server stops reading it);
  - after a request with `Connection: close` or an HTTP/1.0 request without keep-alive;
  - after a request it answered with `Connection: close`;
  - when the harness itself abandons a request (closes or resets mid-request).
A keep-alive connection that the server had closed while idle is retried once on a fresh connection (as HTTP clients
do) and counted in `stale_keepalive_retries`; a drop on the fresh connection is a finding.

KNOWN HTTP DEVIATIONS (issue 14; counted, not findings, unless made strict with --strict-http NAME,... or
COFFER_FUZZ_STRICT_HTTP, then each is an `http-deviation` finding):
  expect-100-continue      `Expect: 100-continue` gets no interim `100 Continue`
  malformed-http-empty-400 malformed HTTP gets a 400 with an empty (non-JSON) body
  any-path-served          POST to a path other than `/` is served as if it were `/`
  content-type-unchecked   a request with a missing or wrong Content-Type is served
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .wire import ExchangeError, Request, Response

FINDING_CATEGORIES = [
    "5xx", "crash", "unexpected-drop", "timeout", "non-json-4xx", "bad-response", "secret-echoed",
    "signature-bypass", "tampered-accepted", "invalid-input-accepted", "valid-request-rejected", "pipelining",
    "lost-after-restart", "secret-in-log", "unclean-shutdown", "http-deviation",
]
KNOWN_DEVIATIONS = {
    "expect-100-continue": "Expect: 100-continue gets no interim 100 Continue",
    "malformed-http-empty-400": "malformed HTTP gets a 400 with an empty body",
    "any-path-served": "POST to a path other than / is served as if it were /",
    "content-type-unchecked": "a missing or wrong Content-Type is not checked",
}
MAX_STORED_PER_CATEGORY = 25


@dataclass
class Expect:
    """What a request may get. `must_fail`: a 2xx is a finding of that category. `may_drop`: the server may close
    the connection without (a complete) answer. `control`: it must succeed (2xx)."""
    must_fail: str | None = None         # finding category for a 2xx
    control: bool = False
    may_drop: bool = False
    may_wait: bool = False               # the server may hold the connection without answering (harness abandons)
    malformed: bool = False              # malformed HTTP: an empty 400 is the known deviation
    head: bool = False
    sensitive: list[str] = field(default_factory=list)
    deviation_if_ok: str | None = None   # a 2xx is this known deviation
    json_ok_body: bool = True            # a 2xx must carry a JSON object
    check_valid_member: str | None = None  # Verify/VerifyMac: 200 must have this member true


class Recorder:
    def __init__(self, seed: int, requests: int, strict: set[str], secret_keys: list[str], secrets: list[bytes]):
        self.seed = seed
        self.requests = requests
        self.strict = strict
        self.lock = threading.Lock()
        self.cases = Counter()                 # category -> cases run
        self.kinds = defaultdict(Counter)      # category -> kind -> cases
        self.statuses = defaultdict(Counter)   # category -> status or outcome -> count
        self.finding_counts = Counter()
        self.findings: list[dict] = []
        self.deviations = {k: {"count": 0, "description": v, "examples": []} for k, v in KNOWN_DEVIATIONS.items()}
        self.expected_drops = Counter()
        self.notes = Counter()
        self.exchanges = 0
        self.coverage_ops = set()
        self.coverage_leaves = set()
        self.coverage_mutations = set()
        self.slowest: list[tuple[float, str]] = []
        self.always_secret_needles = [s.encode() for s in secret_keys if len(s) >= 8]
        self.error_needles: list[bytes] = []
        self.set_secrets(secrets)
        self.trace: list | None = None   # (case index, line) per exchange, with --trace

    def set_secrets(self, secrets: list[bytes]) -> None:
        needles = []
        for s in secrets:
            if len(s) < 8:
                continue
            needles.append(s)
            needles.append(base64.b64encode(s))
            if len(s) >= 12:
                needles.append(s.hex().encode())
        self.error_needles = needles

    # ---------------------------------------------------------------- findings
    def finding(self, category: str, case, reason: str, req: Request | None = None, resp=None, **extra) -> None:
        assert category in FINDING_CATEGORIES, category
        with self.lock:
            self.finding_counts[category] += 1
            stored = sum(1 for f in self.findings if f["category"] == category)
            if stored >= MAX_STORED_PER_CATEGORY:
                return
            entry = {"category": category, "reason": reason}
            if case is not None:
                entry.update({"case": case.index, "case_category": case.category, "case_kind": case.kind,
                              "description": case.describe(),
                              "replay": f"scripts/fuzz --seed {self.seed} --requests {self.requests} --case {case.index}"})
            if req is not None:
                entry["request"] = req.summary()
            if isinstance(resp, Response):
                entry["response"] = resp.summary()
            elif isinstance(resp, ExchangeError):
                entry["response"] = {"error": resp.kind, "detail": resp.detail,
                                     "partial": resp.partial[:500].decode("latin-1")}
            elif resp is not None:
                entry["response"] = str(resp)[:1500]
            entry.update(extra)
            self.findings.append(entry)

    def deviation(self, name: str, case, reason: str, req: Request | None = None, resp=None) -> None:
        if name in self.strict:
            self.finding("http-deviation", case, f"[{name}] {KNOWN_DEVIATIONS[name]}: {reason}", req, resp)
        with self.lock:
            d = self.deviations[name]
            d["count"] += 1
            if len(d["examples"]) < 3:
                ex = {"reason": reason}
                if case is not None:
                    ex.update({"case": case.index, "kind": case.kind})
                if req is not None:
                    ex["request"] = req.summary(300)
                if isinstance(resp, Response):
                    ex["response"] = resp.summary(300)
                d["examples"].append(ex)

    def note(self, what: str) -> None:
        with self.lock:
            self.notes[what] += 1

    def status(self, case, label: str) -> None:
        with self.lock:
            self.statuses[case.category][label] += 1

    # ---------------------------------------------------------------- response checks
    def check(self, case, req: Request, result, expect: Expect) -> Response | None:
        """Classify one exchange. `result` is a Response or an ExchangeError."""
        with self.lock:
            self.exchanges += 1
            if self.trace is not None and req is not None:
                self.trace.append((case.index, trace_line(case, req)))
        if isinstance(result, ExchangeError):
            self.status(case, f"no-response:{result.kind}")
            if result.kind == "timeout":
                if expect.may_wait:
                    self._expected_drop(f"held without answer, abandoned by the harness: {case.category}/{case.kind}"
                                        f" {case.params.get('note', '')}".strip())
                else:
                    self.finding("timeout", case, f"no complete response: {result.detail}", req, result)
            elif result.kind == "refused":
                self.finding("unexpected-drop", case, f"connection refused: {result.detail}", req, result)
            elif result.kind == "protocol":
                self.finding("bad-response", case, f"unparseable response: {result.detail}", req, result)
            elif expect.may_drop:
                self._expected_drop(f"{result.kind} ({case.category})")
            else:
                self.finding("unexpected-drop", case, f"connection {result.kind} without a complete response: "
                             f"{result.detail}", req, result)
            return None
        resp = result
        self.status(case, str(resp.status))
        self._check_secrets(case, req, resp, expect)
        st = resp.status
        if st >= 500:
            self.finding("5xx", case, f"HTTP {st}", req, resp)
            return resp
        if 200 <= st < 300:
            if expect.must_fail:
                self.finding(expect.must_fail, case, f"HTTP {st} for a request that must fail", req, resp)
            elif expect.deviation_if_ok:
                self.deviation(expect.deviation_if_ok, case, f"HTTP {st}", req, resp)
            if expect.json_ok_body and not expect.head:
                j = resp.json()
                if not isinstance(j, dict):
                    self.finding("bad-response", case, "2xx body is not a JSON object", req, resp)
                elif expect.check_valid_member and j.get(expect.check_valid_member) is not True:
                    self.finding("bad-response", case,
                                 f"HTTP {st} with {expect.check_valid_member}={j.get(expect.check_valid_member)!r} "
                                 "(AWS answers an invalid signature/MAC with an error)", req, resp)
            return resp
        if 400 <= st < 500:
            if expect.control:
                self.finding("valid-request-rejected", case, f"HTTP {st} for a control request", req, resp)
            self._check_error_body(case, req, resp, expect)
            return resp
        self.finding("bad-response", case, f"unexpected final status {st}", req, resp)
        return resp

    def _check_error_body(self, case, req, resp: Response, expect: Expect) -> None:
        if expect.head:
            if not resp.header("x-amzn-errortype"):
                self.finding("non-json-4xx", case, "HEAD error without x-amzn-ErrorType", req, resp)
            return
        if expect.malformed and not resp.body and resp.status == 400:
            self.deviation("malformed-http-empty-400", case, "400 with an empty body", req, resp)
            return
        problems = []
        ct = (resp.header("content-type") or "").lower()
        if not ct.startswith("application/x-amz-json-1.1"):
            problems.append(f"Content-Type {ct!r}")
        j = resp.json()
        if not isinstance(j, dict):
            problems.append("body is not a JSON object")
        else:
            t = j.get("__type")
            if not isinstance(t, str) or not t:
                problems.append("no string __type")
            for m in ("message", "Message"):
                if m in j and not isinstance(j[m], str):
                    problems.append(f"{m} is not a string")
        if problems:
            self.finding("non-json-4xx", case, "; ".join(problems), req, resp)

    def _check_secrets(self, case, req, resp: Response, expect: Expect) -> None:
        head_text = "\n".join(f"{k}: {v}" for k, v in resp.headers).encode("latin-1", "replace")
        for n in self.always_secret_needles:
            if n in resp.body or n in head_text:
                self.finding("secret-echoed", case, "a secret access key is in the response", req, resp)
                return
        if 200 <= resp.status < 300:
            return
        hay = resp.body + b"\n" + head_text
        needles = self.error_needles + [s.encode("utf-8", "surrogatepass") for s in expect.sensitive if len(s) >= 8]
        for n in needles:
            if n in hay:
                self.finding("secret-echoed", case, f"secret ({len(n)} bytes, starts {n[:6]!r}) in an error response",
                             req, resp)
                return

    def _expected_drop(self, why: str) -> None:
        with self.lock:
            self.expected_drops[why] += 1

    def timed(self, case, seconds: float) -> None:
        with self.lock:
            self.slowest.append((seconds, f"#{case.index} {case.category}/{case.kind}"))
            if len(self.slowest) > 40:
                self.slowest.sort(reverse=True)
                del self.slowest[10:]

    # ---------------------------------------------------------------- output
    def total_findings(self) -> int:
        return sum(self.finding_counts.values())

    def to_json(self, extra: dict) -> dict:
        self.slowest.sort(reverse=True)
        return {
            **extra,
            "cases": dict(self.cases),
            "kinds": {k: dict(v) for k, v in self.kinds.items()},
            "statuses": {k: dict(v) for k, v in self.statuses.items()},
            "exchanges_checked": self.exchanges,
            "findings_total": self.total_findings(),
            "finding_counts": {c: self.finding_counts.get(c, 0) for c in FINDING_CATEGORIES},
            "findings": self.findings,
            "known_http_deviations": self.deviations,
            "strict_http": sorted(self.strict),
            "expected_drops": dict(self.expected_drops),
            "notes": dict(self.notes),
            "coverage": {"operations": len(self.coverage_ops), "members": len(self.coverage_leaves),
                         "member_mutations": len(self.coverage_mutations)},
            "slowest_cases": [{"seconds": round(s, 3), "case": c} for s, c in self.slowest[:10]],
        }


_MASKS = [
    (re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"), b"<uuid>"),
    (re.compile(rb"mrk-[0-9a-f]{32}"), b"<mrk>"),
    (re.compile(rb"[A-Za-z0-9+/]{24,}={0,2}"), b"<b64>"),
    (re.compile(rb"(127\.0\.0\.1|localhost):\d+"), b"<host>"),
    (re.compile(rb"\d{8}T\d{6}Z"), b"<date>"),
    (re.compile(rb"Signature=[0-9a-fA-F]+"), b"Signature=<sig>"),
    (re.compile(rb"/\d{8}/"), b"/<day>/"),
    (re.compile(rb"Content-Length: \d+"), b"Content-Length: <n>"),
]


def _mask(data: bytes) -> bytes:
    for rx, rep in _MASKS:
        data = rx.sub(rep, data)
    return data


def trace_line(case, req: Request) -> str:
    """What was sent, with what the server and the clock contribute (key IDs, blobs, ports, dates, signatures)
    masked: two runs with the same seed write the same lines."""
    raw = _mask(req.to_bytes())
    return json.dumps([case.index, case.category, case.kind, hashlib.sha256(raw).hexdigest()[:16]])


def scan_logs(paths, secret_keys: list[str], secrets: list[bytes]) -> list[str]:
    """Secrets in the server's own output (it must never log them)."""
    needles = [s.encode() for s in secret_keys if len(s) >= 8]
    for s in secrets:
        if len(s) >= 8:
            needles += [s, base64.b64encode(s)]
    hits = []
    for p in paths:
        try:
            data = p.read_bytes()
        except OSError:
            continue
        for n in needles:
            if n in data:
                hits.append(f"{p.name}: secret ({len(n)} bytes, starts {n[:6]!r})")
    return hits
