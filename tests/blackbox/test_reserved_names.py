"""Reserved names, case-insensitively (issue 14, category 5).

- Tag keys beginning with `aws:` in any case are reserved: TagException `Tags beginning with aws: are reserved`. AWS
  documents the prefix as reserved without case distinction ("You cannot use the aws: prefix in a tag key",
  https://docs.aws.amazon.com/kms/latest/developerguide/tagging-keys.html; AWS's tag rules treat `aws:` case-insensitively:
  https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html "You can't ... begin with aws:, AWS:, or any upper
  or lowercase combination of such").
- An alias name (or alias ARN) as the TargetKeyId of CreateAlias/UpdateAlias: ValidationException
  `Aliases must refer to keys. Not aliases` (the answer recorded in moto's tests of create_alias, which follow AWS).
Nothing is created or changed by a refused request.
"""

from __future__ import annotations

import pytest

from kmshelpers import DEV_ACCOUNT, expect_error, unique_alias


@pytest.mark.parametrize("tagkey", ["AWS:reserved", "Aws:x", "aWs:cloudformation:stack-name"])
def test_aws_prefix_in_any_case_is_reserved(kms, tagkey):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    expect_error(kms.tag_resource, KeyId=kid, Tags=[{"TagKey": tagkey, "TagValue": "v"}],
                 code="TagException", message="Tags beginning with aws: are reserved")
    expect_error(kms.create_key, Tags=[{"TagKey": tagkey, "TagValue": "v"}],
                 code="TagException", message="Tags beginning with aws: are reserved")
    assert kms.list_resource_tags(KeyId=kid)["Tags"] == []


def test_a_tag_key_merely_containing_aws_is_fine(kms):
    kid = kms.create_key(Tags=[{"TagKey": "awsx:y", "TagValue": "v"}, {"TagKey": "my-aws:z", "TagValue": "w"}])["KeyMetadata"]["KeyId"]
    assert {t["TagKey"] for t in kms.list_resource_tags(KeyId=kid)["Tags"]} == {"awsx:y", "my-aws:z"}


def test_an_alias_as_target_key_is_a_validation_error(kms):
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    first = unique_alias("target")
    kms.create_alias(AliasName=first, TargetKeyId=kid)
    second = unique_alias("chained")
    for target in (first, f"arn:aws:kms:us-east-1:{DEV_ACCOUNT}:{first}"):
        expect_error(kms.create_alias, AliasName=second, TargetKeyId=target,
                     code="ValidationException", message="Aliases must refer to keys. Not aliases")
        expect_error(kms.update_alias, AliasName=first, TargetKeyId=target,
                     code="ValidationException", message="Aliases must refer to keys. Not aliases")
    names = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases(KeyId=kid)["Aliases"]}
    assert names == {first: kid}
