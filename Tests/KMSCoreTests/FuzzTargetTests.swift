import Foundation
import SigV4
import Testing

@testable import KMSCore

/// The libFuzzer targets (tests/fuzz/libfuzzer.md) in an ordinary build: their seeds are the valid inputs they claim to
/// be, so fuzzing starts deep in each format, and the invariants they check hold for them.
@Suite struct FuzzTargetTests {
    let fixtures = FuzzFixtures.shared

    @Test(arguments: FuzzTarget.allCases)
    func seedsRunWithoutFinding(_ target: FuzzTarget) {
        #expect(!target.seeds.isEmpty)
        for seed in target.seeds { target.run(seed) }
    }

    @Test func jsonSeedsParse() throws {
        for seed in FuzzTarget.json.seeds { _ = try JSONParser.parse(seed) }
    }

    @Test func sigv4SeedVerifies() throws {
        let seed = try #require(FuzzTarget.sigv4.seeds.first)
        let lines = seed.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
        let request = SigV4Request(
            method: "POST", path: "/",
            headers: [
                ("host", "kms.us-east-1.amazonaws.com"), ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", "TrentService.Encrypt"), ("authorization", String(decoding: lines[0], as: UTF8.self)),
                ("x-amz-date", String(decoding: lines[1], as: UTF8.self)),
            ],
            body: Array(lines[2])
        )
        let credentials = fixtures.credentials
        let verified = try fixtures.verifier.verify(request, now: fixtures.now) { _ in credentials }
        #expect(verified.accessKeyID == "AKIDEXAMPLE")
    }

    @Test func ciphertextSeedsOpenAndTamperedOnesDoNot() throws {
        #expect(fixtures.ciphertextSeeds.count == 3)
        for seed in fixtures.ciphertextSeeds {
            let blob = try #require(CiphertextBlob(bytes: seed))
            _ = try blob.open(material: fixtures.material, keyARN: fixtures.keyARN, context: ["purpose": "fuzz"])
            var tampered = seed
            tampered[tampered.count - 1] ^= 1
            #expect(throws: KMSError.self) {
                try CiphertextBlob(bytes: tampered)?.open(material: fixtures.material, keyARN: fixtures.keyARN, context: ["purpose": "fuzz"])
            }
        }
    }

    @Test func importTokenSeedOpensToTheSeedToken() throws {
        let sealed = try #require(fixtures.importTokenSeeds.first)
        #expect(try ImportToken.open(sealed, with: fixtures.sealer) == fixtures.seedToken)
    }

    @Test func keyFileSeedsParse() throws {
        let seeds = FuzzTarget.keyFile.seeds
        _ = try KeyFile.privateKeyKind(seeds[0])
        _ = try KeyFile.privateKeyKind(seeds[1])
        for publicKey in seeds[2...] { _ = try KeyFile.publicKeySPKI(publicKey) }
    }
}
