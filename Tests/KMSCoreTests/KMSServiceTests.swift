import Foundation
import KMSTesting
import Testing

@testable import KMSCore

@Suite struct CreateKeyTests {
    @Test func createsAnEnabledSymmetricKeyByDefault() async throws {
        let h = ServiceHarness()
        let metadata = try await h.createKey(#"{"Description": "first"}"#)
        #expect(metadata.keyState == .enabled)
        #expect(metadata.enabled)
        #expect(metadata.keySpec == .symmetricDefault)
        #expect(metadata.customerMasterKeySpec == "SYMMETRIC_DEFAULT")
        #expect(metadata.keyUsage == .encryptDecrypt)
        #expect(metadata.origin == .awsKMS)
        #expect(metadata.keyManager == .customer)
        #expect(metadata.description == "first")
        #expect(metadata.awsAccountID == Fixtures.account)
        #expect(metadata.creationDate == Fixtures.epoch)
        #expect(metadata.encryptionAlgorithms == [.symmetricDefault])
        #expect(metadata.arn == "arn:aws:kms:us-east-1:111122223333:key/\(metadata.keyID)")
        #expect(KeyID(metadata.keyID).map { !$0.isMultiRegion } == true)
        #expect(!metadata.multiRegion)
        #expect(metadata.multiRegionConfiguration == nil)
        let materialID = try #require(metadata.currentKeyMaterialID)
        let sealed = try #require(await h.store.sealedMaterial(keyID: KeyID(metadata.keyID)!, materialID: materialID, in: Fixtures.scope))
        let opened = try Fixtures.sealer().open(sealed.sealed, keyARN: metadata.arn, materialID: materialID)
        #expect(opened.byteCount == 32)
        #expect(opened.materialID(for: KeyID(metadata.keyID)!) == materialID)
    }

    @Test(arguments: ["RSA_2048", "ECC_NIST_P256", "HMAC_256", "ECC_NIST_EDWARDS25519", "ML_DSA_65"])
    func keyUsageIsRequiredForNonSymmetricSpecs(_ spec: String) async {
        let h = ServiceHarness()
        await expectKMSError(.validation, message: "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.") {
            _ = try await h.createKey(#"{"KeySpec": "\#(spec)"}"#)
        }
    }

    @Test(arguments: [
        ("SYMMETRIC_DEFAULT", "SIGN_VERIFY"), ("HMAC_256", "ENCRYPT_DECRYPT"), ("RSA_2048", "KEY_AGREEMENT"),
        ("RSA_2048", "GENERATE_VERIFY_MAC"), ("ECC_NIST_P256", "ENCRYPT_DECRYPT"), ("ECC_NIST_EDWARDS25519", "KEY_AGREEMENT"),
        ("ML_DSA_65", "ENCRYPT_DECRYPT"),
    ])
    func incompatibleSpecAndUsageIsAValidationException(_ spec: String, _ usage: String) async {
        let h = ServiceHarness()
        await expectKMSError(.validation, message: "KeyUsage \(usage) is not compatible with KeySpec \(spec)") {
            _ = try await h.createKey(#"{"KeySpec": "\#(spec)", "KeyUsage": "\#(usage)"}"#)
        }
    }

    @Test(arguments: [
        ("RSA_2048", "SIGN_VERIFY"), ("RSA_3072", "ENCRYPT_DECRYPT"), ("ECC_NIST_P384", "KEY_AGREEMENT"),
        ("HMAC_512", "GENERATE_VERIFY_MAC"), ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"), ("ML_DSA_87", "SIGN_VERIFY"),
        ("ECC_SECG_P256K1", "SIGN_VERIFY"),
    ])
    func createsKeysOfCompatibleSpecAndUsage(_ spec: String, _ usage: String) async throws {
        let h = ServiceHarness()
        let metadata = try await h.createKey(#"{"KeySpec": "\#(spec)", "KeyUsage": "\#(usage)"}"#)
        #expect(metadata.keySpec.rawValue == spec)
        #expect(metadata.keyUsage.rawValue == usage)
        #expect(metadata.keyState == .enabled)
        #expect(metadata.currentKeyMaterialID == nil, "only symmetric keys report CurrentKeyMaterialId")
    }

    @Test func deprecatedCustomerMasterKeySpecIsASynonym() async throws {
        let h = ServiceHarness()
        let metadata = try await h.createKey(#"{"CustomerMasterKeySpec": "HMAC_384", "KeyUsage": "GENERATE_VERIFY_MAC"}"#)
        #expect(metadata.keySpec == .hmac384)
        await expectKMSError(.validation) {
            _ = try await h.createKey(#"{"CustomerMasterKeySpec": "HMAC_384", "KeySpec": "HMAC_384", "KeyUsage": "GENERATE_VERIFY_MAC"}"#)
        }
    }

    @Test func externalOriginCreatesAPendingImportKeyWithoutMaterial() async throws {
        let h = ServiceHarness()
        let metadata = try await h.createKey(#"{"Origin": "EXTERNAL"}"#)
        #expect(metadata.origin == .external)
        #expect(metadata.keyState == .pendingImport)
        #expect(!metadata.enabled)
        #expect(metadata.currentKeyMaterialID == nil)
        let record = try #require(await h.store.key(KeyID(metadata.keyID)!, in: Fixtures.scope))
        #expect(record.materials.isEmpty)
    }

    @Test(arguments: ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87"])
    func mlDSAWithExternalOriginIsRefused(_ spec: String) async {
        let h = ServiceHarness()
        await expectKMSError(.unsupportedOperation) {
            _ = try await h.createKey(#"{"KeySpec": "\#(spec)", "KeyUsage": "SIGN_VERIFY", "Origin": "EXTERNAL"}"#)
        }
    }

    @Test(arguments: ["AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"])
    func customKeyStoreOriginsAreRefused(_ origin: String) async {
        let h = ServiceHarness()
        await expectKMSError(.unsupportedOperation) {
            _ = try await h.createKey(#"{"Origin": "\#(origin)"}"#)
        }
    }

    @Test func customKeyStoreIDIsNotFound() async {
        let h = ServiceHarness()
        await expectKMSError(.customKeyStoreNotFound) {
            _ = try await h.createKey(#"{"CustomKeyStoreId": "cks-1234567890abcdef0", "Origin": "AWS_CLOUDHSM"}"#)
        }
    }

    @Test(arguments: KeySpec.allCases.filter { KeySpecRules.unsupportedReason($0) != nil }.map(\.rawValue))
    func specsCofferCannotBackAreUnsupported(_ spec: String) async {
        let h = ServiceHarness()
        await expectKMSError(.unsupportedOperation) {
            _ = try await h.createKey(#"{"KeySpec": "\#(spec)", "KeyUsage": "SIGN_VERIFY"}"#)
        }
    }

    @Test(arguments: [
        #"[{"TagKey": "a", "TagValue": "1"}, {"TagKey": "a", "TagValue": "2"}]"#,
        #"[{"TagKey": "aws:owner", "TagValue": "x"}]"#,
    ])
    func badTagsAreATagException(_ tags: String) async throws {
        let h = ServiceHarness()
        await expectKMSError(.tag) { _ = try await h.createKey(#"{"Tags": \#(tags)}"#) }
        let keys = try await h.service.listKeys(try request("{}"), caller: Fixtures.caller)
        #expect(keys.keys.isEmpty, "nothing is created when validation fails")
    }

    @Test func moreThanFiftyTagsIsATagException() async {
        let h = ServiceHarness()
        let tags = (0...50).map { #"{"TagKey": "k\#($0)", "TagValue": "v"}"# }.joined(separator: ",")
        await expectKMSError(.tag) { _ = try await h.createKey(#"{"Tags": [\#(tags)]}"#) }
    }

    @Test func defaultPolicyIsTheAWSDocumentForTheCallersAccount() async throws {
        let h = ServiceHarness()
        let metadata = try await h.createKey()
        let policy = try await h.service.getKeyPolicy(try request(#"{"KeyId": "\#(metadata.keyID)"}"#), caller: Fixtures.caller)
        let expected =
            "{\n  \"Version\" : \"2012-10-17\",\n  \"Id\" : \"key-default-1\",\n  \"Statement\" : [ {\n    \"Sid\" : \"Enable IAM User Permissions\",\n    \"Effect\" : \"Allow\",\n    \"Principal\" : {\n      \"AWS\" : \"arn:aws:iam::111122223333:root\"\n    },\n    \"Action\" : \"kms:*\",\n    \"Resource\" : \"*\"\n  } ]\n}"
        #expect(policy.policy == expected)
        #expect(policy.policyName == "default")
    }

    @Test func suppliedPolicyIsStoredVerbatim() async throws {
        let h = ServiceHarness()
        let supplied = rootPolicy(sid: "compact")
        let metadata = try await h.createKey(#"{"Policy": \#(jsonEscaped(supplied))}"#)
        let policy = try await h.service.getKeyPolicy(try request(#"{"KeyId": "\#(metadata.keyID)"}"#), caller: Fixtures.caller)
        #expect(policy.policy == supplied)
    }

    @Test func multiRegionKeysGetAnMrkIDAndPrimaryConfiguration() async throws {
        let h = ServiceHarness()
        let metadata = try await h.createKey(#"{"MultiRegion": true}"#)
        let id = try #require(KeyID(metadata.keyID))
        #expect(id.isMultiRegion)
        #expect(metadata.keyID.hasPrefix("mrk-"))
        #expect(metadata.multiRegion)
        #expect(metadata.multiRegionConfiguration?.multiRegionKeyType == .primary)
        #expect(metadata.multiRegionConfiguration?.primaryKey.arn == metadata.arn)
        #expect(metadata.multiRegionConfiguration?.primaryKey.region == "us-east-1")
        #expect(metadata.multiRegionConfiguration?.replicaKeys == [])
    }

    @Test func seededRandomnessMakesKeyIDsReproducible() async throws {
        let a = try await ServiceHarness(seed: 1).createKey()
        let b = try await ServiceHarness(seed: 1).createKey()
        let c = try await ServiceHarness(seed: 2).createKey()
        #expect(a.keyID == b.keyID)
        #expect(a.keyID != c.keyID)
    }
}

@Suite struct KeyLifecycleTests {
    @Test func disableThenEnableChangesTheState() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let body = #"{"KeyId": "\#(key.keyID)"}"#
        _ = try await h.service.disableKey(try request(body), caller: Fixtures.caller)
        #expect(try await h.service.describeKey(try request(body), caller: Fixtures.caller).keyMetadata.keyState == .disabled)
        #expect(try await h.service.describeKey(try request(body), caller: Fixtures.caller).keyMetadata.enabled == false)
        _ = try await h.service.disableKey(try request(body), caller: Fixtures.caller)  // idempotent
        _ = try await h.service.enableKey(try request(body), caller: Fixtures.caller)
        #expect(try await h.service.describeKey(try request(body), caller: Fixtures.caller).keyMetadata.keyState == .enabled)
    }

    @Test func enableAndDisableArePendingImportErrorsForExternalKeys() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey(#"{"Origin": "EXTERNAL"}"#)
        let body = #"{"KeyId": "\#(key.keyID)"}"#
        let message =
            "\(key.arn) is pending import."
        await expectKMSError(.kmsInvalidState, message: message) { _ = try await h.service.enableKey(try request(body), caller: Fixtures.caller) }
        await expectKMSError(.kmsInvalidState, message: message) { _ = try await h.service.disableKey(try request(body), caller: Fixtures.caller) }
    }

    @Test func unknownKeysAreNotFoundWithAWSWording() async {
        let h = ServiceHarness()
        let id = "1234abcd-12ab-34cd-56ef-1234567890ab"
        await expectKMSError(.notFound, message: "Key 'arn:aws:kms:us-east-1:111122223333:key/\(id)' does not exist") {
            _ = try await h.service.describeKey(try request(#"{"KeyId": "\#(id)"}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.notFound, message: "Alias arn:aws:kms:us-east-1:111122223333:alias/missing is not found.") {
            _ = try await h.service.describeKey(try request(#"{"KeyId": "alias/missing"}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.notFound, message: "Invalid keyId 'nope'") {
            _ = try await h.service.describeKey(try request(#"{"KeyId": "nope"}"#), caller: Fixtures.caller)
        }
    }

    @Test func describeKeyAcceptsEveryIdentifierForm() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        _ = try await h.service.createAlias(try request(#"{"AliasName": "alias/app", "TargetKeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        for identifier in [key.keyID, key.arn, "alias/app", "arn:aws:kms:us-east-1:111122223333:alias/app"] {
            let found = try await h.service.describeKey(try request(#"{"KeyId": "\#(identifier)"}"#), caller: Fixtures.caller)
            #expect(found.keyMetadata.keyID == key.keyID, "\(identifier)")
        }
    }

    @Test func keyManagementOperationsRefuseAliases() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        _ = try await h.service.createAlias(try request(#"{"AliasName": "alias/app", "TargetKeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        await expectKMSError(.notFound, message: "Invalid keyId 'alias/app'") {
            _ = try await h.service.disableKey(try request(#"{"KeyId": "alias/app"}"#), caller: Fixtures.caller)
        }
    }

    @Test(arguments: [(6, "greater than or equal to 7"), (31, "less than or equal to 30"), (0, "greater than or equal to 7"), (365, "less than or equal to 30")])
    func pendingWindowOutsideSevenToThirtyIsAValidationException(days: Int, bound: String) async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        await expectKMSError(
            .validation,
            message: "1 validation error detected: Value '\(days)' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value \(bound)"
        ) {
            _ = try await h.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(key.keyID)", "PendingWindowInDays": \#(days)}"#), caller: Fixtures.caller)
        }
        #expect(try await h.service.describeKey(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller).keyMetadata.keyState == .enabled)
    }

    @Test(arguments: [(nil as Int?, 30), (7, 7), (30, 30), (12, 12)])
    func scheduleKeyDeletionSetsTheDeletionDate(requested: Int?, effective: Int) async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let window = requested.map { #", "PendingWindowInDays": \#($0)"# } ?? ""
        let response = try await h.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(key.keyID)"\#(window)}"#), caller: Fixtures.caller)
        let expectedDate = Fixtures.epoch.addingTimeInterval(TimeInterval(effective) * 86_400)
        #expect(response.keyID == key.arn)
        #expect(response.pendingWindowInDays == effective)
        #expect(response.deletionDate == expectedDate)
        #expect(response.keyState == .pendingDeletion)
        let described = try await h.service.describeKey(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller).keyMetadata
        #expect(described.keyState == .pendingDeletion)
        #expect(described.deletionDate == expectedDate)
        #expect(!described.enabled)
    }

    @Test func schedulingTwiceIsAPendingDeletionError() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let body = #"{"KeyId": "\#(key.keyID)", "PendingWindowInDays": 7}"#
        _ = try await h.service.scheduleKeyDeletion(try request(body), caller: Fixtures.caller)
        await expectKMSError(.kmsInvalidState, message: "\(key.arn) is pending deletion.") {
            _ = try await h.service.scheduleKeyDeletion(try request(body), caller: Fixtures.caller)
        }
    }

    @Test func keyIsStillPendingDeletionUntilItsDeletionDate() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let body = #"{"KeyId": "\#(key.keyID)"}"#
        _ = try await h.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(key.keyID)", "PendingWindowInDays": 7}"#), caller: Fixtures.caller)
        h.clock.advance(by: 7 * 86_400 - 1)
        #expect(try await h.service.describeKey(try request(body), caller: Fixtures.caller).keyMetadata.keyState == .pendingDeletion)
        #expect(try await h.service.purgeDueKeys() == 0)
        h.clock.advance(by: 1)
        await expectKMSError(.notFound, message: "Key '\(key.arn)' does not exist") {
            _ = try await h.service.describeKey(try request(body), caller: Fixtures.caller)
        }
    }

    @Test func purgeDueKeysRemovesExpiredKeysAndTheirAliases() async throws {
        let h = ServiceHarness()
        let doomed = try await h.createKey()
        let kept = try await h.createKey()
        _ = try await h.service.createAlias(try request(#"{"AliasName": "alias/doomed", "TargetKeyId": "\#(doomed.keyID)"}"#), caller: Fixtures.caller)
        _ = try await h.service.createAlias(try request(#"{"AliasName": "alias/kept", "TargetKeyId": "\#(kept.keyID)"}"#), caller: Fixtures.caller)
        _ = try await h.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(doomed.keyID)", "PendingWindowInDays": 7}"#), caller: Fixtures.caller)
        #expect(try await h.service.purgeDueKeys() == 0)

        h.clock.advance(by: 8 * 86_400)
        #expect(try await h.service.purgeDueKeys() == 1)
        #expect(await h.store.key(KeyID(doomed.keyID)!, in: Fixtures.scope) == nil)
        #expect(await h.store.alias(AliasName("alias/doomed")!, in: Fixtures.scope) == nil)
        #expect(await h.store.key(KeyID(kept.keyID)!, in: Fixtures.scope) != nil)
        #expect(await h.store.alias(AliasName("alias/kept")!, in: Fixtures.scope) != nil)
        let aliases = try await h.service.listAliases(try request("{}"), caller: Fixtures.caller)
        #expect(aliases.aliases.map(\.aliasName) == ["alias/kept"])
        #expect(try await h.service.purgeDueKeys() == 0)
    }

    @Test func listKeysHidesKeysPastTheirDeletionDate() async throws {
        let h = ServiceHarness()
        let doomed = try await h.createKey()
        _ = try await h.createKey()
        _ = try await h.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(doomed.keyID)", "PendingWindowInDays": 7}"#), caller: Fixtures.caller)
        #expect(try await h.service.listKeys(try request("{}"), caller: Fixtures.caller).keys.count == 2)
        h.clock.advance(by: 7 * 86_400)
        let keys = try await h.service.listKeys(try request("{}"), caller: Fixtures.caller).keys
        #expect(keys.count == 1)
        #expect(!keys.contains { $0.keyID == doomed.keyID })
    }

    @Test func cancelKeyDeletionLeavesTheKeyDisabled() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let body = #"{"KeyId": "\#(key.keyID)"}"#
        await expectKMSError(.kmsInvalidState, message: "\(key.arn) is not pending deletion.") {
            _ = try await h.service.cancelKeyDeletion(try request(body), caller: Fixtures.caller)
        }
        _ = try await h.service.scheduleKeyDeletion(try request(body), caller: Fixtures.caller)
        let response = try await h.service.cancelKeyDeletion(try request(body), caller: Fixtures.caller)
        #expect(response.keyID == key.arn)
        let described = try await h.service.describeKey(try request(body), caller: Fixtures.caller).keyMetadata
        #expect(described.keyState == .disabled)
        #expect(described.deletionDate == nil)
        h.clock.advance(by: 60 * 86_400)
        #expect(try await h.service.purgeDueKeys() == 0)
    }

    @Test func pendingDeletionKeysRefuseManagementChanges() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        _ = try await h.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        let message = "\(key.arn) is pending deletion."
        await expectKMSError(.kmsInvalidState, message: message) {
            _ = try await h.service.enableKey(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.kmsInvalidState, message: message) {
            _ = try await h.service.updateKeyDescription(try request(#"{"KeyId": "\#(key.keyID)", "Description": "x"}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.kmsInvalidState, message: message) {
            _ = try await h.service.tagResource(try request(#"{"KeyId": "\#(key.keyID)", "Tags": [{"TagKey": "a", "TagValue": "b"}]}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.kmsInvalidState, message: message) {
            _ = try await h.service.createAlias(try request(#"{"AliasName": "alias/late", "TargetKeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        }
        // Reads and policy writes still work.
        _ = try await h.service.putKeyPolicy(
            try request(#"{"KeyId": "\#(key.keyID)", "Policy": \#(jsonEscaped(rootPolicy(sid: "late"))), "BypassPolicyLockoutSafetyCheck": true}"#), caller: Fixtures.caller)
        _ = try await h.service.listResourceTags(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
    }

    @Test func updateKeyDescriptionChangesTheDescription() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey(#"{"Description": "old"}"#)
        _ = try await h.service.updateKeyDescription(try request(#"{"KeyId": "\#(key.arn)", "Description": "new"}"#), caller: Fixtures.caller)
        #expect(try await h.service.describeKey(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller).keyMetadata.description == "new")
    }

    @Test func listKeysPagesInKeyIDOrder() async throws {
        let h = ServiceHarness()
        var created: [String] = []
        for _ in 0..<5 { created.append(try await h.createKey().keyID) }
        var seen: [String] = []
        var marker: String?
        var pages = 0
        repeat {
            let markerJSON = marker.map { #", "Marker": "\#($0)""# } ?? ""
            let page = try await h.service.listKeys(try request(#"{"Limit": 2\#(markerJSON)}"#), caller: Fixtures.caller)
            pages += 1
            #expect(page.keys.count == (pages < 3 ? 2 : 1))
            #expect(page.truncated == (pages < 3))
            #expect((page.nextMarker != nil) == page.truncated)
            for entry in page.keys { #expect(entry.keyARN == Fixtures.scope.keyARN(KeyID(entry.keyID)!)) }
            seen += page.keys.map(\.keyID)
            marker = page.nextMarker
        } while marker != nil && pages < 10
        #expect(pages == 3)
        #expect(seen == created.sorted())
    }

    @Test func listKeysDefaultsToAllKeysAndRejectsBadMarkers() async throws {
        let h = ServiceHarness()
        for _ in 0..<3 { _ = try await h.createKey() }
        let all = try await h.service.listKeys(try request("{}"), caller: Fixtures.caller)
        #expect(all.keys.count == 3)
        #expect(!all.truncated)
        #expect(all.nextMarker == nil)
        await expectKMSError(.invalidMarker) {
            _ = try await h.service.listKeys(try request(#"{"Marker": "garbage"}"#), caller: Fixtures.caller)
        }
    }
}

@Suite struct AliasOperationTests {
    func harnessWithKey(_ json: String = "{}") async throws -> (ServiceHarness, KeyMetadata) {
        let h = ServiceHarness()
        return (h, try await h.createKey(json))
    }

    func createAlias(_ h: ServiceHarness, _ name: String, _ target: String, caller: Caller = Fixtures.caller) async throws {
        _ = try await h.service.createAlias(try request(#"{"AliasName": "\#(name)", "TargetKeyId": "\#(target)"}"#), caller: caller)
    }

    @Test func duplicateAliasIsAlreadyExists() async throws {
        let (h, key) = try await harnessWithKey()
        try await createAlias(h, "alias/app", key.keyID)
        await expectKMSError(.alreadyExists, message: "An alias with the name arn:aws:kms:us-east-1:111122223333:alias/app already exists") {
            try await createAlias(h, "alias/app", key.keyID)
        }
    }

    @Test(arguments: ["alias/aws/s3", "alias/aws/my-key"])
    func reservedAliasIsNotAuthorized(_ name: String) async throws {
        let (h, key) = try await harnessWithKey()
        await expectKMSError(.notAuthorized, message: "") { try await createAlias(h, name, key.keyID) }
    }

    @Test func aColonInAnAliasNameIsInvalid() async throws {
        let (h, key) = try await harnessWithKey()
        await expectKMSError(.validation, message: "alias/my:alias contains invalid characters for an alias") {
            try await createAlias(h, "alias/my:alias", key.keyID)
        }
    }

    @Test func aliasWithoutPrefixIsAValidationException() async throws {
        let (h, key) = try await harnessWithKey()
        await expectKMSError(.validation) { try await createAlias(h, "app", key.keyID) }
    }

    @Test func aliasToAnUnknownKeyIsNotFound() async throws {
        let (h, _) = try await harnessWithKey()
        await expectKMSError(.notFound) { try await createAlias(h, "alias/x", "1234abcd-12ab-34cd-56ef-1234567890ab") }
    }

    @Test func updateAliasRetargetsToAKeyOfTheSameType() async throws {
        let (h, first) = try await harnessWithKey()
        let second = try await h.createKey()
        try await createAlias(h, "alias/app", first.keyID)
        h.clock.advance(by: 60)
        _ = try await h.service.updateAlias(try request(#"{"AliasName": "alias/app", "TargetKeyId": "\#(second.keyID)"}"#), caller: Fixtures.caller)
        let resolved = try await h.service.describeKey(try request(#"{"KeyId": "alias/app"}"#), caller: Fixtures.caller)
        #expect(resolved.keyMetadata.keyID == second.keyID)
        let listed = try await h.service.listAliases(try request("{}"), caller: Fixtures.caller).aliases
        #expect(listed.first?.creationDate == Fixtures.epoch)
        #expect(listed.first?.lastUpdatedDate == Fixtures.epoch.addingTimeInterval(60))
    }

    @Test(arguments: [
        #"{"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}"#,
        #"{"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}"#,
        #"{"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}"#,
    ])
    func updateAliasToAKeyOfAnotherTypeIsAValidationException(_ otherKey: String) async throws {
        let (h, symmetric) = try await harnessWithKey()
        let other = try await h.createKey(otherKey)
        try await createAlias(h, "alias/app", symmetric.keyID)
        await expectKMSError(.validation) {
            _ = try await h.service.updateAlias(try request(#"{"AliasName": "alias/app", "TargetKeyId": "\#(other.keyID)"}"#), caller: Fixtures.caller)
        }
        let resolved = try await h.service.describeKey(try request(#"{"KeyId": "alias/app"}"#), caller: Fixtures.caller)
        #expect(resolved.keyMetadata.keyID == symmetric.keyID)
    }

    @Test func updateAliasWithSameTypeButOtherUsageIsAValidationException() async throws {
        let (h, signing) = try await harnessWithKey(#"{"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"}"#)
        let encrypting = try await h.createKey(#"{"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}"#)
        try await createAlias(h, "alias/rsa", signing.keyID)
        await expectKMSError(.validation) {
            _ = try await h.service.updateAlias(try request(#"{"AliasName": "alias/rsa", "TargetKeyId": "\#(encrypting.keyID)"}"#), caller: Fixtures.caller)
        }
    }

    @Test func updateOrDeleteOfAMissingAliasIsNotFound() async throws {
        let (h, key) = try await harnessWithKey()
        let message = "Alias arn:aws:kms:us-east-1:111122223333:alias/none is not found."
        await expectKMSError(.notFound, message: message) {
            _ = try await h.service.updateAlias(try request(#"{"AliasName": "alias/none", "TargetKeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.notFound, message: message) {
            _ = try await h.service.deleteAlias(try request(#"{"AliasName": "alias/none"}"#), caller: Fixtures.caller)
        }
    }

    @Test func deleteAliasRemovesIt() async throws {
        let (h, key) = try await harnessWithKey()
        try await createAlias(h, "alias/app", key.keyID)
        _ = try await h.service.deleteAlias(try request(#"{"AliasName": "alias/app"}"#), caller: Fixtures.caller)
        #expect(try await h.service.listAliases(try request("{}"), caller: Fixtures.caller).aliases.isEmpty)
        try await createAlias(h, "alias/app", key.keyID)  // the name is free again
    }

    @Test func listAliasesPagesInNameOrderAndFiltersByKey() async throws {
        let (h, first) = try await harnessWithKey()
        let second = try await h.createKey()
        let names = ["alias/e", "alias/a", "alias/d", "alias/b", "alias/c"]
        for (index, name) in names.enumerated() {
            try await createAlias(h, name, index.isMultiple(of: 2) ? first.keyID : second.keyID)
        }
        var seen: [String] = []
        var marker: String?
        var pages = 0
        repeat {
            let markerJSON = marker.map { #", "Marker": "\#($0)""# } ?? ""
            let page = try await h.service.listAliases(try request(#"{"Limit": 2\#(markerJSON)}"#), caller: Fixtures.caller)
            pages += 1
            #expect(page.truncated == (pages < 3))
            #expect((page.nextMarker != nil) == page.truncated)
            for entry in page.aliases {
                #expect(entry.aliasARN == "arn:aws:kms:us-east-1:111122223333:\(entry.aliasName)")
            }
            seen += page.aliases.map(\.aliasName)
            marker = page.nextMarker
        } while marker != nil && pages < 10
        #expect(seen == names.sorted())

        let forFirst = try await h.service.listAliases(try request(#"{"KeyId": "\#(first.arn)"}"#), caller: Fixtures.caller)
        #expect(forFirst.aliases.map(\.aliasName) == ["alias/c", "alias/d", "alias/e"])
        #expect(forFirst.aliases.allSatisfy { $0.targetKeyID == first.keyID })
        let forSecond = try await h.service.listAliases(try request(#"{"KeyId": "\#(second.keyID)"}"#), caller: Fixtures.caller)
        #expect(forSecond.aliases.map(\.aliasName) == ["alias/a", "alias/b"])
    }

    @Test func fiftyAliasesPerKeyIsTheLimit() async throws {
        let (h, key) = try await harnessWithKey()
        for n in 0..<50 { try await createAlias(h, "alias/a\(n)", key.keyID) }
        await expectKMSError(.limitExceeded) { try await createAlias(h, "alias/a50", key.keyID) }
    }
}

@Suite struct TagOperationTests {
    func tag(_ h: ServiceHarness, _ keyID: String, _ tags: [(String, String)]) async throws {
        let list = tags.map { #"{"TagKey": "\#($0.0)", "TagValue": "\#($0.1)"}"# }.joined(separator: ",")
        _ = try await h.service.tagResource(try request(#"{"KeyId": "\#(keyID)", "Tags": [\#(list)]}"#), caller: Fixtures.caller)
    }

    func tags(_ h: ServiceHarness, _ keyID: String) async throws -> [String: String] {
        let response = try await h.service.listResourceTags(try request(#"{"KeyId": "\#(keyID)"}"#), caller: Fixtures.caller)
        return Dictionary(uniqueKeysWithValues: response.tags.map { ($0.tagKey, $0.tagValue) })
    }

    @Test func tagResourceMergesAndOverwrites() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey(#"{"Tags": [{"TagKey": "team", "TagValue": "a"}, {"TagKey": "env", "TagValue": "dev"}]}"#)
        try await tag(h, key.keyID, [("env", "prod"), ("cost", "")])
        #expect(try await tags(h, key.keyID) == ["team": "a", "env": "prod", "cost": ""])
    }

    @Test func untagResourceRemovesOnlyTheNamedKeys() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey(#"{"Tags": [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}]}"#)
        _ = try await h.service.untagResource(try request(#"{"KeyId": "\#(key.keyID)", "TagKeys": ["a", "absent"]}"#), caller: Fixtures.caller)
        #expect(try await tags(h, key.keyID) == ["b": "2"])
    }

    @Test func reservedAndDuplicateTagsAreTagExceptions() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        await expectKMSError(.tag) { try await tag(h, key.keyID, [("aws:x", "1")]) }
        await expectKMSError(.tag) { try await tag(h, key.keyID, [("a", "1"), ("a", "2")]) }
        await expectKMSError(.tag) {
            _ = try await h.service.untagResource(try request(#"{"KeyId": "\#(key.keyID)", "TagKeys": ["aws:x"]}"#), caller: Fixtures.caller)
        }
        #expect(try await tags(h, key.keyID).isEmpty)
    }

    @Test func tagLimitCountsExistingTags() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        try await tag(h, key.keyID, (0..<50).map { ("k\($0)", "v") })
        try await tag(h, key.keyID, [("k0", "overwritten")])  // overwriting does not add
        await expectKMSError(.tag) { try await tag(h, key.keyID, [("k50", "v")]) }
        #expect(try await tags(h, key.keyID).count == 50)
    }

    @Test func listResourceTagsPages() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        try await tag(h, key.keyID, (0..<5).map { ("k\($0)", "v\($0)") })
        var seen: [String] = []
        var marker: String?
        var pages = 0
        repeat {
            let markerJSON = marker.map { #", "Marker": "\#($0)""# } ?? ""
            let page = try await h.service.listResourceTags(try request(#"{"KeyId": "\#(key.keyID)", "Limit": 2\#(markerJSON)}"#), caller: Fixtures.caller)
            pages += 1
            #expect(page.tags.count == (pages < 3 ? 2 : 1))
            #expect(page.truncated == (pages < 3))
            seen += page.tags.map(\.tagKey)
            marker = page.nextMarker
        } while marker != nil && pages < 10
        #expect(seen == ["k0", "k1", "k2", "k3", "k4"])
        await expectKMSError(.invalidMarker) {
            _ = try await h.service.listResourceTags(try request(#"{"KeyId": "\#(key.keyID)", "Marker": "zz"}"#), caller: Fixtures.caller)
        }
    }
}

/// A key policy that lets the test account's root call every KMS operation.
func rootPolicy(sid: String) -> String {
    #"{"Version":"2012-10-17","Statement":[{"Sid":"\#(sid)","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#
}

@Suite struct PolicyOperationTests {
    @Test func putThenGetReturnsThePolicy() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let policy = rootPolicy(sid: "mine")
        _ = try await h.service.putKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)", "PolicyName": "default", "Policy": \#(jsonEscaped(policy))}"#), caller: Fixtures.caller)
        let fetched = try await h.service.getKeyPolicy(try request(#"{"KeyId": "\#(key.arn)", "PolicyName": "default"}"#), caller: Fixtures.caller)
        #expect(fetched.policy == policy)
    }

    @Test func listKeyPoliciesReturnsDefault() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let list = try await h.service.listKeyPolicies(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        #expect(list.policyNames == ["default"])
        #expect(!list.truncated)
    }

    @Test(arguments: ["not json", "[1, 2]", "\"a string\"", "{", ""])
    func malformedPolicyIsRejected(_ policy: String) async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        await expectKMSError(.malformedPolicyDocument) {
            _ = try await h.service.putKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)", "Policy": \#(jsonEscaped(policy))}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.malformedPolicyDocument) {
            _ = try await h.createKey(#"{"Policy": \#(jsonEscaped(policy))}"#)
        }
    }

    /// A policy letting the account root do everything, padded to exactly `size` bytes.
    static func policy(ofSize size: Int) -> String {
        let empty = rootPolicy(sid: "")
        return rootPolicy(sid: String(repeating: "x", count: size - empty.utf8.count))
    }

    @Test func policiesThatLockTheCallerOutAreRefusedUnlessBypassed() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let foreign = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"kms:*","Resource":"*"}]}"#
        await expectKMSError(.malformedPolicyDocument) {
            _ = try await h.service.putKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)", "Policy": \#(jsonEscaped(foreign))}"#), caller: Fixtures.caller)
        }
        _ = try await h.service.putKeyPolicy(
            try request(#"{"KeyId": "\#(key.keyID)", "Policy": \#(jsonEscaped(foreign)), "BypassPolicyLockoutSafetyCheck": true}"#), caller: Fixtures.caller)
        // The caller locked itself out, as on AWS: the policy is stored, and the caller may no longer read it.
        #expect(await h.store.key(KeyID(key.keyID)!, in: Fixtures.scope)?.policy == foreign)
        await expectKMSError(.accessDenied) {
            _ = try await h.service.getKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        }
    }

    @Test func policiesUpTo32768BytesAreAccepted() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let policy = Self.policy(ofSize: 32_768)
        #expect(policy.utf8.count == 32_768)
        _ = try await h.service.putKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)", "Policy": \#(jsonEscaped(policy))}"#), caller: Fixtures.caller)
        #expect(try await h.service.getKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller).policy == policy)
    }

    @Test func policiesOver32768BytesAreLimitExceeded() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let policy = Self.policy(ofSize: 32_769)
        await expectKMSError(.limitExceeded) {
            _ = try await h.service.putKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)", "Policy": \#(jsonEscaped(policy))}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.limitExceeded) { _ = try await h.createKey(#"{"Policy": \#(jsonEscaped(policy))}"#) }
    }

    @Test func policyNamesOtherThanDefaultAreRefused() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        await expectKMSError(.notFound) {
            _ = try await h.service.getKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)", "PolicyName": "other"}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.notFound) {
            _ = try await h.service.putKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)", "PolicyName": "other", "Policy": "{}"}"#), caller: Fixtures.caller)
        }
        let unchanged = try await h.service.getKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        #expect(unchanged.policy.contains("key-default-1"))
    }
}

@Suite struct GenerateRandomTests {
    @Test(arguments: [1, 16, 32, 1024])
    func returnsTheRequestedNumberOfBytes(_ count: Int) async throws {
        let h = ServiceHarness()
        let response = try await h.service.generateRandom(try request(#"{"NumberOfBytes": \#(count)}"#), caller: Fixtures.caller)
        #expect(response.plaintext.count == count)
    }

    @Test func successiveCallsDiffer() async throws {
        let h = ServiceHarness()
        let a = try await h.service.generateRandom(try request(#"{"NumberOfBytes": 32}"#), caller: Fixtures.caller)
        let b = try await h.service.generateRandom(try request(#"{"NumberOfBytes": 32}"#), caller: Fixtures.caller)
        #expect(a.plaintext != b.plaintext)
    }

    @Test func missingNumberOfBytesIsAValidationException() async {
        let h = ServiceHarness()
        await expectKMSError(.validation, message: "NumberOfBytes is required.") {
            _ = try await h.service.generateRandom(try request("{}"), caller: Fixtures.caller)
        }
    }

    @Test func customKeyStoreAndRecipientAreRefused() async {
        let h = ServiceHarness()
        await expectKMSError(.customKeyStoreNotFound) {
            _ = try await h.service.generateRandom(try request(#"{"NumberOfBytes": 8, "CustomKeyStoreId": "cks-1"}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.unsupportedOperation) {
            _ = try await h.service.generateRandom(
                try request(#"{"NumberOfBytes": 8, "Recipient": {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256"}}"#), caller: Fixtures.caller)
        }
    }
}

@Suite struct ScopeIsolationTests {
    static let foreignCallers: [Caller] = [
        Fixtures.caller(in: Fixtures.otherRegion),
        Fixtures.caller(in: Fixtures.otherAccountScope),
    ]

    @Test(arguments: foreignCallers)
    func keysAreInvisibleFromAnotherScope(_ foreign: Caller) async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        _ = try await h.service.createAlias(try request(#"{"AliasName": "alias/app", "TargetKeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        // Another Region never sees the key; another account resolves IDs and alias names in its own scope, and names
        // the key by ARN only to be denied (the default key policy allows the owning account alone).
        let otherAccount = foreign.scope.region == Fixtures.scope.region
        for identifier in [key.keyID, key.arn, "alias/app", Fixtures.scope.aliasARN(AliasName("alias/app")!)] {
            let byARN = identifier.hasPrefix("arn:")
            await expectKMSError(otherAccount && byARN ? .accessDenied : .notFound) {
                _ = try await h.service.describeKey(try request(#"{"KeyId": "\#(identifier)"}"#), caller: foreign)
            }
        }
        await expectKMSError(otherAccount ? .accessDenied : .notFound) {
            _ = try await h.service.disableKey(try request(#"{"KeyId": "\#(key.arn)"}"#), caller: foreign)
        }
        await expectKMSError(.notFound) {
            _ = try await h.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: foreign)
        }
        #expect(try await h.service.listKeys(try request("{}"), caller: foreign).keys.isEmpty)
        #expect(try await h.service.listAliases(try request("{}"), caller: foreign).aliases.isEmpty)
        // Untouched in its own scope.
        #expect(try await h.service.describeKey(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller).keyMetadata.keyState == .enabled)
    }

    @Test func aForeignKeyARNDoesNotReachTheKeyFromTheCallersScope() async throws {
        let h = ServiceHarness()
        let westCaller = Fixtures.caller(in: Fixtures.otherRegion)
        let west = try await h.createKey(caller: westCaller)
        #expect(west.arn.contains(":us-west-2:"))
        // An east caller names the west key by its ARN: the key exists, but not in the caller's scope.
        await expectKMSError(.notFound) {
            _ = try await h.service.describeKey(try request(#"{"KeyId": "\#(west.arn)"}"#), caller: Fixtures.caller)
        }
        // Same key ID under an east ARN is also unknown.
        await expectKMSError(.notFound) {
            _ = try await h.service.describeKey(try request(#"{"KeyId": "\#(Fixtures.scope.keyARN(KeyID(west.keyID)!))"}"#), caller: Fixtures.caller)
        }
    }

    @Test func aliasNamesAreIndependentPerScope() async throws {
        let h = ServiceHarness()
        let westCaller = Fixtures.caller(in: Fixtures.otherRegion)
        let east = try await h.createKey()
        let west = try await h.createKey(caller: westCaller)
        _ = try await h.service.createAlias(try request(#"{"AliasName": "alias/same", "TargetKeyId": "\#(east.keyID)"}"#), caller: Fixtures.caller)
        _ = try await h.service.createAlias(try request(#"{"AliasName": "alias/same", "TargetKeyId": "\#(west.keyID)"}"#), caller: westCaller)
        #expect(try await h.service.describeKey(try request(#"{"KeyId": "alias/same"}"#), caller: westCaller).keyMetadata.keyID == west.keyID)
        #expect(try await h.service.describeKey(try request(#"{"KeyId": "alias/same"}"#), caller: Fixtures.caller).keyMetadata.keyID == east.keyID)
        // An alias cannot point at a key of another scope.
        await expectKMSError(.notFound) {
            _ = try await h.service.createAlias(try request(#"{"AliasName": "alias/cross", "TargetKeyId": "\#(west.arn)"}"#), caller: Fixtures.caller)
        }
    }
}
