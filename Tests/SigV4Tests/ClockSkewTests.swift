import Foundation
import Testing

@testable import SigV4

@Suite struct ClockSkewTests {
    let verifier = SigV4Verifier()

    @Test(arguments: [0, 1, -1, 899, -899, 900, -900])
    func requestWithinFifteenMinutesPasses(offsetSeconds: Int) throws {
        let request = Fixtures.kmsRequest(date: Fixtures.now.addingTimeInterval(TimeInterval(offsetSeconds)))
        let verified = try verifier.verify(request, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.credentials))
        #expect(verified.requestDate == Fixtures.now.addingTimeInterval(TimeInterval(offsetSeconds)))
    }

    @Test func requestFifteenMinutesAndOneSecondOldIsExpired() {
        let request = Fixtures.kmsRequest(date: Fixtures.now.addingTimeInterval(-901))
        let error = verificationError(verifier, request)
        #expect(error?.code == .signatureExpired)
        #expect(
            error?.message
                == "Signature expired: 20240115T101459Z is now earlier than 20240115T101500Z (20240115T103000Z - 15 min.)"
        )
    }

    @Test func requestFifteenMinutesAndOneSecondAheadIsNotYetCurrent() {
        let request = Fixtures.kmsRequest(date: Fixtures.now.addingTimeInterval(901))
        let error = verificationError(verifier, request)
        #expect(error?.code == .signatureExpired)
        #expect(
            error?.message
                == "Signature not yet current: 20240115T104501Z is still later than 20240115T104500Z (20240115T103000Z + 15 min.)"
        )
    }

    @Test func expiryMessageHasAWSForm() throws {
        // The example from AWS's error responses.
        let now = try #require(AmzDate(iso8601Basic: "20130524T002000Z")).date
        let requestTime = try #require(AmzDate(iso8601Basic: "20130524T000000Z"))
        #expect {
            try verifier.checkSkew(requestTime: requestTime, now: now)
        } throws: { error in
            (error as? SigV4Error)
                == SigV4Error(
                    code: .signatureExpired,
                    message: "Signature expired: 20130524T000000Z is now earlier than 20130524T000500Z (20130524T002000Z - 15 min.)"
                )
        }
    }

    @Test func fractionalNowIsComparedExactly() throws {
        // now = signing time + 900.5 s: more than 15 minutes, so expired.
        let request = Fixtures.kmsRequest(date: Fixtures.now)
        let error = verificationError(verifier, request, now: Fixtures.now.addingTimeInterval(900.5))
        #expect(error?.code == .signatureExpired)
    }

    @Test func customSkewIsHonoured() throws {
        let tight = SigV4Verifier(service: "kms", allowedSkew: 60)
        let request = Fixtures.kmsRequest(date: Fixtures.now.addingTimeInterval(-61))
        let error = verificationError(tight, request)
        #expect(error?.code == .signatureExpired)
        #expect(error?.message.hasSuffix("(20240115T103000Z - 1 min.)") == true)
        _ = try tight.verify(
            Fixtures.kmsRequest(date: Fixtures.now.addingTimeInterval(-60)),
            now: Fixtures.now,
            lookup: Fixtures.lookup(Fixtures.credentials)
        )
    }

    @Test func skewIsCheckedBeforeTheSignature() {
        // An expired request with a wrong signature reports expiry: no HMAC work is done for it.
        let request = Fixtures.kmsRequest(date: Fixtures.now.addingTimeInterval(-3600))
        let wrongSecret = SigV4Credentials(accessKeyID: Fixtures.accessKeyID, secretAccessKey: "other", sessionToken: nil)
        let error = verificationError(verifier, request) { _ in wrongSecret }
        #expect(error?.code == .signatureExpired)
    }
}
