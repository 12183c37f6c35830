"""Slow requests, run on background threads while the other cases go on (a bounded number per run: 2 + one per
2,500 cases, at most 10, at most 4 at a time).

- slow_headers: a valid request whose bytes arrive a few at a time, a few times per second, headers included;
- slow_body: headers at once, then the body a few bytes per second;
- slowloris_hold: part of the headers, dribbled, then the harness gives up and closes (the server must stay
  responsive to everyone else meanwhile, which the foreground cases check).

Each is bounded: about 8-20 s of dribbling, then at most 40 s for the answer. A completed slow request must get its
200; no answer within the deadline is a timeout finding.
"""

from __future__ import annotations

import random
import time

from .base import Case, Env
from .checks import Expect
from .cases_protocol import _check_random, signed_request, valid_body
from .wire import Connection, ExchangeError

KINDS = ["slow_headers", "slow_body", "slowloris_hold"]
MAX_PARALLEL = 4


def count_for(n: int) -> int:
    return min(10, 2 + n // 2500) if n >= 20 else 0


def plan(index: int, rng: random.Random) -> Case:
    return Case(index, "slow", rng.choice(KINDS), {"duration": rng.choice([8, 12, 16, 20]),
                                                   "rate": rng.choice([2, 4, 8])}, rng)


def run(case: Case, env: Env) -> None:
    rng = case.rng
    rec = env.rec
    duration = case.params["duration"]
    rate = case.params["rate"]          # writes per second
    op, body, n = valid_body(env, rng)
    body = body[:-1] + b', "Pad": "' + b"p" * 200 + b'"}'
    req = signed_request(env, op, body)
    data = req.to_bytes()
    head_len = data.index(b"\r\n\r\n") + 4
    case.params["note"] = f"{len(data)} bytes over ~{duration} s, {rate} writes/s"
    try:
        conn = Connection("127.0.0.1", env.server.port)
    except ExchangeError as e:
        rec.check(case, req, e, Expect())
        return
    try:
        if case.kind == "slow_body":
            conn.send(data[:head_len], time.monotonic() + 10)
            slow_part = data[head_len:]
        else:
            slow_part = data
        if case.kind == "slowloris_hold":
            slow_part = data[: head_len - 2]
        writes = max(1, duration * rate)
        step = max(1, -(-len(slow_part) // writes))
        t0 = time.monotonic()
        for i in range(0, len(slow_part), step):
            if case.kind == "slowloris_hold" and time.monotonic() - t0 > duration:
                break
            conn.send(slow_part[i: i + step], time.monotonic() + 10)
            time.sleep(1.0 / rate)
        if case.kind == "slowloris_hold":
            rec.status(case, "abandoned")
            rec._expected_drop("slowloris connection abandoned by the harness")
            return
        resp = conn.read_response(time.monotonic() + env.big_timeout)
    except ExchangeError as e:
        rec.check(case, req, e, Expect())
        return
    finally:
        conn.close()
    r = rec.check(case, req, resp, Expect(control=True))
    _check_random(env, case, req, r, n)
