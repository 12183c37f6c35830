import Foundation
import KMSTesting
import Testing

@testable import KMSCore

/// GetKeyLastUsage (spec authorization-and-wave2.md §3.4): successful cryptographic operations only, written behind.
@Suite struct KeyLastUsageTests {
    func lastUsage(_ harness: ServiceHarness, _ id: String) async throws -> GetKeyLastUsageResponse {
        try await harness.service.getKeyLastUsage(try request(#"{"KeyId": "\#(id)"}"#), caller: Fixtures.caller)
    }

    func caller(_ requestID: String) -> Caller {
        var caller = Fixtures.caller
        caller.requestID = requestID
        return caller
    }

    @Test func countedOperationsAreRecordedWithTheirRequestAndShownBeforeAndAfterTheFlush() async throws {
        let harness = ServiceHarness()
        let key = try await harness.createKey()
        var usage = try await lastUsage(harness, key.keyID)
        #expect(usage.keyLastUsage == nil && usage.keyID == key.keyID && usage.keyCreationDate == key.creationDate)
        #expect(usage.trackingStartDate == key.creationDate)
        harness.clock.advance(by: 5)
        let blob = try await harness.service.encrypt(try request(#"{"KeyId": "\#(key.keyID)", "Plaintext": "AA=="}"#), caller: caller("req-1"))
        usage = try await lastUsage(harness, key.arn)
        #expect(usage.keyLastUsage?.operation == .encrypt && usage.keyLastUsage?.kmsRequestID == "req-1")
        #expect(usage.keyLastUsage?.timestamp == harness.clock.now())
        #expect(usage.keyLastUsage?.cloudTrailEventID == UsageRecorder.eventID(forRequest: "req-1"))
        #expect(try await harness.service.flushUsage() == 1)
        #expect(try await harness.service.flushUsage() == 0)
        #expect(await harness.store.usage(of: KeyID(key.keyID)!, in: Fixtures.scope)?.requestID == "req-1")
        harness.clock.advance(by: 5)
        _ = try await harness.service.decrypt(try request(#"{"CiphertextBlob": "\#(blob.ciphertextBlob.base64EncodedString())"}"#), caller: caller("req-2"))
        #expect(try await lastUsage(harness, key.keyID).keyLastUsage?.operation == .decrypt)
        // Not counted: DescribeKey, a DryRun, failed calls.
        _ = try await harness.service.describeKey(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: caller("req-3"))
        await expectKMSError(.dryRunOperation) {
            _ = try await harness.service.encrypt(try request(#"{"KeyId": "\#(key.keyID)", "Plaintext": "AA==", "DryRun": true}"#), caller: caller("req-4"))
        }
        await expectKMSError(.invalidCiphertext) {
            _ = try await harness.service.decrypt(try request(#"{"CiphertextBlob": "\#(blob.ciphertextBlob.base64EncodedString())", "EncryptionContext": {"a": "b"}}"#), caller: caller("req-5"))
        }
        #expect(try await lastUsage(harness, key.keyID).keyLastUsage?.kmsRequestID == "req-2")
        await expectKMSError(.notFound) { _ = try await lastUsage(harness, "alias/anything") }
    }

    @Test func reEncryptCountsForBothKeysAndAFailedVerifyForNeither() async throws {
        let harness = ServiceHarness()
        let source = try await harness.createKey()
        let destination = try await harness.createKey()
        let blob = try await harness.service.encrypt(try request(#"{"KeyId": "\#(source.keyID)", "Plaintext": "AA=="}"#), caller: caller("e"))
        _ = try await harness.service.reEncrypt(
            try request(#"{"CiphertextBlob": "\#(blob.ciphertextBlob.base64EncodedString())", "DestinationKeyId": "\#(destination.keyID)"}"#),
            caller: caller("re")
        )
        for id in [source.keyID, destination.keyID] {
            let usage = try await lastUsage(harness, id).keyLastUsage
            #expect(usage?.operation == .reEncrypt && usage?.kmsRequestID == "re")
        }
        let signer = try await harness.createKey(#"{"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}"#)
        let signed = try await harness.service.sign(
            try request(#"{"KeyId": "\#(signer.keyID)", "Message": "AA==", "SigningAlgorithm": "ECDSA_SHA_256"}"#), caller: caller("s")
        )
        await expectKMSError(.kmsInvalidSignature) {
            _ = try await harness.service.verify(
                try request(#"{"KeyId": "\#(signer.keyID)", "Message": "AQ==", "Signature": "\#(signed.signature.base64EncodedString())", "SigningAlgorithm": "ECDSA_SHA_256"}"#),
                caller: caller("v")
            )
        }
        #expect(try await lastUsage(harness, signer.keyID).keyLastUsage?.operation == .sign)
    }

    @Test func eventIDsAreVersion4UUIDsDerivedFromTheRequestID() {
        let id = UsageRecorder.eventID(forRequest: "7a1b…")
        #expect(id.count == 36 && id == id.lowercased())
        #expect(Array(id)[14] == "4" && "89ab".contains(Array(id)[19]))
        #expect(id == UsageRecorder.eventID(forRequest: "7a1b…") && id != UsageRecorder.eventID(forRequest: "other"))
    }

    @Test func theTrackingStartIsTheFirstFlushForKeysOlderThanIt() async throws {
        let harness = ServiceHarness()
        let key = try await harness.createKey()
        harness.clock.advance(by: 100)
        _ = try await harness.service.flushUsage()
        #expect(try await lastUsage(harness, key.keyID).trackingStartDate == harness.clock.now())
        harness.clock.advance(by: 100)
        _ = try await harness.service.flushUsage()
        #expect(try await lastUsage(harness, key.keyID).trackingStartDate == harness.clock.now().addingTimeInterval(-100))
        let newer = try await harness.createKey()
        #expect(try await lastUsage(harness, newer.keyID).trackingStartDate == newer.creationDate)
    }
}
