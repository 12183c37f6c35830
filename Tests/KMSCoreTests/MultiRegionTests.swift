import Foundation
import KMSTesting
import Testing

@testable import KMSCore

/// Multi-Region keys at the service level (spec authorization-and-wave2.md §2, import spec §7).
@Suite struct MultiRegionTests {
    static let east = Fixtures.scope
    static let west = Scope(accountID: Fixtures.account, region: "eu-west-1")
    static let south = Scope(accountID: Fixtures.account, region: "ap-south-1")
    var eastCaller: Caller { Fixtures.caller(in: Self.east) }
    var westCaller: Caller { Fixtures.caller(in: Self.west) }

    func replicate(_ harness: ServiceHarness, _ id: String, to region: String, extra: String = "") async throws -> ReplicateKeyResponse {
        try await harness.service.replicateKey(try request(#"{"KeyId": "\#(id)", "ReplicaRegion": "\#(region)"\#(extra)}"#), caller: eastCaller)
    }

    func describe(_ harness: ServiceHarness, _ id: String, as caller: Caller) async throws -> KeyMetadata {
        try await harness.service.describeKey(try request(#"{"KeyId": "\#(id)"}"#), caller: caller).keyMetadata
    }

    @Test func aReplicaSharesIDAndMaterialAndEveryRegionShowsTheSameConfiguration() async throws {
        let harness = ServiceHarness()
        let primary = try await harness.createKey(#"{"MultiRegion": true, "Description": "p"}"#, caller: eastCaller)
        let response = try await replicate(harness, primary.keyID, to: "eu-west-1", extra: #", "Description": "r", "Tags": [{"TagKey": "t", "TagValue": "v"}]"#)
        let shown = response.replicaKeyMetadata
        #expect(shown.keyID == primary.keyID && shown.arn == Self.west.keyARN(KeyID(primary.keyID)!))
        #expect(shown.keyState == .creating && !shown.enabled && shown.currentKeyMaterialID == nil && shown.description == "r")
        #expect(response.replicaTags == [WireTag(tagKey: "t", tagValue: "v")])
        #expect(response.replicaPolicy.contains("arn:aws:iam::\(Fixtures.account):root"))
        let fromWest = try await describe(harness, primary.keyID, as: westCaller)
        let fromEast = try await describe(harness, primary.keyID, as: eastCaller)
        #expect(fromWest.keyState == .enabled && fromWest.currentKeyMaterialID == primary.currentKeyMaterialID)
        #expect(fromWest.multiRegionConfiguration?.multiRegionKeyType == .replica)
        #expect(fromEast.multiRegionConfiguration?.multiRegionKeyType == .primary)
        #expect(fromWest.multiRegionConfiguration?.primaryKey == fromEast.multiRegionConfiguration?.primaryKey)
        #expect(fromWest.multiRegionConfiguration?.replicaKeys == fromEast.multiRegionConfiguration?.replicaKeys)
        #expect(fromEast.multiRegionConfiguration?.replicaKeys.map(\.region) == ["eu-west-1"])
        #expect(fromEast.description == "p")
        // Encrypt under the primary, decrypt under the replica.
        let blob = try await harness.service.encrypt(try request(#"{"KeyId": "\#(primary.keyID)", "Plaintext": "AQID"}"#), caller: eastCaller)
        let plain = try await harness.service.decrypt(try request(#"{"CiphertextBlob": "\#(blob.ciphertextBlob.base64EncodedString())"}"#), caller: westCaller)
        #expect(plain.plaintext == Data([1, 2, 3]))
    }

    @Test func replicationErrorsAreAWSs() async throws {
        let harness = ServiceHarness()
        let single = try await harness.createKey("{}", caller: eastCaller)
        await expectKMSError(.unsupportedOperation, message: "\(single.arn) is not a multi-region primary key.") {
            _ = try await replicate(harness, single.keyID, to: "eu-west-1")
        }
        let primary = try await harness.createKey(#"{"MultiRegion": true}"#, caller: eastCaller)
        _ = try await replicate(harness, primary.keyID, to: "eu-west-1")
        await expectKMSError(.alreadyExists) { _ = try await replicate(harness, primary.keyID, to: "eu-west-1") }
        await expectKMSError(.validation) { _ = try await replicate(harness, primary.keyID, to: "us-east-1") }
        await expectKMSError(.validation) { _ = try await replicate(harness, primary.keyID, to: "cn-north-1") }
        let replicaARN = Self.west.keyARN(KeyID(primary.keyID)!)
        await expectKMSError(.unsupportedOperation, message: "\(replicaARN) is not a multi-region primary key.") {
            _ = try await harness.service.replicateKey(try request(#"{"KeyId": "\#(primary.keyID)", "ReplicaRegion": "ap-south-1"}"#), caller: westCaller)
        }
        _ = try await harness.service.disableKey(try request(#"{"KeyId": "\#(primary.keyID)"}"#), caller: eastCaller)
        await expectKMSError(.disabled) { _ = try await replicate(harness, primary.keyID, to: "ap-south-1") }
    }

    @Test func updatePrimaryRegionSwapsRolesAndOtherReplicasFollow() async throws {
        let harness = ServiceHarness()
        let primary = try await harness.createKey(#"{"MultiRegion": true}"#, caller: eastCaller)
        _ = try await replicate(harness, primary.keyID, to: "eu-west-1")
        _ = try await replicate(harness, primary.keyID, to: "ap-south-1")
        _ = try await harness.service.updatePrimaryRegion(
            try request(#"{"KeyId": "\#(primary.keyID)", "PrimaryRegion": "eu-west-1"}"#), caller: eastCaller
        )
        for scope in [Self.east, Self.west, Self.south] {
            let configuration = try #require(try await describe(harness, primary.keyID, as: Fixtures.caller(in: scope)).multiRegionConfiguration)
            #expect(configuration.primaryKey.region == "eu-west-1")
            #expect(configuration.multiRegionKeyType == (scope == Self.west ? .primary : .replica))
            #expect(Set(configuration.replicaKeys.map(\.region)) == ["us-east-1", "ap-south-1"])
        }
        // The old primary is now a replica: it cannot replicate or be made primary from there.
        await expectKMSError(.unsupportedOperation) { _ = try await replicate(harness, primary.keyID, to: "us-west-2") }
        await expectKMSError(.notFound) {
            _ = try await harness.service.updatePrimaryRegion(
                try request(#"{"KeyId": "\#(primary.keyID)", "PrimaryRegion": "us-west-2"}"#), caller: westCaller
            )
        }
    }

    @Test func aPrimaryWithReplicasWaitsForTheirDeletion() async throws {
        let harness = ServiceHarness()
        let primary = try await harness.createKey(#"{"MultiRegion": true}"#, caller: eastCaller)
        _ = try await replicate(harness, primary.keyID, to: "eu-west-1")
        let scheduled = try await harness.service.scheduleKeyDeletion(
            try request(#"{"KeyId": "\#(primary.keyID)", "PendingWindowInDays": 7}"#), caller: eastCaller
        )
        #expect(scheduled.keyState == .pendingReplicaDeletion && scheduled.deletionDate == nil && scheduled.pendingWindowInDays == 7)
        let waiting = try await describe(harness, primary.keyID, as: eastCaller)
        #expect(waiting.keyState == .pendingReplicaDeletion && waiting.deletionDate == nil && waiting.pendingDeletionWindowInDays == 7)
        await expectKMSError(.kmsInvalidState, message: "\(primary.arn) is pending replica deletion.") {
            _ = try await harness.service.encrypt(try request(#"{"KeyId": "\#(primary.keyID)", "Plaintext": "AA=="}"#), caller: eastCaller)
        }
        _ = try await harness.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(primary.keyID)", "PendingWindowInDays": 30}"#), caller: westCaller)
        harness.clock.advance(by: 30 * 86_400)
        #expect(try await harness.service.purgeDueKeys() == 1)
        let started = try await describe(harness, primary.keyID, as: eastCaller)
        #expect(started.keyState == .pendingDeletion && started.deletionDate == harness.clock.now().addingTimeInterval(7 * 86_400))
        harness.clock.advance(by: 7 * 86_400)
        #expect(try await harness.service.purgeDueKeys() == 1)
        await expectKMSError(.notFound) { _ = try await describe(harness, primary.keyID, as: eastCaller) }
    }

    @Test func rotationIsSetOnThePrimaryAndReachesEveryReplica() async throws {
        let harness = ServiceHarness()
        let primary = try await harness.createKey(#"{"MultiRegion": true}"#, caller: eastCaller)
        _ = try await replicate(harness, primary.keyID, to: "eu-west-1")
        await expectKMSError(.unsupportedOperation) {
            _ = try await harness.service.enableKeyRotation(try request(#"{"KeyId": "\#(primary.keyID)"}"#), caller: westCaller)
        }
        _ = try await harness.service.enableKeyRotation(try request(#"{"KeyId": "\#(primary.keyID)", "RotationPeriodInDays": 90}"#), caller: eastCaller)
        let replicaStatus = try await harness.service.getKeyRotationStatus(try request(#"{"KeyId": "\#(primary.keyID)"}"#), caller: westCaller)
        #expect(replicaStatus.keyRotationEnabled && replicaStatus.rotationPeriodInDays == 90)
        _ = try await harness.service.rotateKeyOnDemand(try request(#"{"KeyId": "\#(primary.keyID)"}"#), caller: eastCaller)
        harness.clock.advance(by: 90 * 86_400)
        #expect(try await harness.service.rotateDueKeys() == 1)
        let east = try await describe(harness, primary.keyID, as: eastCaller)
        let west = try await describe(harness, primary.keyID, as: westCaller)
        #expect(east.currentKeyMaterialID == west.currentKeyMaterialID && east.currentKeyMaterialID != primary.currentKeyMaterialID)
        let blob = try await harness.service.encrypt(try request(#"{"KeyId": "\#(primary.keyID)", "Plaintext": "AQID"}"#), caller: eastCaller)
        let plain = try await harness.service.decrypt(try request(#"{"CiphertextBlob": "\#(blob.ciphertextBlob.base64EncodedString())"}"#), caller: westCaller)
        #expect(plain.keyMaterialID == east.currentKeyMaterialID)
        let rotations = try await harness.service.listKeyRotations(try request(#"{"KeyId": "\#(primary.keyID)"}"#), caller: westCaller).rotations
        #expect(rotations.map(\.rotationType) == [.onDemand, .automatic])
    }
}

/// Imported material in multi-Region keys (import spec §7): each Region imports the same material itself.
extension MultiRegionTests {
    static let materialA = [UInt8](repeating: 0xA1, count: 32)
    static let materialB = [UInt8](repeating: 0xB2, count: 32)
    static let materialC = [UInt8](repeating: 0xC3, count: 32)

    @discardableResult
    func importMaterial(
        _ harness: ServiceHarness, _ keyID: String, _ material: [UInt8], caller: Caller, importType: ImportType? = nil
    ) async throws -> ImportKeyMaterialResponse {
        let parameters = try await harness.service.getParametersForImport(
            GetParametersForImportRequest(keyID: keyID, wrappingAlgorithm: .rsaesOAEPSHA256, wrappingKeySpec: .rsa2048), caller: caller
        )
        let encrypted = try ImportWrapping.wrap(material: material, publicKeyDER: Array(parameters.publicKey), algorithm: .rsaesOAEPSHA256)
        return try await harness.service.importKeyMaterial(
            ImportKeyMaterialRequest(
                keyID: keyID, importToken: parameters.importToken, encryptedKeyMaterial: Data(encrypted), validTo: nil,
                expirationModel: .keyMaterialDoesNotExpire, importType: importType, keyMaterialID: nil
            ),
            caller: caller
        )
    }

    @Test func eachRegionImportsTheSameMaterialAndNewMaterialWaitsForEveryReplica() async throws {
        let harness = ServiceHarness()
        let primary = try await harness.createKey(#"{"MultiRegion": true, "Origin": "EXTERNAL"}"#, caller: eastCaller)
        await expectKMSError(.kmsInvalidState) { _ = try await replicate(harness, primary.keyID, to: "eu-west-1") }
        let first = try await importMaterial(harness, primary.keyID, Self.materialA, caller: eastCaller)
        _ = try await replicate(harness, primary.keyID, to: "eu-west-1")
        #expect(try await describe(harness, primary.keyID, as: westCaller).keyState == .pendingImport)
        // Different material is refused and leaves nothing in the replica.
        await expectKMSError(.incorrectKeyMaterial) { try await importMaterial(harness, primary.keyID, Self.materialB, caller: westCaller) }
        #expect(try await describe(harness, primary.keyID, as: westCaller).keyState == .pendingImport)
        #expect(await harness.store.sealedMaterials(keyID: KeyID(primary.keyID)!, in: Self.west).isEmpty)
        try await importMaterial(harness, primary.keyID, Self.materialA, caller: westCaller)
        let west = try await describe(harness, primary.keyID, as: westCaller)
        #expect(west.keyState == .enabled && west.currentKeyMaterialID == first.keyMaterialID)
        let blob = try await harness.service.encrypt(try request(#"{"KeyId": "\#(primary.keyID)", "Plaintext": "AQID"}"#), caller: westCaller)
        #expect(try await harness.service.decrypt(try request(#"{"CiphertextBlob": "\#(blob.ciphertextBlob.base64EncodedString())"}"#), caller: eastCaller).plaintext == Data([1, 2, 3]))
        // Only the primary brings new material; it waits until the replica imported it too.
        await expectKMSError(.unsupportedOperation) {
            try await importMaterial(harness, primary.keyID, Self.materialC, caller: westCaller, importType: .newKeyMaterial)
        }
        let new = try await importMaterial(harness, primary.keyID, Self.materialB, caller: eastCaller, importType: .newKeyMaterial)
        func state(_ caller: Caller) async throws -> MaterialInfo.State? {
            try await harness.service.listKeyRotations(
                ListKeyRotationsRequest(keyID: primary.keyID, includeKeyMaterial: .all), caller: caller
            ).rotations.first { $0.keyMaterialID == new.keyMaterialID }?.keyMaterialState
        }
        #expect(try await state(eastCaller) == .pendingMultiRegionImportAndRotation)
        #expect(try await state(westCaller) == .pendingMultiRegionImportAndRotation)
        await expectKMSError(.kmsInvalidState) {
            _ = try await harness.service.rotateKeyOnDemand(try request(#"{"KeyId": "\#(primary.keyID)"}"#), caller: eastCaller)
        }
        try await importMaterial(harness, primary.keyID, Self.materialB, caller: westCaller)
        #expect(try await state(eastCaller) == .pendingRotation)
        #expect(try await state(westCaller) == .pendingRotation)
        _ = try await harness.service.rotateKeyOnDemand(try request(#"{"KeyId": "\#(primary.keyID)"}"#), caller: eastCaller)
        #expect(try await describe(harness, primary.keyID, as: westCaller).currentKeyMaterialID == new.keyMaterialID)
        #expect(try await describe(harness, primary.keyID, as: eastCaller).currentKeyMaterialID == new.keyMaterialID)
    }
}
