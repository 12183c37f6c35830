import Crypto
import Foundation
import SigV4

/// The parsers that face the network, as libFuzzer targets (the `coffer-fuzz` program; tests/fuzz/libfuzzer.md).
///
/// Each target takes arbitrary bytes and must return without crashing, whatever they are: a parse failure is an
/// ordinary outcome. Where a parser accepts what it parsed, the target also checks an invariant (a re-encoded
/// ciphertext blob is byte-identical; a forged token or ciphertext never opens) and traps when it does not hold, which
/// libFuzzer reports as a finding. `seeds` are valid inputs to start the corpus from, so mutations begin deep inside
/// each format rather than at its first byte.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// `JSONParser.parse`: every request body.
    case json
    /// SigV4 verification of a request whose Authorization and X-Amz-Date headers and body come from the input
    /// (one per line: `Authorization`, `X-Amz-Date`, then the body).
    case sigv4
    /// `CiphertextBlob(bytes:)` and opening it under a fixed key material.
    case ciphertext
    /// `ImportToken.open`: the sealed envelope, and the token's JSON body behind it.
    case importToken = "import-token"
    /// `KeyFile`: private keys (PEM/DER, PKCS#8, PKCS#1, SEC1) and wrapping public keys.
    case keyFile = "key-file"

    /// Runs one input.
    public func run(_ input: [UInt8]) {
        switch self {
        case .json: FuzzFixtures.json(input)
        case .sigv4: FuzzFixtures.shared.sigv4(input)
        case .ciphertext: FuzzFixtures.shared.ciphertext(input)
        case .importToken: FuzzFixtures.shared.importToken(input)
        case .keyFile: FuzzFixtures.keyFile(input)
        }
    }

    /// Valid inputs for the target's starting corpus.
    public var seeds: [[UInt8]] {
        switch self {
        case .json:
            return [
                #"{"KeyId":"alias/test","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"},"GrantTokens":["t"]}"#,
                #"{"Policy":"{\"Version\":\"2012-10-17\"}","Tags":[{"TagKey":"k","TagValue":"v"}],"MultiRegion":false}"#,
                #"{"NumberOfBytes":32,"x":[1,-2.5e3,true,null,"\u00e9\ud83d\ude00"]}"#,
            ].map { Array($0.utf8) }
        case .sigv4: return [FuzzFixtures.shared.signedSeed()]
        case .ciphertext: return FuzzFixtures.shared.ciphertextSeeds
        case .importToken: return FuzzFixtures.shared.importTokenSeeds
        case .keyFile: return FuzzFixtures.keyFileSeeds()
        }
    }
}

/// Fixed keys and clocks the targets share, made once.
struct FuzzFixtures: Sendable {
    static let shared = FuzzFixtures()

    let sealer = try! MaterialSealer(rootKey: [UInt8](repeating: 7, count: 32))
    let material = KeyMaterial(unsafeBytes: [UInt8](repeating: 9, count: 32))
    let keyID = KeyID("1234abcd-12ab-34cd-56ef-1234567890ab")!
    let keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    let materialID = KeyMaterialID(hex: String(repeating: "ab", count: 32))!
    let verifier = SigV4Verifier()
    let credentials = SigV4Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    /// 2015-08-30T12:36:00Z, the date of AWS's SigV4 test suite.
    let now = Date(timeIntervalSince1970: 1_440_938_160)
    /// Sealed once: the sealer draws a fresh nonce on every call.
    private(set) var ciphertextSeeds: [[UInt8]] = []
    private(set) var importTokenSeeds: [[UInt8]] = []

    init() {
        ciphertextSeeds = makeCiphertextSeeds()
        importTokenSeeds = makeImportTokenSeeds()
    }

    static func json(_ input: [UInt8]) {
        _ = try? JSONParser.parse(input)
    }

    func sigv4(_ input: [UInt8]) {
        let lines = input.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false)
        func line(_ index: Int) -> String { index < lines.count ? String(decoding: lines[index], as: UTF8.self) : "" }
        let body = lines.count > 2 ? Array(lines[2]) : []
        let request = SigV4Request(
            method: "POST", path: "/",
            headers: [
                ("host", "kms.us-east-1.amazonaws.com"), ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", "TrentService.Encrypt"), ("authorization", line(0)), ("x-amz-date", line(1)),
            ],
            body: body
        )
        let credentials = self.credentials
        _ = try? verifier.verify(request, now: now) { $0 == credentials.accessKeyID ? credentials : nil }
    }

    func signedSeed() -> [UInt8] {
        let body = Array(#"{"KeyId":"alias/test","Plaintext":"aGVsbG8="}"#.utf8)
        let signer = SigV4Signer(credentials: credentials, region: "us-east-1")
        let headers = signer.signedHeaders(
            method: "POST", path: "/",
            headers: [
                ("host", "kms.us-east-1.amazonaws.com"), ("content-type", "application/x-amz-json-1.1"),
                ("x-amz-target", "TrentService.Encrypt"),
            ],
            body: body, date: now
        )
        let authorization = headers.first { $0.name.lowercased() == "authorization" }?.value ?? ""
        let date = headers.first { $0.name.lowercased() == "x-amz-date" }?.value ?? ""
        return Array("\(authorization)\n\(date)\n".utf8) + body
    }

    func ciphertext(_ input: [UInt8]) {
        guard let blob = CiphertextBlob(bytes: input) else { return }
        // What parses re-encodes to the same bytes (the header is authenticated as written).
        precondition(blob.bytes == input, "a parsed ciphertext blob does not re-encode to its bytes")
        if (try? blob.open(material: material, keyARN: keyARN, context: ["purpose": "fuzz"])) != nil {
            // Only the seeds (sealed deterministically, with FixedFuzzRandom) may open; anything libFuzzer changed must
            // fail authentication.
            precondition(ciphertextSeeds.contains(input), "a forged ciphertext opened")
        }
    }

    func makeCiphertextSeeds() -> [[UInt8]] {
        [[], Array("hello".utf8), [UInt8](repeating: 0x41, count: 300)].compactMap { plaintext in
            try? CiphertextBlob.seal(
                plaintext, material: material, keyID: keyID, keyARN: keyARN, materialID: materialID,
                context: ["purpose": "fuzz"], random: FixedFuzzRandom()
            ).bytes
        }
    }

    func importToken(_ input: [UInt8]) {
        // The envelope: only what this root key sealed opens, and every seed seals the same token, so anything that
        // opens must be that token (seeds are sealed with a fresh nonce in each process, so bytes cannot be compared).
        if let opened = try? ImportToken.open(input, with: sealer) {
            precondition(opened == seedToken, "a forged import token opened")
        }
        // The body behind the envelope, as if it had been sealed by this server.
        if let sealed = try? sealer.seal(bytes: input, purpose: ImportToken.purpose) {
            _ = try? ImportToken.open(sealed, with: sealer)
        }
    }

    var seedToken: ImportToken {
        ImportToken(
            keyARN: keyARN, wrappingKeyID: "wk-1", algorithm: .rsaesOAEPSHA256, wrappingKeySpec: .rsa2048,
            issuedAt: now, validTo: now.addingTimeInterval(86_400)
        )
    }

    func makeImportTokenSeeds() -> [[UInt8]] {
        let token = seedToken
        return [(try? token.seal(with: sealer)) ?? [], (try? ImportToken.encoder.encode(token)).map { Array($0) } ?? []]
    }

    static func keyFile(_ input: [UInt8]) {
        _ = try? KeyFile.privateKeyKind(input)
        _ = try? KeyFile.publicKeySPKI(input)
    }

    static func keyFileSeeds() -> [[UInt8]] {
        let key = P256.Signing.PrivateKey()
        let spki = Array(key.publicKey.derRepresentation)
        return [
            Array(key.derRepresentation), Array(key.pemRepresentation.utf8), spki, Array(Data(spki).base64EncodedString().utf8),
            Array(key.publicKey.pemRepresentation.utf8),
        ]
    }
}

/// Deterministic "randomness" for seeds: the same corpus on every run.
struct FixedFuzzRandom: RandomSource {
    func bytes(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }
}
