"""The development clock: Coffer's non-AWS admin call `CofferDevelopment.AdvanceClock` (off by default), and the
time-driven behaviour it makes testable without waiting: deletion windows, expiry of imported material, automatic
rotation, all surviving restarts.

Sources (cited per test):
  [DEV]      the development-clock contract (clockhelpers.py module docstring): config entry
             `"developmentClock": true`; SigV4-signed `POST /`, `X-Amz-Target: CofferDevelopment.AdvanceClock`,
             `{"Seconds": N}` with 0 <= N <= 315360000 (fractional allowed) ⇒ 200 `{"Now", "OffsetSeconds"}` after the
             background work due has run; disabled ⇒ 400 UnknownOperationException; bad Seconds ⇒ 400
             ValidationException; the offset is stored and survives restarts; the server's "now" is used for every date
             and time check, while SigV4's 15-minute skew window stays on real time.
  [MODEL]    botocore kms/2014-11-01: ScheduleKeyDeletion (DeletionDate), ImportKeyMaterial (ValidTo), KeyMetadata.
  [IMP 5.1]  shared/spec/aws-kms-import-spec.md §5.1: at ValidTo the material is deleted, the key becomes PendingImport,
             crypto fails with KMSInvalidStateException (S5) until the same material is reimported.
  [IMP 4.2]  same, §4.2: ValidTo must be in the future and at most 365 days ahead (test_import_params.py).
  [IMP 8]    same, §8: S5 message (kmshelpers.msgs_pending_import).
  [W2 3.2/3.3] shared/spec/authorization-and-wave2.md §3.2/§3.3: NextRotationDate, automatic rotation.
  [AUTH]     test_auth.py / SigV4: unsigned ⇒ MissingAuthenticationTokenException, wrong secret ⇒
             InvalidSignatureException, more than 15 minutes of skew ⇒ InvalidSignatureException "Signature expired".
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from clockhelpers import (
    ADVANCE_TARGET,
    DAY,
    MAX_ADVANCE_SECONDS,
    advance,
    advance_days,
    advance_raw,
    between,
    close_to,
    dev_clock_server,
    from_epoch,
    is_number,
    server_now,
    utcnow,
)
from importhelpers import create_external, describe, import_material, random_symmetric, rotations
from kmshelpers import expect_error, msgs_pending_import


def _offset(srv) -> float:
    return advance(srv, 0)["OffsetSeconds"]


def _restart(srv, now_before: dt.datetime):
    """Graceful restart (SIGTERM, start on the same data dir); the server's clock must not go back [DEV]."""
    offset_before = _offset(srv)
    srv.stop()
    srv.start()
    after = advance(srv, 0)
    assert after["OffsetSeconds"] == pytest.approx(offset_before, abs=1e-3), (after, offset_before)
    assert from_epoch(after["Now"]) >= now_before, (after, now_before)
    return srv.client()


# ====================================================================== the admin call itself


def test_advance_clock_is_an_unknown_operation_by_default(server, raw, kms):
    """[DEV] "off by default": without `"developmentClock": true` the call is 400 UnknownOperationException, and it
    does not move the server's time (a key created afterwards has a real-time CreationDate)."""
    resp = raw.request(ADVANCE_TARGET, {"Seconds": 30 * DAY})
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "UnknownOperationException", resp.describe()
    before = utcnow()
    md = kms.create_key()["KeyMetadata"]
    assert between(md["CreationDate"], before, utcnow())


def test_advance_clock_is_unknown_when_the_entry_is_false(server_factory):
    """[DEV] only `"developmentClock": true` turns the call on."""
    srv = server_factory(name="clock-false", config={"developmentClock": False}).start()
    resp = advance_raw(srv, {"Seconds": 0})
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "UnknownOperationException", resp.describe()


def test_advance_clock_response(server_factory):
    """[DEV] 200 `{"Now": <epoch seconds>, "OffsetSeconds": <total offset>}`; Seconds may be fractional; the offsets
    add up."""
    srv = dev_clock_server(server_factory, "clock-resp")
    resp = advance_raw(srv, {"Seconds": 0})
    assert resp.status == 200, resp.describe()
    body = resp.json
    assert isinstance(body, dict) and set(body) == {"Now", "OffsetSeconds"}, resp.describe()
    assert is_number(body["Now"]) and is_number(body["OffsetSeconds"]), resp.describe()
    assert body["OffsetSeconds"] == 0
    assert abs(body["Now"] - time.time()) < 5
    r1 = advance(srv, 3600)
    assert r1["OffsetSeconds"] == pytest.approx(3600)
    assert r1["Now"] - time.time() == pytest.approx(3600, abs=5)
    r2 = advance(srv, 0.25)
    assert r2["OffsetSeconds"] == pytest.approx(3600.25, abs=1e-6)
    assert r2["Now"] >= r1["Now"] + 0.25
    r3 = advance(srv, 2 * DAY)
    assert r3["OffsetSeconds"] == pytest.approx(2 * DAY + 3600.25, abs=1e-6)
    assert r3["Now"] - time.time() == pytest.approx(2 * DAY + 3600.25, abs=5)


@pytest.mark.parametrize("body", [
    {},
    {"Seconds": None},
    {"Seconds": -1},
    {"Seconds": -0.5},
    {"Seconds": MAX_ADVANCE_SECONDS + 1},
    {"Seconds": MAX_ADVANCE_SECONDS + 0.5},
    {"Seconds": 1e300},
    {"Seconds": "10"},
    {"Seconds": True},
    {"Seconds": [10]},
    {"Seconds": {"value": 10}},
], ids=["missing", "null", "negative", "negative-fraction", "too-large", "too-large-fraction", "huge", "string",
        "boolean", "list", "object"])
def test_invalid_seconds_is_a_validation_error(server_factory, body):
    """[DEV] Seconds missing, negative, above 315360000 or not a number ⇒ 400 ValidationException; the clock is
    unchanged."""
    srv = dev_clock_server(server_factory, "clock-invalid")
    advance(srv, 60)
    resp = advance_raw(srv, body)
    assert resp.status == 400, resp.describe()
    assert resp.error_type == "ValidationException", resp.describe()
    assert _offset(srv) == pytest.approx(60)


def test_the_largest_advance_is_accepted(server_factory):
    """[DEV] 0 <= Seconds <= 315360000: the bound itself is valid; signed calls keep working ten years ahead
    (SigV4 skew is checked against real time)."""
    srv = dev_clock_server(server_factory, "clock-max")
    r = advance(srv, MAX_ADVANCE_SECONDS)
    assert r["OffsetSeconds"] == pytest.approx(MAX_ADVANCE_SECONDS)
    assert r["Now"] - time.time() == pytest.approx(MAX_ADVANCE_SECONDS, abs=5)
    c = srv.client()
    before = server_now(srv)
    md = c.create_key()["KeyMetadata"]
    assert between(md["CreationDate"], before, server_now(srv))


def test_advance_clock_needs_a_valid_signature(server_factory):
    """[DEV] "signed with SigV4 exactly like a KMS call" ⇒ the same authentication errors as a KMS call [AUTH]; the
    clock does not move."""
    srv = dev_clock_server(server_factory, "clock-auth")
    unsigned = advance_raw(srv, {"Seconds": DAY}, sign=False)
    assert unsigned.status == 400, unsigned.describe()
    assert unsigned.error_type == "MissingAuthenticationTokenException", unsigned.describe()
    wrong = advance_raw(srv, {"Seconds": DAY}, secret_key="not-the-secret")
    assert wrong.status == 400, wrong.describe()
    assert wrong.error_type == "InvalidSignatureException", wrong.describe()
    stale = advance_raw(srv, {"Seconds": DAY}, timestamp=utcnow() - dt.timedelta(minutes=20))
    assert stale.status == 400, stale.describe()
    assert stale.error_type == "InvalidSignatureException", stale.describe()
    assert _offset(srv) == 0


# ====================================================================== the server's "now"


def test_server_time_is_used_for_creation_and_deletion_dates(server_factory):
    """[DEV] "Now" is used for everything: CreationDate of new keys and DeletionDate (= now + window days,
    [MODEL] ScheduleKeyDeletion)."""
    srv = dev_clock_server(server_factory, "clock-dates")
    c = srv.client()
    advance_days(srv, 100)
    lo = server_now(srv)
    md = c.create_key()["KeyMetadata"]
    hi = server_now(srv)
    assert between(md["CreationDate"], lo, hi)
    assert md["CreationDate"] > utcnow() + dt.timedelta(days=99)
    lo = server_now(srv)
    resp = c.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=9)
    hi = server_now(srv)
    assert between(resp["DeletionDate"], lo + dt.timedelta(days=9), hi + dt.timedelta(days=9))
    assert describe(c, md["KeyId"])["DeletionDate"] == resp["DeletionDate"]


def test_signing_uses_real_time_after_advancing_400_days(server_factory):
    """[DEV] the SigV4 skew check stays on real time: after advancing 400 days, clients signing with the real clock
    still work, and a signature 20 minutes off real time is still refused [AUTH]."""
    srv = dev_clock_server(server_factory, "clock-sigv4")
    advance_days(srv, 400)
    c = srv.client()
    md = c.create_key()["KeyMetadata"]
    blob = c.encrypt(KeyId=md["KeyId"], Plaintext=b"far future")["CiphertextBlob"]
    assert c.decrypt(CiphertextBlob=blob)["Plaintext"] == b"far future"
    assert md["KeyId"] in [k["KeyId"] for k in c.list_keys(Limit=1000)["Keys"]]
    raw = srv.raw()
    ok = raw.call("DescribeKey", {"KeyId": md["KeyId"]})
    assert ok.status == 200, ok.describe()
    stale = raw.call("DescribeKey", {"KeyId": md["KeyId"]}, timestamp=utcnow() - dt.timedelta(minutes=20))
    assert stale.status == 400 and stale.error_type == "InvalidSignatureException", stale.describe()
    assert "Signature expired" in (stale.message or ""), stale.describe()
    # Signed at the server's (advanced) time: 400 days off real time.
    ahead = raw.call("DescribeKey", {"KeyId": md["KeyId"]}, timestamp=server_now(srv))
    assert ahead.status == 400 and ahead.error_type == "InvalidSignatureException", ahead.describe()
    # The AWS CLI signs with the real clock too.
    out = srv.cli()("describe-key", "--key-id", md["KeyId"])
    assert out["KeyMetadata"]["KeyId"] == md["KeyId"]


# ====================================================================== deletion windows


@pytest.mark.parametrize("restart", [False, True], ids=["running", "restart-between-steps"])
def test_deletion_window_passes(server_factory, restart):
    """[MODEL] ScheduleKeyDeletion: the key is deleted when the window passes (DeletionDate = now + days); a deleted
    key is NotFoundException for DescribeKey and gone from ListKeys; [DEV] AdvanceClock answers after the deletions
    due have run, and the clock survives restarts without going back."""
    srv = dev_clock_server(server_factory, "clock-delete")
    c = srv.client()
    seven = c.create_key()["KeyMetadata"]
    eight = c.create_key()["KeyMetadata"]
    thirty = c.create_key()["KeyMetadata"]
    kept = c.create_key()["KeyMetadata"]
    lo = server_now(srv)
    d7 = c.schedule_key_deletion(KeyId=seven["KeyId"], PendingWindowInDays=7)["DeletionDate"]
    c.schedule_key_deletion(KeyId=eight["KeyId"], PendingWindowInDays=8)
    c.schedule_key_deletion(KeyId=thirty["KeyId"], PendingWindowInDays=30)
    hi = server_now(srv)
    assert between(d7, lo + dt.timedelta(days=7), hi + dt.timedelta(days=7))
    if restart:
        c = _restart(srv, hi)
    # One minute before the first deletion date nothing is deleted.
    now = from_epoch(advance(srv, (d7 - server_now(srv)).total_seconds() - 60)["Now"])
    for md in (seven, eight, thirty, kept):
        assert describe(c, md["KeyId"])["KeyState"] in ("PendingDeletion", "Enabled")
    assert describe(c, seven["KeyId"])["KeyState"] == "PendingDeletion"
    if restart:
        c = _restart(srv, now)
    # Past it (7 days + 1 s after scheduling, give or take the minute): deleted by the time AdvanceClock answers.
    now = from_epoch(advance(srv, 61)["Now"])
    assert now > d7
    expect_error(c.describe_key, KeyId=seven["KeyId"], code="NotFoundException")
    assert describe(c, eight["KeyId"])["KeyState"] == "PendingDeletion"
    advance_days(srv, 1)
    expect_error(c.describe_key, KeyId=eight["KeyId"], code="NotFoundException")
    if restart:
        c = _restart(srv, now)
    listed = {k["KeyId"] for k in c.list_keys(Limit=1000)["Keys"]}
    assert seven["KeyId"] not in listed and eight["KeyId"] not in listed
    assert {thirty["KeyId"], kept["KeyId"]} <= listed
    expect_error(c.describe_key, KeyId=seven["KeyId"], code="NotFoundException")
    expect_error(c.encrypt, KeyId=seven["KeyId"], Plaintext=b"x", code="NotFoundException")
    assert describe(c, thirty["KeyId"])["KeyState"] == "PendingDeletion"
    assert describe(c, kept["KeyId"])["KeyState"] == "Enabled"


# ====================================================================== imported material expiry


@pytest.mark.parametrize("restart", [False, True], ids=["running", "restart-between-steps"])
def test_imported_material_expires_on_the_server_clock(server_factory, restart):
    """[IMP 5.1] at ValidTo the material is deleted: KeyState PendingImport, Encrypt/Decrypt fail with
    KMSInvalidStateException (S5, [IMP 8]) until the same material is reimported; [DEV] ValidTo is compared with the
    server's clock, which survives restarts."""
    srv = dev_clock_server(server_factory, "clock-expiry")
    c = srv.client()
    advance_days(srv, 3)  # the server is ahead of real time from the start
    md = create_external(c)
    material = random_symmetric()
    valid_to = (server_now(srv) + dt.timedelta(days=1)).replace(microsecond=0)
    mid = import_material(c, md["KeyId"], material, ValidTo=valid_to)["KeyMaterialId"]
    after = describe(c, md["KeyId"])
    assert (after["KeyState"], after["ExpirationModel"], after["ValidTo"]) == ("Enabled", "KEY_MATERIAL_EXPIRES",
                                                                               valid_to)
    blob = c.encrypt(KeyId=md["KeyId"], Plaintext=b"expiring")["CiphertextBlob"]
    if restart:
        c = _restart(srv, server_now(srv))
    # A minute before ValidTo the key still works.
    now = from_epoch(advance(srv, (valid_to - server_now(srv)).total_seconds() - 60)["Now"])
    assert describe(c, md["KeyId"])["KeyState"] == "Enabled"
    assert c.decrypt(CiphertextBlob=blob)["Plaintext"] == b"expiring"
    if restart:
        c = _restart(srv, now)
    # Two days on, the material has expired.
    now = from_epoch(advance_days(srv, 2)["Now"])
    assert now > valid_to
    assert describe(c, md["KeyId"])["KeyState"] == "PendingImport"
    msgs = msgs_pending_import(md["Arn"])
    expect_error(c.encrypt, KeyId=md["KeyId"], Plaintext=b"x", code="KMSInvalidStateException", message=msgs)
    expect_error(c.decrypt, CiphertextBlob=blob, code="KMSInvalidStateException", message=msgs)
    if restart:
        c = _restart(srv, now)
        assert describe(c, md["KeyId"])["KeyState"] == "PendingImport"
    # Reimporting the same material restores the key ([IMP 5.1]).
    assert import_material(c, md["KeyId"], material)["KeyMaterialId"] == mid
    assert describe(c, md["KeyId"])["KeyState"] == "Enabled"
    assert c.decrypt(CiphertextBlob=blob)["Plaintext"] == b"expiring"


def test_valid_to_is_checked_against_the_server_clock(server_factory):
    """[IMP 4.2] ValidTo must be in the future and at most 365 days ahead (test_import_params.py); [DEV] "ahead" means
    ahead of the server's clock: with the clock 10 days ahead, real-now + 1 day is in the past, and server-now +
    364 days (real-now + 374 days) is accepted."""
    srv = dev_clock_server(server_factory, "clock-validto")
    c = srv.client()
    advance_days(srv, 10)
    md = create_external(c)
    expect_error(import_material, c, md["KeyId"], random_symmetric(),
                 ValidTo=(utcnow() + dt.timedelta(days=1)).replace(microsecond=0), code="ValidationException")
    assert describe(c, md["KeyId"])["KeyState"] == "PendingImport"
    valid_to = (server_now(srv) + dt.timedelta(days=364)).replace(microsecond=0)
    assert valid_to > utcnow() + dt.timedelta(days=370)
    import_material(c, md["KeyId"], random_symmetric(), ValidTo=valid_to)
    after = describe(c, md["KeyId"])
    assert (after["KeyState"], after["ValidTo"]) == ("Enabled", valid_to)


# ====================================================================== persistence


def test_offset_survives_restarts(server_factory):
    """[DEV] the offset is kept in the store: after graceful restarts the server's Now does not go back and new keys
    get the advanced CreationDate."""
    srv = dev_clock_server(server_factory, "clock-persist")
    r = advance_days(srv, 5)
    assert r["OffsetSeconds"] == pytest.approx(5 * DAY)
    srv.stop()
    srv.start()
    r2 = advance(srv, 0)
    assert r2["OffsetSeconds"] == pytest.approx(5 * DAY)
    assert r2["Now"] >= r["Now"]
    c = srv.client()
    md = c.create_key()["KeyMetadata"]
    assert md["CreationDate"] > utcnow() + dt.timedelta(days=4, hours=23)
    r3 = advance(srv, 1.5)
    assert r3["OffsetSeconds"] == pytest.approx(5 * DAY + 1.5, abs=1e-6)
    srv.restart()
    srv.restart()
    r4 = advance(srv, 0)
    assert r4["OffsetSeconds"] == pytest.approx(5 * DAY + 1.5, abs=1e-6)
    assert r4["Now"] >= r3["Now"]
    assert describe(srv.client(), md["KeyId"])["CreationDate"] == md["CreationDate"]


def test_a_new_server_on_a_fresh_store_starts_at_real_time(server_factory):
    """[DEV] the offset belongs to a store: another server with its own data dir starts with offset 0."""
    first = dev_clock_server(server_factory, "clock-a")
    advance_days(first, 50)
    second = dev_clock_server(server_factory, "clock-b")
    r = advance(second, 0)
    assert r["OffsetSeconds"] == 0
    assert abs(r["Now"] - time.time()) < 5
    assert _offset(first) == pytest.approx(50 * DAY)


# ====================================================================== a full rotation, restarting between steps


def test_rotation_through_the_clock_with_a_restart_between_every_step(server_factory):
    """[W2 3.2] NextRotationDate = enable date + period, then rotation time + period; [W2 3.3] automatic rotation
    appears in ListKeyRotations as AUTOMATIC and changes CurrentKeyMaterialId; old ciphertexts still decrypt;
    [DEV] the clock and all of this survive restarts."""
    srv = dev_clock_server(server_factory, "clock-rotation")
    c = srv.client()
    md = c.create_key()["KeyMetadata"]
    kid = md["KeyId"]
    first = describe(c, kid)["CurrentKeyMaterialId"]
    blob = c.encrypt(KeyId=kid, Plaintext=b"first material")["CiphertextBlob"]
    lo = server_now(srv)
    c.enable_key_rotation(KeyId=kid, RotationPeriodInDays=90)
    hi = server_now(srv)
    st = dict(c.get_key_rotation_status(KeyId=kid))
    st.pop("ResponseMetadata")
    assert between(st["NextRotationDate"], lo + dt.timedelta(days=90), hi + dt.timedelta(days=90))
    c = _restart(srv, hi)
    st_after = dict(c.get_key_rotation_status(KeyId=kid))
    st_after.pop("ResponseMetadata")
    assert st_after == st
    # Day 89: nothing yet.
    now = from_epoch(advance_days(srv, 89)["Now"])
    assert rotations(c, kid) == []
    c = _restart(srv, now)
    assert rotations(c, kid) == [] and describe(c, kid)["CurrentKeyMaterialId"] == first
    # Past day 90: rotated.
    now = from_epoch(advance_days(srv, 1, 60)["Now"])
    c = _restart(srv, now)
    listed = rotations(c, kid)
    assert [r["RotationType"] for r in listed] == ["AUTOMATIC"], listed
    second = listed[0]["KeyMaterialId"]
    assert second != first and describe(c, kid)["CurrentKeyMaterialId"] == second
    assert between(listed[0]["RotationDate"], st["NextRotationDate"], now, slack_s=2)
    st2 = dict(c.get_key_rotation_status(KeyId=kid))
    assert st2["KeyRotationEnabled"] is True and st2["RotationPeriodInDays"] == 90
    assert close_to(st2["NextRotationDate"], listed[0]["RotationDate"] + dt.timedelta(days=90))
    dec = c.decrypt(CiphertextBlob=blob)
    assert (dec["Plaintext"], dec["KeyMaterialId"]) == (b"first material", first)
    blob2 = c.encrypt(KeyId=kid, Plaintext=b"second material")["CiphertextBlob"]
    c = _restart(srv, now)
    assert c.decrypt(CiphertextBlob=blob2)["KeyMaterialId"] == second
    assert c.decrypt(CiphertextBlob=blob)["KeyMaterialId"] == first
    # The second period.
    now = from_epoch(advance(srv, (st2["NextRotationDate"] - server_now(srv)).total_seconds() + 5)["Now"])
    c = _restart(srv, now)
    listed = rotations(c, kid)
    assert [r["RotationType"] for r in listed] == ["AUTOMATIC", "AUTOMATIC"], listed
    third = listed[1]["KeyMaterialId"]
    assert third not in (first, second) and describe(c, kid)["CurrentKeyMaterialId"] == third
    assert c.decrypt(CiphertextBlob=blob)["Plaintext"] == b"first material"
    assert c.decrypt(CiphertextBlob=blob2)["Plaintext"] == b"second material"


def test_json_body_is_parsed_like_a_kms_request(server_factory):
    """[DEV] body `{"Seconds": N}` as AWS JSON 1.1: an integer written as `1e2` or `100.0` is the same number."""
    srv = dev_clock_server(server_factory, "clock-json")
    resp = advance_raw(srv, b'{"Seconds": 1e2}')
    assert resp.status == 200, resp.describe()
    assert json.loads(resp.body)["OffsetSeconds"] == pytest.approx(100)
    resp = advance_raw(srv, b'{"Seconds": 100.0}')
    assert resp.status == 200, resp.describe()
    assert json.loads(resp.body)["OffsetSeconds"] == pytest.approx(200)
