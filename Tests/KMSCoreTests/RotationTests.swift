import Foundation
import KMSTesting
import Testing

@testable import KMSCore

/// Automatic rotation with a fixed clock (spec authorization-and-wave2.md §3.1–3.3, import spec §8 and §10.2).
@Suite struct RotationTests {
    static let day: TimeInterval = 86_400

    func status(_ harness: ServiceHarness, _ id: String) async throws -> GetKeyRotationStatusResponse {
        try await harness.service.getKeyRotationStatus(try request(#"{"KeyId": "\#(id)"}"#), caller: Fixtures.caller)
    }

    func enable(_ harness: ServiceHarness, _ id: String, period: Int? = nil) async throws {
        let field = period.map { #", "RotationPeriodInDays": \#($0)"# } ?? ""
        _ = try await harness.service.enableKeyRotation(try request(#"{"KeyId": "\#(id)"\#(field)}"#), caller: Fixtures.caller)
    }

    func rotations(_ harness: ServiceHarness, _ id: String) async throws -> [ListKeyRotationsResponse.Entry] {
        try await harness.service.listKeyRotations(try request(#"{"KeyId": "\#(id)"}"#), caller: Fixtures.caller).rotations
    }

    @Test func enablingReportsThePeriodAndNextDateOnlyWhileEnabled() async throws {
        let harness = ServiceHarness()
        let key = try await harness.createKey()
        var reported = try await status(harness, key.keyID)
        #expect(!reported.keyRotationEnabled && reported.rotationPeriodInDays == nil && reported.nextRotationDate == nil)
        #expect(reported.keyID == key.keyID)
        try await enable(harness, key.keyID)
        reported = try await status(harness, key.keyID)
        #expect(reported.keyRotationEnabled && reported.rotationPeriodInDays == 365)
        #expect(reported.nextRotationDate == Fixtures.epoch.addingTimeInterval(365 * Self.day))
        _ = try await harness.service.disableKeyRotation(try request(#"{"KeyId": "\#(key.arn)"}"#), caller: Fixtures.caller)
        reported = try await status(harness, key.arn)
        #expect(!reported.keyRotationEnabled && reported.rotationPeriodInDays == nil && reported.nextRotationDate == nil)
    }

    @Test func aNewPeriodCountsFromTheEnablingAndNeverLiesInThePast() async throws {
        let harness = ServiceHarness()
        let key = try await harness.createKey()
        try await enable(harness, key.keyID, period: 180)
        harness.clock.advance(by: 30 * Self.day)
        try await enable(harness, key.keyID, period: 90)
        #expect(try await status(harness, key.keyID).nextRotationDate == Fixtures.epoch.addingTimeInterval(90 * Self.day))
        harness.clock.advance(by: 100 * Self.day)
        try await enable(harness, key.keyID, period: 90)
        #expect(try await status(harness, key.keyID).nextRotationDate == harness.clock.now())
        // Without a period, the period is the default again (the model's "If no value is specified, ... 365 days").
        try await enable(harness, key.keyID)
        #expect(try await status(harness, key.keyID).rotationPeriodInDays == 365)
    }

    @Test(arguments: [89, 2561, 0, -1])
    func periodsOutOfRangeAreValidationErrors(_ period: Int) async throws {
        let harness = ServiceHarness()
        let key = try await harness.createKey()
        await expectKMSError(.validation) { try await enable(harness, key.keyID, period: period) }
        #expect(try await status(harness, key.keyID).keyRotationEnabled == false)
    }

    @Test func onlySymmetricAWSKMSKeysRotateAutomatically() async throws {
        let harness = ServiceHarness()
        for json in [#"{"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}"#, #"{"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}"#] {
            let key = try await harness.createKey(json)
            await expectKMSError(.unsupportedOperation) { try await enable(harness, key.keyID) }
            await expectKMSError(.unsupportedOperation) {
                _ = try await harness.service.disableKeyRotation(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
            }
            await expectKMSError(.unsupportedOperation) { _ = try await status(harness, key.keyID) }
        }
        let external = try await harness.createKey(#"{"Origin": "EXTERNAL"}"#)
        let u6 = "\(external.arn) origin is EXTERNAL which is not valid for this operation."
        await expectKMSError(.unsupportedOperation, message: u6) { try await enable(harness, external.keyID) }
        await expectKMSError(.unsupportedOperation, message: u6) { _ = try await status(harness, external.keyID) }
        await expectKMSError(.notFound) { try await enable(harness, "alias/none") }
    }

    @Test func disabledAndPendingDeletionKeysFollowTheKeyStateTable() async throws {
        let harness = ServiceHarness()
        let key = try await harness.createKey()
        try await enable(harness, key.keyID, period: 90)
        _ = try await harness.service.disableKey(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        await expectKMSError(.disabled, message: "\(key.arn) is disabled.") { try await enable(harness, key.keyID) }
        #expect(try await status(harness, key.keyID).keyRotationEnabled)
        _ = try await harness.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(key.keyID)", "PendingWindowInDays": 7}"#), caller: Fixtures.caller)
        await expectKMSError(.kmsInvalidState, message: "\(key.arn) is pending deletion.") { try await enable(harness, key.keyID) }
        #expect(try await status(harness, key.keyID).keyRotationEnabled == false)
        _ = try await harness.service.cancelKeyDeletion(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        let restored = try await status(harness, key.keyID)
        #expect(restored.keyRotationEnabled && restored.rotationPeriodInDays == 90)
    }

    @Test func dueKeysRotateAutomaticallyAndOldCiphertextsStillDecrypt() async throws {
        let harness = ServiceHarness()
        let key = try await harness.createKey()
        let blob = try await harness.service.encrypt(try request(#"{"KeyId": "\#(key.keyID)", "Plaintext": "AAEC"}"#), caller: Fixtures.caller)
        try await enable(harness, key.keyID, period: 90)
        harness.clock.advance(by: 89 * Self.day)
        #expect(try await harness.service.rotateDueKeys() == 0)
        harness.clock.advance(by: 1 * Self.day)
        #expect(try await harness.service.rotateDueKeys() == 1)
        #expect(try await harness.service.rotateDueKeys() == 0)
        let listed = try await rotations(harness, key.keyID)
        #expect(listed.count == 1 && listed[0].rotationType == .automatic && listed[0].rotationDate == harness.clock.now())
        let described = try await harness.service.describeKey(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller).keyMetadata
        #expect(described.currentKeyMaterialID == listed[0].keyMaterialID)
        #expect(described.currentKeyMaterialID != key.currentKeyMaterialID)
        #expect(try await status(harness, key.keyID).nextRotationDate == harness.clock.now().addingTimeInterval(90 * Self.day))
        let decrypted = try await harness.service.decrypt(
            try request(#"{"CiphertextBlob": "\#(blob.ciphertextBlob.base64EncodedString())"}"#), caller: Fixtures.caller
        )
        #expect(decrypted.plaintext == Data([0, 1, 2]) && decrypted.keyMaterialID == key.currentKeyMaterialID)
    }

    @Test func onDemandRotationsDoNotMoveTheSchedule() async throws {
        let harness = ServiceHarness()
        let key = try await harness.createKey()
        try await enable(harness, key.keyID, period: 90)
        harness.clock.advance(by: 10 * Self.day)
        _ = try await harness.service.rotateKeyOnDemand(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        #expect(try await status(harness, key.keyID).nextRotationDate == Fixtures.epoch.addingTimeInterval(90 * Self.day))
        harness.clock.advance(by: 80 * Self.day)
        #expect(try await harness.service.rotateDueKeys() == 1)
        #expect(try await rotations(harness, key.keyID).map(\.rotationType) == [.onDemand, .automatic])
    }

    @Test func disabledKeysWaitAndCatchUpWhenEnabled() async throws {
        let harness = ServiceHarness()
        let key = try await harness.createKey()
        try await enable(harness, key.keyID, period: 90)
        _ = try await harness.service.disableKey(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        harness.clock.advance(by: 200 * Self.day)
        #expect(try await harness.service.rotateDueKeys() == 0)
        _ = try await harness.service.enableKey(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        #expect(try await harness.service.rotateDueKeys() == 1)
        #expect(try await status(harness, key.keyID).nextRotationDate == harness.clock.now().addingTimeInterval(90 * Self.day))
        // A key pending deletion is not rotated either.
        _ = try await harness.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        harness.clock.advance(by: 95 * Self.day)
        #expect(try await harness.service.rotateDueKeys() == 0)
    }
}
