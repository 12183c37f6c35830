"""Helpers for the development clock and the time-dependent suites (test_dev_clock.py, test_rotation.py,
test_last_usage.py).

The development clock is a Coffer admin call, not an AWS operation. It is off by default and turned on by the
configuration entry `"developmentClock": true`. The request is an ordinary SigV4-signed AWS JSON 1.1 call (service
`kms`):

    POST /   X-Amz-Target: CofferDevelopment.AdvanceClock   {"Seconds": N}     0 <= N <= 315360000, may be fractional
    200      {"Now": <server epoch seconds>, "OffsetSeconds": <total offset>}

The answer comes only after the background work due at the new time has run (key deletions whose window passed,
imported material past ValidTo, automatic rotations). Without the entry the call is
`400 UnknownOperationException`; a bad Seconds is `400 ValidationException`. The offset is kept in the store, so it
survives restarts.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Callable

from kmshelpers import CofferServer, RawResponse

ADVANCE_TARGET = "CofferDevelopment.AdvanceClock"
MAX_ADVANCE_SECONDS = 315_360_000  # ten years of 365 days
DAY = 86_400
DEV_CLOCK_CONFIG = {"developmentClock": True}


def dev_clock_server(server_factory, name: str = "clock", config: dict | None = None, **kwargs: Any) -> CofferServer:
    """A started server (server_factory fixture) with the development clock on."""
    cfg = dict(config or {})
    cfg.update(DEV_CLOCK_CONFIG)
    return server_factory(name=name, config=cfg, **kwargs).start()


def advance_raw(srv: CofferServer, body: Any, **kwargs: Any) -> RawResponse:
    """The AdvanceClock request as sent (body: a dict, or raw text/bytes), SigV4-signed with the dev identity unless
    kwargs say otherwise (RawKMS.request arguments)."""
    return srv.raw().request(ADVANCE_TARGET, body, **kwargs)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def advance(srv: CofferServer, seconds: float = 0) -> dict:
    """AdvanceClock that must succeed; returns {"Now": float, "OffsetSeconds": float}."""
    resp = advance_raw(srv, {"Seconds": seconds})
    assert resp.status == 200, f"AdvanceClock({seconds}) failed: {resp.describe()}"
    j = resp.json
    assert isinstance(j, dict), resp.describe()
    assert is_number(j.get("Now")) and is_number(j.get("OffsetSeconds")), resp.describe()
    return j


def advance_days(srv: CofferServer, days: float, extra_seconds: float = 0) -> dict:
    return advance(srv, days * DAY + extra_seconds)


def from_epoch(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)


def server_now(srv: CofferServer) -> dt.datetime:
    """The server's notion of now (AdvanceClock with Seconds 0, which also runs the background work due now)."""
    return from_epoch(advance(srv, 0)["Now"])


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def close_to(a: dt.datetime, b: dt.datetime, tol_s: float = 2.0) -> bool:
    return abs((a - b).total_seconds()) <= tol_s


def between(t: dt.datetime, lo: dt.datetime, hi: dt.datetime, slack_s: float = 1.0) -> bool:
    """lo - slack <= t <= hi + slack (slack for wire rounding of timestamps)."""
    return lo - dt.timedelta(seconds=slack_s) <= t <= hi + dt.timedelta(seconds=slack_s)


def poll(fn: Callable[[], Any], until: Callable[[Any], bool], timeout: float = 3.0, interval: float = 0.05) -> Any:
    """Call fn() until until(result) holds or `timeout` seconds pass; returns the last result (the caller asserts)."""
    deadline = time.monotonic() + timeout
    while True:
        result = fn()
        if until(result) or time.monotonic() >= deadline:
            return result
        time.sleep(interval)
