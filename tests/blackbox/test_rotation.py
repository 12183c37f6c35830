"""Automatic key rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus, and the rotation service
driven by the development clock.

Sources (cited per test):
  [W2 3.1]  shared/spec/authorization-and-wave2.md §3.1 EnableKeyRotation / DisableKeyRotation
  [W2 3.2]  same, §3.2 GetKeyRotationStatus (responses recorded against AWS)
  [W2 3.3]  same, §3.3 RotateKeyOnDemand / ListKeyRotations
  [IMP 8]   shared/spec/aws-kms-import-spec.md §8 key-state table (D1, S3, U6) and its notes
  [IMP 10.2] same, §10.2 automatic rotation of EXTERNAL keys
  [MODEL]   botocore kms/2014-11-01 service-2.json (RotationPeriodInDaysType 90..2560, request/response members)
  [DEV]     the development clock (clockhelpers.py): AdvanceClock answers after the background work due has run

Tests on the shared `server` run on real time (no development clock). Tests that need time to pass start their own
server with `"developmentClock": true`.
"""

from __future__ import annotations

import datetime as dt

import pytest

from clockhelpers import advance, advance_days, between, close_to, dev_clock_server, server_now, utcnow
from importhelpers import create_external, describe, import_material, random_symmetric, rotations
from kmshelpers import expect_error, unique_alias


def status(kms, key_id: str) -> dict:
    """GetKeyRotationStatus without ResponseMetadata."""
    resp = dict(kms.get_key_rotation_status(KeyId=key_id))
    resp.pop("ResponseMetadata")
    return resp


def assert_empty(resp: dict) -> None:
    """Operations without an output shape return nothing but the metadata [MODEL: no `output`]."""
    assert set(resp) == {"ResponseMetadata"}, resp
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200


def assert_enabled_status(st: dict, key_id: str, period: int, lo: dt.datetime, hi: dt.datetime) -> None:
    """[W2 3.2]: enabled ⇒ KeyId (bare key ID), KeyRotationEnabled true, RotationPeriodInDays, and NextRotationDate =
    enable time + period, the enable time lying in [lo, hi]."""
    assert set(st) == {"KeyId", "KeyRotationEnabled", "RotationPeriodInDays", "NextRotationDate"}, st
    assert st["KeyId"] == key_id
    assert st["KeyRotationEnabled"] is True
    assert st["RotationPeriodInDays"] == period
    assert between(st["NextRotationDate"], lo + dt.timedelta(days=period), hi + dt.timedelta(days=period)), \
        (st["NextRotationDate"], lo, hi, period)


def disabled_status(key_id: str) -> dict:
    """[W2 3.2]: rotation disabled ⇒ no period and no next date."""
    return {"KeyId": key_id, "KeyRotationEnabled": False}


def new_symmetric(kms) -> dict:
    return kms.create_key()["KeyMetadata"]


# ====================================================================== EnableKeyRotation / GetKeyRotationStatus


def test_new_key_reports_rotation_disabled(kms):
    """[W2 3.2] `disabled` row: {"KeyId": <key id>, "KeyRotationEnabled": false}; KeyId is the bare key ID even when
    asked by ARN ([MODEL] GetKeyRotationStatusRequest accepts key ID or key ARN)."""
    md = new_symmetric(kms)
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])
    assert status(kms, md["Arn"]) == disabled_status(md["KeyId"])


def test_enable_with_the_default_period(kms):
    """[W2 3.1] default RotationPeriodInDays 365; [MODEL] EnableKeyRotation has no output; [W2 3.2] NextRotationDate =
    enable date + period, KeyId is the key ID (also when the request names the key by ARN)."""
    md = new_symmetric(kms)
    before = utcnow()
    assert_empty(kms.enable_key_rotation(KeyId=md["KeyId"]))
    after = utcnow()
    st = status(kms, md["KeyId"])
    assert_enabled_status(st, md["KeyId"], 365, before, after)
    assert status(kms, md["Arn"]) == st


def test_enable_by_arn_with_a_period(kms):
    """[MODEL] EnableKeyRotationRequest.KeyId: key ID or key ARN; [W2 3.2] enabled-with-period-90 row."""
    md = new_symmetric(kms)
    before = utcnow()
    assert_empty(kms.enable_key_rotation(KeyId=md["Arn"], RotationPeriodInDays=90))
    after = utcnow()
    assert_enabled_status(status(kms, md["KeyId"]), md["KeyId"], 90, before, after)


@pytest.mark.parametrize("period", [90, 2560])
def test_period_bounds_are_accepted(kms, period):
    """[MODEL] RotationPeriodInDaysType min 90, max 2560 (inclusive)."""
    md = new_symmetric(kms)
    before = utcnow()
    kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=period)
    assert_enabled_status(status(kms, md["KeyId"]), md["KeyId"], period, before, utcnow())


def test_enabling_again_changes_the_period(kms):
    """[W2 3.1] "may be passed again to change the period of an enabled key". The recomputed NextRotationDate is
    UNCONFIRMED [W2 3.2/7.4]; the recommendation (last automatic rotation or enable date + new period) and "now + new
    period" agree here because both calls happen within seconds."""
    md = new_symmetric(kms)
    before = utcnow()
    kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=90)
    assert status(kms, md["KeyId"])["RotationPeriodInDays"] == 90
    assert_empty(kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=730))
    assert_enabled_status(status(kms, md["KeyId"]), md["KeyId"], 730, before, utcnow())
    # Back to a shorter period.
    kms.enable_key_rotation(KeyId=md["Arn"], RotationPeriodInDays=91)
    assert_enabled_status(status(kms, md["KeyId"]), md["KeyId"], 91, before, utcnow())
    # (Whether EnableKeyRotation *without* RotationPeriodInDays on an enabled key resets the period to 365 is not
    # documented: not tested.)


@pytest.mark.parametrize("period,constraint", [
    (89, "Member must have value greater than or equal to 90"),
    (0, "Member must have value greater than or equal to 90"),
    (-1, "Member must have value greater than or equal to 90"),
    (2561, "Member must have value less than or equal to 2560"),
])
def test_period_out_of_range_is_a_validation_error(kms_nv, period, constraint):
    """[MODEL] RotationPeriodInDaysType 90..2560; [W2 3.1] the model-validation message format (the same format
    test_protocol.py checks for numberOfBytes/limit)."""
    md = kms_nv.create_key()["KeyMetadata"]
    expect_error(kms_nv.enable_key_rotation, KeyId=md["KeyId"], RotationPeriodInDays=period,
                 code="ValidationException",
                 message=f"1 validation error detected: Value '{period}' at 'rotationPeriodInDays' failed to satisfy "
                         f"constraint: {constraint}")
    assert status(kms_nv, md["KeyId"]) == disabled_status(md["KeyId"])


@pytest.mark.parametrize("op", ["enable_key_rotation", "disable_key_rotation", "get_key_rotation_status"])
def test_alias_and_unknown_keys_are_not_found(kms, op):
    """[MODEL] the KeyId of these three operations is "the key ID or key ARN" (no alias forms) ⇒ an alias name or alias
    ARN does not identify a key: NotFoundException; so does an unknown key ID."""
    md = new_symmetric(kms)
    alias = unique_alias("rot")
    kms.create_alias(AliasName=alias, TargetKeyId=md["KeyId"])
    alias_arn = md["Arn"].rsplit(":", 1)[0] + ":" + alias
    for key_id in (alias, alias_arn, "0b7f3c1e-1111-4222-8333-944455556666"):
        expect_error(getattr(kms, op), KeyId=key_id, code="NotFoundException")
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])


# ====================================================================== DisableKeyRotation


def test_disable_removes_period_and_next_date(kms):
    """[MODEL] DisableKeyRotation has no output; [W2 3.2] `disabled` row: no RotationPeriodInDays, no
    NextRotationDate."""
    md = new_symmetric(kms)
    kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=180)
    assert status(kms, md["KeyId"])["KeyRotationEnabled"] is True
    assert_empty(kms.disable_key_rotation(KeyId=md["Arn"]))
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])
    # Disabling again is harmless.
    assert_empty(kms.disable_key_rotation(KeyId=md["KeyId"]))
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])
    # Re-enabling without a period uses the default, not the earlier 180 ([MODEL] EnableKeyRotation default 365).
    before = utcnow()
    kms.enable_key_rotation(KeyId=md["KeyId"])
    assert_enabled_status(status(kms, md["KeyId"]), md["KeyId"], 365, before, utcnow())


def test_disable_on_a_key_that_never_had_rotation(kms):
    """[IMP 8] DisableKeyRotation is ✓ on an Enabled symmetric AWS_KMS key whatever its rotation setting."""
    md = new_symmetric(kms)
    assert_empty(kms.disable_key_rotation(KeyId=md["KeyId"]))
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])


# ====================================================================== key types and origins


@pytest.mark.parametrize("spec,usage", [
    ("RSA_2048", "ENCRYPT_DECRYPT"),
    ("ECC_NIST_P256", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "KEY_AGREEMENT"),
    ("HMAC_256", "GENERATE_VERIFY_MAC"),
])
def test_asymmetric_and_hmac_keys_are_unsupported(kms, spec, usage):
    """[W2 3.1] "Symmetric encryption keys with Origin=AWS_KMS only. Asymmetric, HMAC ... ⇒
    UnsupportedOperationException"; [IMP 8] note: "Asymmetric/HMAC keys: all three → UnsupportedOperationException"."""
    md = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    # Control: the operations themselves work on a symmetric key (so the errors below are about the key type).
    sym = new_symmetric(kms)
    kms.enable_key_rotation(KeyId=sym["KeyId"])
    assert status(kms, sym["KeyId"])["KeyRotationEnabled"] is True
    for key_id in (md["KeyId"], md["Arn"]):
        expect_error(kms.enable_key_rotation, KeyId=key_id, code="UnsupportedOperationException")
        expect_error(kms.enable_key_rotation, KeyId=key_id, RotationPeriodInDays=90,
                     code="UnsupportedOperationException")
        expect_error(kms.disable_key_rotation, KeyId=key_id, code="UnsupportedOperationException")
        expect_error(kms.get_key_rotation_status, KeyId=key_id, code="UnsupportedOperationException")


def test_external_key_with_material(kms):
    """[IMP 10.2] EnableKeyRotation/DisableKeyRotation are not supported for imported key material
    (UnsupportedOperationException); GetKeyRotationStatus succeeds with KeyRotationEnabled false and neither
    RotationPeriodInDays nor NextRotationDate ([IMP 8] note, INFERRED)."""
    md = create_external(kms)
    import_material(kms, md["KeyId"], random_symmetric())
    assert describe(kms, md["KeyId"])["KeyState"] == "Enabled"
    expect_error(kms.enable_key_rotation, KeyId=md["KeyId"], code="UnsupportedOperationException")
    expect_error(kms.enable_key_rotation, KeyId=md["Arn"], RotationPeriodInDays=90,
                 code="UnsupportedOperationException")
    expect_error(kms.disable_key_rotation, KeyId=md["KeyId"], code="UnsupportedOperationException")
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])
    assert status(kms, md["Arn"]) == disabled_status(md["KeyId"])


def test_external_key_pending_import_is_u6(kms):
    """[IMP 8] rows EnableKeyRotation / DisableKeyRotation / GetKeyRotationStatus, column PI: ✗ U6
    `<key ARN> origin is EXTERNAL which is not valid for this operation.` ([W2 3.1], [IMP 10.2])."""
    md = create_external(kms)
    assert describe(kms, md["KeyId"])["KeyState"] == "PendingImport"
    u6 = f"{md['Arn']} origin is EXTERNAL which is not valid for this operation."
    expect_error(kms.enable_key_rotation, KeyId=md["KeyId"], code="UnsupportedOperationException", message=u6)
    expect_error(kms.disable_key_rotation, KeyId=md["KeyId"], code="UnsupportedOperationException", message=u6)
    expect_error(kms.get_key_rotation_status, KeyId=md["KeyId"], code="UnsupportedOperationException", message=u6)
    expect_error(kms.get_key_rotation_status, KeyId=md["Arn"], code="UnsupportedOperationException", message=u6)


# ====================================================================== key states


def test_disabled_key_keeps_and_reports_its_setting(kms):
    """[W2 3.1] disabled key: "status unchanged and cannot be changed (DisabledException)"; [IMP 8] column Dis:
    Enable/DisableKeyRotation ✗ D1 `<key ARN> is disabled.`, GetKeyRotationStatus ✓."""
    md = new_symmetric(kms)
    kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=120)
    before = status(kms, md["KeyId"])
    kms.disable_key(KeyId=md["KeyId"])
    assert status(kms, md["KeyId"]) == before
    d1 = f"{md['Arn']} is disabled."
    expect_error(kms.enable_key_rotation, KeyId=md["KeyId"], code="DisabledException", message=d1)
    expect_error(kms.enable_key_rotation, KeyId=md["KeyId"], RotationPeriodInDays=365, code="DisabledException",
                 message=d1)
    expect_error(kms.disable_key_rotation, KeyId=md["KeyId"], code="DisabledException", message=d1)
    assert status(kms, md["KeyId"]) == before
    kms.enable_key(KeyId=md["KeyId"])
    assert status(kms, md["KeyId"]) == before


def test_disabled_key_without_rotation_reports_false(kms):
    """[IMP 8] GetKeyRotationStatus ✓ on Dis; [W2 3.2] disabled row."""
    md = new_symmetric(kms)
    kms.disable_key(KeyId=md["KeyId"])
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])
    expect_error(kms.enable_key_rotation, KeyId=md["KeyId"], code="DisabledException",
                 message=f"{md['Arn']} is disabled.")
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])


@pytest.mark.parametrize("spec,usage", [("ECC_NIST_P256", "SIGN_VERIFY"), ("HMAC_256", "GENERATE_VERIFY_MAC")])
def test_disabled_asymmetric_or_hmac_key_is_disabled_exception(kms, spec, usage):
    """[IMP 8] column Dis of Enable/DisableKeyRotation lists ✗ D1 (the behaviour under test checks the key state
    before the key spec, so a disabled asymmetric/HMAC key gives DisabledException, not UnsupportedOperation)."""
    md = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
    kms.disable_key(KeyId=md["KeyId"])
    d1 = f"{md['Arn']} is disabled."
    expect_error(kms.enable_key_rotation, KeyId=md["KeyId"], code="DisabledException", message=d1)
    expect_error(kms.disable_key_rotation, KeyId=md["KeyId"], code="DisabledException", message=d1)


def test_pending_deletion_reports_false_and_cancel_restores(kms):
    """[W2 3.1] "PendingDeletion: status reported false, cannot change (KMSInvalidStateException); on cancel, previous
    status restored"; [IMP 8] column PD: Enable/DisableKeyRotation ✗ S3 `<key ARN> is pending deletion.`,
    GetKeyRotationStatus ✓."""
    md = new_symmetric(kms)
    kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=100)
    before = status(kms, md["KeyId"])
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])
    s3 = f"{md['Arn']} is pending deletion."
    expect_error(kms.enable_key_rotation, KeyId=md["KeyId"], code="KMSInvalidStateException", message=s3)
    expect_error(kms.enable_key_rotation, KeyId=md["KeyId"], RotationPeriodInDays=90,
                 code="KMSInvalidStateException", message=s3)
    expect_error(kms.disable_key_rotation, KeyId=md["KeyId"], code="KMSInvalidStateException", message=s3)
    kms.cancel_key_deletion(KeyId=md["KeyId"])
    assert describe(kms, md["KeyId"])["KeyState"] == "Disabled"  # [MODEL] CancelKeyDeletion ⇒ Disabled
    assert status(kms, md["KeyId"]) == before
    kms.enable_key(KeyId=md["KeyId"])
    assert status(kms, md["KeyId"]) == before


def test_pending_deletion_key_without_rotation_stays_false_after_cancel(kms):
    """[W2 3.1] cancel restores the *previous* status, which here is "disabled"."""
    md = new_symmetric(kms)
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])
    kms.cancel_key_deletion(KeyId=md["KeyId"])
    assert status(kms, md["KeyId"]) == disabled_status(md["KeyId"])


# ====================================================================== on-demand rotations and the schedule


def test_on_demand_rotation_does_not_move_next_rotation_date(kms):
    """[W2 3.2] "On-demand rotations do not move the automatic schedule" (RotateKeyOnDemand API example) and no
    OnDemandRotationStartDate once the rotation has finished; [W2 3.3] the ListKeyRotations entry is ON_DEMAND."""
    md = new_symmetric(kms)
    kms.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=90)
    before = status(kms, md["KeyId"])
    old = describe(kms, md["KeyId"])["CurrentKeyMaterialId"]
    kms.rotate_key_on_demand(KeyId=md["KeyId"])
    assert status(kms, md["KeyId"]) == before
    listed = rotations(kms, md["KeyId"])
    assert [r["RotationType"] for r in listed] == ["ON_DEMAND"]
    assert describe(kms, md["KeyId"])["CurrentKeyMaterialId"] == listed[0]["KeyMaterialId"] != old


# ====================================================================== automatic rotation (development clock)


def _enable_and_prepare(c, srv, period: int):
    """A key with rotation enabled at the server's now, a ciphertext under its first material."""
    md = c.create_key()["KeyMetadata"]
    t0 = server_now(srv)
    c.enable_key_rotation(KeyId=md["KeyId"], RotationPeriodInDays=period)
    t1 = server_now(srv)
    st = status(c, md["KeyId"])
    assert_enabled_status(st, md["KeyId"], period, t0, t1)
    first = describe(c, md["KeyId"])["CurrentKeyMaterialId"]
    ct = c.encrypt(KeyId=md["KeyId"], Plaintext=b"before the rotation")["CiphertextBlob"]
    assert c.decrypt(CiphertextBlob=ct)["KeyMaterialId"] == first
    return md, st, first, ct


def _assert_rotated_once(c, md, st_before, first, ct, period, lo, hi):
    """After exactly one automatic rotation that happened at a server time in [lo, hi] ([W2 3.3], [W2 3.2])."""
    kid = md["KeyId"]
    listed = rotations(c, kid)  # ROTATIONS_ONLY (default)
    assert len(listed) == 1, listed
    entry = listed[0]
    assert entry["RotationType"] == "AUTOMATIC"
    assert entry["KeyMaterialState"] == "CURRENT"
    assert entry["KeyId"] == kid
    assert "ImportState" not in entry  # AWS_KMS material (test_import_rotation: on-demand entries have none)
    assert between(entry["RotationDate"], lo, hi, slack_s=2), (entry["RotationDate"], lo, hi)
    new = entry["KeyMaterialId"]
    assert new != first
    assert describe(c, kid)["CurrentKeyMaterialId"] == new
    everything = rotations(c, kid, "ALL_KEY_MATERIAL")
    assert [(r["KeyMaterialId"], r["KeyMaterialState"]) for r in everything] == [(first, "NON_CURRENT"),
                                                                                (new, "CURRENT")]
    # Old ciphertexts still decrypt with the old material; new ones use the new material.
    dec = c.decrypt(CiphertextBlob=ct)
    assert (dec["Plaintext"], dec["KeyMaterialId"]) == (b"before the rotation", first)
    ct2 = c.encrypt(KeyId=kid, Plaintext=b"after the rotation")["CiphertextBlob"]
    assert c.decrypt(CiphertextBlob=ct2)["KeyMaterialId"] == new
    assert c.generate_data_key(KeyId=kid, KeySpec="AES_256")["KeyMaterialId"] == new
    # The schedule moves to rotation time + period; rotation stays enabled.
    st = status(c, kid)
    assert (st["KeyRotationEnabled"], st["RotationPeriodInDays"]) == (True, period)
    assert close_to(st["NextRotationDate"], entry["RotationDate"] + dt.timedelta(days=period)), \
        (st["NextRotationDate"], entry["RotationDate"])
    assert st["NextRotationDate"] > st_before["NextRotationDate"]
    return new


def test_automatic_rotation_when_the_period_has_passed(server_factory):
    """[W2 3.3] automatic rotation by a background process; ListKeyRotations shows RotationType AUTOMATIC and
    DescribeKey.CurrentKeyMaterialId changes [OBS LS-snap]; [W2 3.2] NextRotationDate: first = enable date + period,
    then previous rotation + period; [DEV] AdvanceClock runs the rotations due before answering."""
    srv = dev_clock_server(server_factory, "rot-auto")
    c = srv.client()
    md, st, first, ct = _enable_and_prepare(c, srv, 90)
    # One minute before the due date nothing happens.
    advance(srv, (st["NextRotationDate"] - server_now(srv)).total_seconds() - 60)
    assert rotations(c, md["KeyId"]) == []
    assert describe(c, md["KeyId"])["CurrentKeyMaterialId"] == first
    assert status(c, md["KeyId"]) == st
    # Two minutes later the rotation is done by the time AdvanceClock answers.
    advance(srv, 120)
    hi = server_now(srv)
    second = _assert_rotated_once(c, md, st, first, ct, 90, st["NextRotationDate"], hi)
    # And the next period rotates again, from the new date.
    st2 = status(c, md["KeyId"])
    advance(srv, (st2["NextRotationDate"] - server_now(srv)).total_seconds() + 5)
    listed = rotations(c, md["KeyId"])
    assert [r["RotationType"] for r in listed] == ["AUTOMATIC", "AUTOMATIC"]
    assert listed[0]["KeyMaterialId"] == second and listed[0]["KeyMaterialState"] == "NON_CURRENT"
    assert describe(c, md["KeyId"])["CurrentKeyMaterialId"] == listed[1]["KeyMaterialId"] not in (first, second)
    assert c.decrypt(CiphertextBlob=ct)["Plaintext"] == b"before the rotation"


def test_a_long_jump_rotates_once_and_reschedules_from_the_rotation(server_factory):
    """[W2 3.2] after a rotation NextRotationDate = rotation time + period, so a 400-day jump over a 90-day period is
    one rotation, due again 90 days after it ran."""
    srv = dev_clock_server(server_factory, "rot-jump")
    c = srv.client()
    md, st, first, ct = _enable_and_prepare(c, srv, 90)
    lo = server_now(srv)
    advance_days(srv, 400)
    hi = server_now(srv)
    _assert_rotated_once(c, md, st, first, ct, 90, st["NextRotationDate"], hi)
    assert status(c, md["KeyId"])["NextRotationDate"] > hi
    assert lo < hi - dt.timedelta(days=399)


def test_only_due_keys_rotate(server_factory):
    """[W2 3.2] each key follows its own NextRotationDate; keys without rotation are never rotated automatically
    ([W2 3.1] rotation is opt-in)."""
    srv = dev_clock_server(server_factory, "rot-due")
    c = srv.client()
    short = c.create_key()["KeyMetadata"]["KeyId"]
    long_ = c.create_key()["KeyMetadata"]["KeyId"]
    plain = c.create_key()["KeyMetadata"]["KeyId"]
    turned_off = c.create_key()["KeyMetadata"]["KeyId"]
    c.enable_key_rotation(KeyId=short, RotationPeriodInDays=90)
    c.enable_key_rotation(KeyId=long_, RotationPeriodInDays=180)
    c.enable_key_rotation(KeyId=turned_off, RotationPeriodInDays=90)
    c.disable_key_rotation(KeyId=turned_off)
    advance_days(srv, 91)
    assert [r["RotationType"] for r in rotations(c, short)] == ["AUTOMATIC"]
    assert rotations(c, long_) == [] and rotations(c, plain) == [] and rotations(c, turned_off) == []
    advance_days(srv, 90, 60)  # day 181 + 1 min: the second rotation of `short` (day 91 + 90) and the first of `long_`
    assert [r["RotationType"] for r in rotations(c, long_)] == ["AUTOMATIC"]
    assert [r["RotationType"] for r in rotations(c, short)] == ["AUTOMATIC", "AUTOMATIC"]
    assert rotations(c, plain) == [] and rotations(c, turned_off) == []
    assert status(c, plain) == disabled_status(plain)


def test_on_demand_rotation_keeps_the_automatic_schedule(server_factory):
    """[W2 3.2] "scheduled April 14 stays April 14 after an on-demand rotation on April 10" [MODEL RotateKeyOnDemand]:
    the automatic rotation still happens at the original NextRotationDate."""
    srv = dev_clock_server(server_factory, "rot-ondemand")
    c = srv.client()
    md, st, first, ct = _enable_and_prepare(c, srv, 90)
    advance_days(srv, 80)
    c.rotate_key_on_demand(KeyId=md["KeyId"])
    assert status(c, md["KeyId"]) == st
    assert [r["RotationType"] for r in rotations(c, md["KeyId"])] == ["ON_DEMAND"]
    advance_days(srv, 9)
    assert len(rotations(c, md["KeyId"])) == 1  # day 89: not yet
    advance_days(srv, 1, 60)
    listed = rotations(c, md["KeyId"])
    assert [r["RotationType"] for r in listed] == ["ON_DEMAND", "AUTOMATIC"]
    assert describe(c, md["KeyId"])["CurrentKeyMaterialId"] == listed[-1]["KeyMaterialId"]
    assert c.decrypt(CiphertextBlob=ct)["KeyMaterialId"] == first


def test_disabled_key_is_rotated_only_after_it_is_enabled_again(server_factory):
    """[W2 3.1] "no rotation while disabled; on re-enable, if [the rotation is overdue] rotate immediately";
    [DEV] AdvanceClock with Seconds 0 runs the background work due now."""
    srv = dev_clock_server(server_factory, "rot-disabled")
    c = srv.client()
    md, st, first, ct = _enable_and_prepare(c, srv, 90)
    c.disable_key(KeyId=md["KeyId"])
    advance_days(srv, 100)
    assert rotations(c, md["KeyId"]) == []
    assert describe(c, md["KeyId"])["CurrentKeyMaterialId"] == first
    assert status(c, md["KeyId"]) == st  # still enabled, still due at the original date (now past)
    lo = server_now(srv)
    c.enable_key(KeyId=md["KeyId"])
    hi = server_now(srv)  # AdvanceClock(0): the overdue rotation runs (at the latest) now
    _assert_rotated_once(c, md, st, first, ct, 90, lo, hi)


def test_pending_deletion_key_is_not_rotated(server_factory):
    """[W2 3.1] PendingDeletion: rotation status reported false, no rotation; on cancel the previous status is
    restored with the same catch-up rule (rotate once enabled if overdue)."""
    srv = dev_clock_server(server_factory, "rot-pd")
    c = srv.client()
    md, st, first, ct = _enable_and_prepare(c, srv, 90)
    advance_days(srv, 80)
    c.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=30)
    advance_days(srv, 15)  # day 95: the rotation is due, the key is pending deletion (until day 110)
    assert describe(c, md["KeyId"])["KeyState"] == "PendingDeletion"
    assert rotations(c, md["KeyId"]) == []  # [IMP 8] ListKeyRotations ✓ on PD
    assert status(c, md["KeyId"]) == disabled_status(md["KeyId"])
    c.cancel_key_deletion(KeyId=md["KeyId"])
    assert status(c, md["KeyId"]) == st
    advance(srv, 0)
    assert rotations(c, md["KeyId"]) == []  # Disabled after cancel: still no rotation
    lo = server_now(srv)
    c.enable_key(KeyId=md["KeyId"])
    hi = server_now(srv)
    _assert_rotated_once(c, md, st, first, ct, 90, lo, hi)


def test_rotation_setting_survives_a_restart(server_factory):
    """The rotation setting is key state kept in the store (test_persistence.py: everything the API shows survives a
    graceful restart); [W2 3.2] the same status is reported afterwards."""
    srv = server_factory(name="rot-restart").start()
    c = srv.client()
    on = c.create_key()["KeyMetadata"]["KeyId"]
    off = c.create_key()["KeyMetadata"]["KeyId"]
    c.enable_key_rotation(KeyId=on, RotationPeriodInDays=222)
    c.enable_key_rotation(KeyId=off)
    c.disable_key_rotation(KeyId=off)
    before = {k: status(c, k) for k in (on, off)}
    srv.restart()
    c = srv.client()
    assert {k: status(c, k) for k in (on, off)} == before
    assert before[on]["RotationPeriodInDays"] == 222 and before[off] == disabled_status(off)


def test_imported_keys_are_never_rotated_automatically(server_factory):
    """[IMP 10.2] imported symmetric keys support on-demand rotation only; their ListKeyRotations entries are
    ON_DEMAND (or none). A year of development-clock time leaves an EXTERNAL key's material alone."""
    srv = dev_clock_server(server_factory, "rot-external")
    c = srv.client()
    md = create_external(c)
    material_id = import_material(c, md["KeyId"], random_symmetric())["KeyMaterialId"]
    advance_days(srv, 366)
    assert rotations(c, md["KeyId"]) == []
    assert describe(c, md["KeyId"])["CurrentKeyMaterialId"] == material_id
    assert status(c, md["KeyId"]) == disabled_status(md["KeyId"])
