import Crypto
import CryptoExtras
import Foundation
import KMSTesting
import Testing
import SigV4

@testable import KMSCore

@Suite struct MaterialSealerTests {
    static let arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    static let materialID = KeyMaterialID(hex: String(repeating: "ab", count: 32))!
    static let secret = KeyMaterial(unsafeBytes: Array(0..<32) as [UInt8])

    @Test func sealedMaterialOpensInTheSameSlot() throws {
        let sealer = Fixtures.sealer()
        let sealed = try sealer.seal(Self.secret, keyARN: Self.arn, materialID: Self.materialID)
        #expect(sealed.count == 1 + 12 + 32 + 16)
        #expect(sealed[0] == 1)
        let opened = try sealer.open(sealed, keyARN: Self.arn, materialID: Self.materialID)
        #expect(opened == Self.secret)
    }

    @Test func sealingTwiceUsesFreshNonces() throws {
        let sealer = Fixtures.sealer()
        let a = try sealer.seal(Self.secret, keyARN: Self.arn, materialID: Self.materialID)
        let b = try sealer.seal(Self.secret, keyARN: Self.arn, materialID: Self.materialID)
        #expect(a != b)
    }

    @Test(arguments: [
        ("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ac", materialID.hex),
        ("arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", materialID.hex),
        (arn, String(repeating: "cd", count: 32)),
        (arn, ""),
    ])
    func openingInAnotherSlotFails(keyARN: String, materialID: String) throws {
        let sealer = Fixtures.sealer()
        let sealed = try sealer.seal(Self.secret, keyARN: Self.arn, materialID: Self.materialID)
        // An empty material ID is no longer representable: the type refuses it before any slot is tried.
        guard let materialID = KeyMaterialID(hex: materialID) else {
            #expect(materialID.isEmpty)
            return
        }
        #expect(throws: KMSError.internalFailure("any")) {
            try sealer.open(sealed, keyARN: keyARN, materialID: materialID)
        }
    }

    @Test func flippingAnyByteFails() throws {
        let sealer = Fixtures.sealer()
        let sealed = try sealer.seal(Self.secret, keyARN: Self.arn, materialID: Self.materialID)
        for index in sealed.indices {
            for mask: UInt8 in [0x01, 0x80] {
                var tampered = sealed
                tampered[index] ^= mask
                let result = Result<KeyMaterial, KMSError> { () throws(KMSError) in try sealer.open(tampered, keyARN: Self.arn, materialID: Self.materialID) }
                guard case .failure(let error) = result else {
                    Issue.record("byte \(index) flipped with \(mask) still opened")
                    continue
                }
                #expect(error.code == .kmsInternal)
            }
        }
    }

    @Test(arguments: [0, 1, 28, 29, 44])
    func truncatedSealsFail(length: Int) throws {
        let sealer = Fixtures.sealer()
        let sealed = try sealer.seal(Self.secret, keyARN: Self.arn, materialID: Self.materialID)
        #expect(throws: KMSError.internalFailure("any")) {
            try sealer.open(Array(sealed.prefix(length)), keyARN: Self.arn, materialID: Self.materialID)
        }
    }

    @Test func aDifferentRootKeyCannotOpen() throws {
        let sealed = try Fixtures.sealer().seal(Self.secret, keyARN: Self.arn, materialID: Self.materialID)
        let other = Fixtures.sealer([UInt8](repeating: 0x43, count: 32))
        #expect(throws: KMSError.internalFailure("any")) {
            try other.open(sealed, keyARN: Self.arn, materialID: Self.materialID)
        }
    }

    @Test(arguments: [0, 16, 31, 33, 64])
    func wrongRootKeyLengthThrows(length: Int) {
        #expect(throws: RootKeyError.wrongLength(length)) {
            try MaterialSealer(rootKey: [UInt8](repeating: 1, count: length))
        }
    }

    @Test func checkValueVerifiesOnlyUnderTheSameRootKey() throws {
        let sealer = Fixtures.sealer()
        let check = try sealer.makeCheckValue()
        #expect(sealer.verifyCheckValue(check))
        #expect(Fixtures.sealer().verifyCheckValue(check), "a new sealer on the same root key")
        #expect(!Fixtures.sealer([UInt8](repeating: 0x43, count: 32)).verifyCheckValue(check))
        var tampered = check
        tampered[tampered.count - 1] ^= 1
        #expect(!sealer.verifyCheckValue(tampered))
        #expect(!sealer.verifyCheckValue([]))
    }

    @Test func aSealedMaterialIsNotACheckValue() throws {
        let sealer = Fixtures.sealer()
        let sealed = try sealer.seal(Self.secret, keyARN: Self.arn, materialID: Self.materialID)
        #expect(!sealer.verifyCheckValue(sealed))
    }
}

@Suite struct KeyMaterialTests {
    static let keyA = KeyID("1234abcd-12ab-34cd-56ef-1234567890ab")!
    static let keyB = KeyID("1234abcd-12ab-34cd-56ef-1234567890ac")!

    @Test func descriptionIsRedacted() {
        let bytes: [UInt8] = Array("super-secret-bytes-0123456789abc".utf8)
        let material = KeyMaterial(unsafeBytes: bytes)
        for text in [material.description, material.debugDescription, String(describing: material), String(reflecting: material), "\(material)"] {
            #expect(text == "KeyMaterial(<redacted>)")
            #expect(!text.contains("secret"))
        }
        var dumped = ""
        dump(material, to: &dumped)
        #expect(!dumped.contains("super-secret"))
    }

    @Test func materialIDIsSixtyFourLowerHexDigits() {
        let id = KeyMaterial(unsafeBytes: [UInt8](repeating: 7, count: 32)).materialID(for: Self.keyA)
        #expect(id.hex.utf8.count == 64)
        #expect(id.hex.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func materialIDIsDeterministicAndDependsOnKeyAndMaterial() {
        let m1 = KeyMaterial(unsafeBytes: [UInt8](repeating: 7, count: 32))
        let m1Again = KeyMaterial(unsafeBytes: [UInt8](repeating: 7, count: 32))
        let m2 = KeyMaterial(unsafeBytes: [UInt8](repeating: 8, count: 32))
        #expect(m1.materialID(for: Self.keyA) == m1Again.materialID(for: Self.keyA))
        #expect(m1.materialID(for: Self.keyA) != m1.materialID(for: Self.keyB))
        #expect(m1.materialID(for: Self.keyA) != m2.materialID(for: Self.keyA))
    }

    @Test func materialIDMatchesTheDocumentedDerivation() {
        let bytes = [UInt8](repeating: 7, count: 32)
        var message = Array("coffer/key-material-id/v1".utf8)
        message.append(0)
        message.append(contentsOf: Self.keyA.rawValue.utf8)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: bytes))
        #expect(KeyMaterial(unsafeBytes: bytes).materialID(for: Self.keyA).hex == Hex.encode(Array(mac)))
    }

    @Test func equalityComparesBytes() {
        #expect(KeyMaterial(unsafeBytes: [1, 2, 3]) == KeyMaterial(unsafeBytes: [1, 2, 3]))
        #expect(KeyMaterial(unsafeBytes: [1, 2, 3]) != KeyMaterial(unsafeBytes: [1, 2, 4]))
    }

    /// PKCS#8 `PrivateKeyInfo`: SEQUENCE { INTEGER 0, AlgorithmIdentifier SEQUENCE, ... }. SEC1 and PKCS#1 differ
    /// in the version or in what follows it.
    static func isPKCS8(_ der: [UInt8]) -> Bool {
        guard der.count > 8, der[0] == 0x30 else { return false }
        var index = 1
        if der[index] & 0x80 != 0 { index += Int(der[index] & 0x7f) }
        index += 1
        return Array(der[index..<(index + 4)]) == [0x02, 0x01, 0x00, 0x30]
    }

    static func bytes(_ material: KeyMaterial) -> [UInt8] { material.withUnsafeBytes { Array($0) } }

    @Test(arguments: [(KeySpec.symmetricDefault, 32), (.hmac224, 28), (.hmac256, 32), (.hmac384, 48), (.hmac512, 64)])
    func generatesSymmetricMaterialOfTheRightSize(_ spec: KeySpec, byteCount: Int) throws {
        let a = try KeyMaterial.generate(for: spec)
        let b = try KeyMaterial.generate(for: spec)
        #expect(a.byteCount == byteCount)
        #expect(a != b)
    }

    @Test(arguments: [(KeySpec.rsa2048, 2048), (.rsa3072, 3072), (.rsa4096, 4096)])
    func generatesParseableRSAKeysInPKCS8(_ spec: KeySpec, bits: Int) throws {
        let der = Self.bytes(try KeyMaterial.generate(for: spec))
        #expect(Self.isPKCS8(der))
        let key = try _RSA.Signing.PrivateKey(derRepresentation: der)
        #expect(key.keySizeInBits == bits)
    }

    @Test func generatesParseableECKeysInPKCS8() throws {
        let p256 = Self.bytes(try KeyMaterial.generate(for: .eccNistP256))
        let p384 = Self.bytes(try KeyMaterial.generate(for: .eccNistP384))
        let p521 = Self.bytes(try KeyMaterial.generate(for: .eccNistP521))
        for der in [p256, p384, p521] { #expect(Self.isPKCS8(der)) }
        #expect(try P256.Signing.PrivateKey(derRepresentation: p256).derRepresentation == Data(p256))
        #expect(try P384.Signing.PrivateKey(derRepresentation: p384).derRepresentation == Data(p384))
        #expect(try P521.Signing.PrivateKey(derRepresentation: p521).derRepresentation == Data(p521))
        #expect(throws: (any Error).self) { try P384.Signing.PrivateKey(derRepresentation: p256) }
    }

    @Test func generatesParseableEd25519KeysInPKCS8() throws {
        let der = Self.bytes(try KeyMaterial.generate(for: .eccNistEdwards25519))
        // RFC 8410 OneAsymmetricKey: SEQUENCE { 0, { id-Ed25519 }, OCTET STRING { OCTET STRING (32) } }.
        let header: [UInt8] = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]
        #expect(der.count == 48)
        #expect(Array(der.prefix(16)) == header)
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        let signature = try key.signature(for: Data("m".utf8))
        #expect(key.publicKey.isValidSignature(signature, for: Data("m".utf8)))
    }

    @Test func generatesSecp256k1KeysInPKCS8() throws {
        let der = Self.bytes(try KeyMaterial.generate(for: .eccSecgP256k1))
        #expect(Self.isPKCS8(der))
        let secp256k1OID: [UInt8] = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a]
        #expect(der.indices.contains { der[$0...].starts(with: secp256k1OID) })
    }

    @Test func generatesParseableMLDSASeeds() throws {
        let seed65 = Self.bytes(try KeyMaterial.generate(for: .mlDSA65))
        let seed87 = Self.bytes(try KeyMaterial.generate(for: .mlDSA87))
        #expect(seed65.count == 32)
        #expect(seed87.count == 32)
        _ = try MLDSA65.PrivateKey(seedRepresentation: seed65, publicKey: nil)
        _ = try MLDSA87.PrivateKey(seedRepresentation: seed87, publicKey: nil)
    }

    static let unsupportedSpecs = KeySpec.allCases.filter { KeySpecRules.unsupportedReason($0) != nil }

    @Test func smTwoAndMLDSA44CannotBeGenerated() {
        #expect(Set(Self.unsupportedSpecs) == [.sm2, .mlDSA44])
    }

    @Test(arguments: unsupportedSpecs)
    func unsupportedSpecsThrowUnsupportedOperation(_ spec: KeySpec) {
        #expect(throws: KMSError.self) { try KeyMaterial.generate(for: spec) }
        do {
            _ = try KeyMaterial.generate(for: spec)
        } catch {
            #expect(error.code == .unsupportedOperation)
            #expect(error.message.contains(spec.rawValue))
        }
    }

    @Test(arguments: KeySpec.allCases)
    func generationSucceedsExactlyWhenTheSpecIsSupported(_ spec: KeySpec) {
        let generated = (try? KeyMaterial.generate(for: spec)) != nil
        #expect(generated == (KeySpecRules.unsupportedReason(spec) == nil))
    }
}

@Suite struct CiphertextDataKeyTests {
    /// The written-out HKDF of the ciphertext format must equal RFC 5869 HKDF-SHA256 (swift-crypto's), or blobs
    /// sealed before and after the change would not open.
    @Test(arguments: [16, 32, 48], [
        (CiphertextBlob.version, "1234abcd-12ab-34cd-56ef-1234567890ab", "coffer/ciphertext/v1"),
        (CiphertextBlob.multiRegionVersion, "mrk-1234abcd12ab34cd56ef1234567890ab", "coffer/ciphertext/v2"),
    ])
    func dataKeyIsHKDFSHA256(materialSize: Int, format: (version: UInt8, keyID: String, info: String)) throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let ikm = (0..<materialSize).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var bytes: [UInt8] = [format.version]
            bytes += Array(format.keyID.utf8)
            bytes += [UInt8](repeating: 0xAB, count: 32) + salt + [UInt8](repeating: 0, count: 12 + 16)
            let blob = try #require(CiphertextBlob(bytes: bytes))
            let expected = HKDF<SHA256>.deriveKey(
                inputKeyMaterial: SymmetricKey(data: ikm), salt: salt, info: Array(format.info.utf8), outputByteCount: 32
            )
            let derived = blob.dataKey(KeyMaterial(unsafeBytes: ikm))
            #expect(derived.withUnsafeBytes { Array($0) } == expected.withUnsafeBytes { Array($0) })
        }
    }
}
