import Foundation
import Testing

@testable import SigV4

@Suite struct HostileInputTests {
    static let pieces = [
        "AWS4-HMAC-SHA256", " ", ",", ", ", "=", "/", ";", "Credential=", "SignedHeaders=", "Signature=",
        "AKIAIOSFODNN7EXAMPLE", "20240115", "us-east-1", "kms", "aws4_request", "host", "x-amz-date",
        String(repeating: "ab", count: 32), "\u{0}", "\t", "\r\n", "%", "%zz", "é", "\u{301}", "\u{600}", "\u{200D}", "😀", "..", ".",
        "T", "Z", "2024", "0115T103000Z", "GMT", "+0100",
    ]

    static func garbage(_ random: inout SplitMix64) -> String {
        var text = ""
        for _ in 0..<Int.random(in: 0...24, using: &random) {
            text += pieces.randomElement(using: &random) ?? ""
        }
        return text
    }

    @Test func randomAuthorizationHeadersNeverCrashOrPass() {
        var random = SplitMix64(state: 0x5EED)
        let verifier = SigV4Verifier()
        let base = Fixtures.kmsRequest()
        for _ in 0..<3_000 {
            let request = base.settingHeader("Authorization", Self.garbage(&random))
            #expect(throws: SigV4Error.self) {
                try verifier.verify(request, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.credentials))
            }
        }
    }

    @Test func randomDatesPathsAndTokensNeverCrashAndPassOnlyWhenEquivalent() {
        var random = SplitMix64(state: 0xC0FFEE)
        let verifier = SigV4Verifier()
        let base = Fixtures.kmsRequest(credentials: Fixtures.temporaryCredentials)
        let token = Fixtures.temporaryCredentials.sessionToken ?? ""
        for round in 0..<3_000 {
            var request = base
            let value = Self.garbage(&random)
            // Whether the mutated request still means exactly what was signed.
            let equivalent: Bool
            switch round % 4 {
            case 0:
                request = request.settingHeader("X-Amz-Date", value)
                equivalent = HeaderFields.trimmed(value) == "20240115T103000Z"
            case 1:
                request = request.removingHeader("x-amz-date").settingHeader("Date", value)
                equivalent = false  // Date is not a signed header of this request.
            case 2:
                request.path = value
                let parts = value.utf8.split(separator: UInt8(ascii: "?"), maxSplits: 1, omittingEmptySubsequences: false)
                    .map { String(Substring($0)) }
                equivalent = CanonicalRequest.canonicalURI(parts.first ?? "") == "/"
                    && CanonicalRequest.canonicalQuery(parts.count > 1 ? parts[1] : "") == ""
            default:
                request = request.settingHeader("X-Amz-Security-Token", value)
                equivalent = HeaderFields.trimmed(value) == token
            }
            do throws(SigV4Error) {
                _ = try verifier.verify(request, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.temporaryCredentials))
                #expect(equivalent, "passed with \(round % 4): \(value.debugDescription)")
            } catch {
                #expect(!equivalent, "rejected an equivalent request: \(error)")
            }
        }
    }

    @Test func mutatingAnyByteOfAValidAuthorizationNeverCrashesOrPasses() {
        let verifier = SigV4Verifier()
        let base = Fixtures.kmsRequest()
        let authorization = Array((base.header("authorization") ?? "").utf8)
        let signatureStart = authorization.count - 64
        for index in authorization.indices {
            for replacement: UInt8 in [0x00, 0x20, 0x2C, 0x2F, 0x3B, 0x3D, 0x41, 0x61, 0xFF] where authorization[index] != replacement {
                // Two mutations keep the meaning and must pass: an upper-case hex digit
                // in the signature, and an empty component (", " becoming ",,").
                let upperCaseHex = index >= signatureStart && replacement == UInt8(ascii: "A") && authorization[index] == UInt8(ascii: "a")
                let emptyComponent = replacement == UInt8(ascii: ",") && authorization[index] == 0x20 && index > 0
                    && authorization[index - 1] == UInt8(ascii: ",")
                var mutated = authorization
                mutated[index] = replacement
                let request = base.settingHeader("Authorization", String(decoding: mutated, as: UTF8.self))
                do throws(SigV4Error) {
                    _ = try verifier.verify(request, now: Fixtures.now, lookup: Fixtures.lookup(Fixtures.credentials))
                    #expect(upperCaseHex || emptyComponent, "passed: \(request.header("authorization") ?? "")")
                } catch {
                    #expect(!(upperCaseHex || emptyComponent), "rejected: \(error)")
                }
            }
        }
    }

    @Test func hugeAndEmptyInputsAreRejectedQuickly() {
        let verifier = SigV4Verifier()
        var request = Fixtures.kmsRequest()
        request.path = "/" + String(repeating: "../", count: 50_000) + "?" + String(repeating: "a=&", count: 50_000)
        #expect(verificationError(verifier, request)?.code == .invalidSignature)

        let empty = SigV4Request(method: "", path: "", headers: [], body: [])
        #expect(verificationError(verifier, empty)?.code == .missingAuthenticationToken)

        let onlyAuthorization = SigV4Request(method: "", path: "", headers: [(name: "", value: ""), (name: "authorization", value: "x")], body: [])
        #expect(verificationError(verifier, onlyAuthorization)?.code == .incompleteSignature)
    }
}
