"""TagResource / UntagResource / ListResourceTags (and tags given to CreateKey)."""

from __future__ import annotations

import uuid

import pytest

from kmshelpers import expect_error


def _tags(kms, kid):
    return {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=kid)["Tags"]}


@pytest.fixture
def key(kms):
    return kms.create_key(Description="tags")["KeyMetadata"]


def test_new_key_has_no_tags(kms, key):
    resp = kms.list_resource_tags(KeyId=key["KeyId"])
    assert resp["Tags"] == []
    assert resp["Truncated"] is False


def test_tag_list_overwrite_untag(kms, key):
    kid = key["KeyId"]
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "env", "TagValue": "prod"},
                                      {"TagKey": "owner", "TagValue": "alice"}])
    assert _tags(kms, kid) == {"env": "prod", "owner": "alice"}
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "env", "TagValue": "dev"}])
    assert _tags(kms, kid) == {"env": "dev", "owner": "alice"}
    kms.untag_resource(KeyId=kid, TagKeys=["owner"])
    assert _tags(kms, kid) == {"env": "dev"}
    kms.untag_resource(KeyId=kid, TagKeys=["does-not-exist"])  # no-op
    assert _tags(kms, kid) == {"env": "dev"}
    kms.untag_resource(KeyId=kid, TagKeys=["env"])
    assert _tags(kms, kid) == {}


def test_tag_by_key_arn(kms, key):
    kms.tag_resource(KeyId=key["Arn"], Tags=[{"TagKey": "k", "TagValue": "v"}])
    assert _tags(kms, key["Arn"]) == {"k": "v"}
    kms.untag_resource(KeyId=key["Arn"], TagKeys=["k"])
    assert _tags(kms, key["KeyId"]) == {}


def test_tag_keys_are_case_sensitive_and_values_may_be_empty(kms, key):
    kid = key["KeyId"]
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "Key", "TagValue": ""}, {"TagKey": "key", "TagValue": "x"},
                                      {"TagKey": "ünï cødé +-=._:/@", "TagValue": "välue"}])
    assert _tags(kms, kid) == {"Key": "", "key": "x", "ünï cødé +-=._:/@": "välue"}


def test_create_key_tags(kms):
    kid = kms.create_key(Tags=[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}])["KeyMetadata"]["KeyId"]
    assert _tags(kms, kid) == {"a": "1", "b": "2"}


@pytest.mark.parametrize("tagkey", ["aws:reserved", "aws:cloudformation:stack-name"])
def test_reserved_aws_prefix_on_tag_resource(kms, key, tagkey):
    expect_error(kms.tag_resource, KeyId=key["KeyId"], Tags=[{"TagKey": tagkey, "TagValue": "v"}],
                 code="TagException", message="Tags beginning with aws: are reserved")
    assert _tags(kms, key["KeyId"]) == {}


def test_reserved_aws_prefix_rejects_whole_request(kms, key):
    expect_error(kms.tag_resource, KeyId=key["KeyId"],
                 Tags=[{"TagKey": "fine", "TagValue": "v"}, {"TagKey": "aws:bad", "TagValue": "v"}],
                 code="TagException")
    assert _tags(kms, key["KeyId"]) == {}


def test_reserved_aws_prefix_on_create_key(make_client):
    from kmshelpers import unique_region
    client = make_client(region=unique_region())
    expect_error(client.create_key, Tags=[{"TagKey": "aws:x", "TagValue": "v"}],
                 code="TagException", message="Tags beginning with aws: are reserved")
    assert client.list_keys()["Keys"] == []


def test_untag_reserved_aws_prefix(kms, key):
    expect_error(kms.untag_resource, KeyId=key["KeyId"], TagKeys=["aws:thing"], code="TagException")


def test_fifty_tags_allowed_fifty_one_refused(kms, key):
    kid = key["KeyId"]
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": f"k{i:02d}", "TagValue": str(i)} for i in range(50)])
    assert len(_tags(kms, kid)) == 50
    # overwriting an existing key does not count as a new tag
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "k00", "TagValue": "again"}])
    assert _tags(kms, kid)["k00"] == "again"
    expect_error(kms.tag_resource, KeyId=kid, Tags=[{"TagKey": "one-too-many", "TagValue": "x"}],
                 code="TagException", message="Too many tags")
    assert len(_tags(kms, kid)) == 50


def test_too_many_tags_in_one_request(kms, key):
    expect_error(kms.tag_resource, KeyId=key["KeyId"],
                 Tags=[{"TagKey": f"t{i}", "TagValue": "v"} for i in range(51)],
                 code="TagException", message="Too many tags")
    assert _tags(kms, key["KeyId"]) == {}


@pytest.mark.parametrize("tag", [
    {"TagKey": "k" * 129, "TagValue": "v"},
    {"TagKey": "", "TagValue": "v"},
    {"TagKey": "k", "TagValue": "v" * 257},
])
def test_tag_length_limits(kms_nv, tag):
    kid = kms_nv.create_key()["KeyMetadata"]["KeyId"]
    expect_error(kms_nv.tag_resource, KeyId=kid, Tags=[tag], code="ValidationException")
    assert kms_nv.list_resource_tags(KeyId=kid)["Tags"] == []


def test_tag_length_maxima_accepted(kms, key):
    kms.tag_resource(KeyId=key["KeyId"], Tags=[{"TagKey": "k" * 128, "TagValue": "v" * 256}])
    assert _tags(kms, key["KeyId"]) == {"k" * 128: "v" * 256}


def test_list_resource_tags_pagination(kms, key):
    kid = key["KeyId"]
    want = {f"p{i}": f"v{i}" for i in range(5)}
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": k, "TagValue": v} for k, v in want.items()])
    got, marker, sizes = {}, None, []
    for _ in range(10):
        kwargs = {"KeyId": kid, "Limit": 2}
        if marker:
            kwargs["Marker"] = marker
        resp = kms.list_resource_tags(**kwargs)
        sizes.append(len(resp["Tags"]))
        for t in resp["Tags"]:
            assert t["TagKey"] not in got
            got[t["TagKey"]] = t["TagValue"]
        if not resp["Truncated"]:
            assert "NextMarker" not in resp
            break
        marker = resp["NextMarker"]
    assert got == want
    assert sizes == [2, 2, 1]


def test_tags_on_unknown_key(kms):
    kid = str(uuid.uuid4())
    expect_error(kms.list_resource_tags, KeyId=kid, code="NotFoundException")
    expect_error(kms.tag_resource, KeyId=kid, Tags=[{"TagKey": "a", "TagValue": "b"}], code="NotFoundException")
    expect_error(kms.untag_resource, KeyId=kid, TagKeys=["a"], code="NotFoundException")


def test_tags_on_disabled_and_pending_import_keys(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.disable_key(KeyId=kid)
    kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "d", "TagValue": "1"}])
    assert _tags(kms, kid) == {"d": "1"}
    ext = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    kms.tag_resource(KeyId=ext, Tags=[{"TagKey": "e", "TagValue": "2"}])
    assert _tags(kms, ext) == {"e": "2"}


def test_tags_on_pending_deletion_key(kms):
    from kmshelpers import msg_pending_deletion
    md = kms.create_key(Tags=[{"TagKey": "keep", "TagValue": "me"}])["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=md["KeyId"], PendingWindowInDays=7)
    assert _tags(kms, md["KeyId"]) == {"keep": "me"}
    expect_error(kms.tag_resource, KeyId=md["KeyId"], Tags=[{"TagKey": "x", "TagValue": "y"}],
                 code="KMSInvalidStateException", message=msg_pending_deletion(md["Arn"]))
    expect_error(kms.untag_resource, KeyId=md["KeyId"], TagKeys=["keep"],
                 code="KMSInvalidStateException", message=msg_pending_deletion(md["Arn"]))
    assert _tags(kms, md["KeyId"]) == {"keep": "me"}


def test_duplicate_tag_keys_in_one_request(kms, key):
    # peers.md Appendix 1 (recorded against real AWS): TagException "Duplicate tag keys".
    expect_error(kms.tag_resource, KeyId=key["KeyId"],
                 Tags=[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "a", "TagValue": "2"}],
                 code="TagException", message="Duplicate tag keys")
    assert _tags(kms, key["KeyId"]) == {}


def test_tag_resource_does_not_accept_alias(kms, key):
    # TagResource takes a key ID or key ARN only (spec 9.4).
    from kmshelpers import unique_alias
    name = unique_alias("tagalias")
    kms.create_alias(AliasName=name, TargetKeyId=key["KeyId"])
    expect_error(kms.tag_resource, KeyId=name, Tags=[{"TagKey": "a", "TagValue": "1"}],
                 code=("NotFoundException", "InvalidArnException", "ValidationException"))
    assert _tags(kms, key["KeyId"]) == {}
