import Foundation
import KMSTesting
import Testing

@testable import KMSCore

// Unit tests for imported key material (shared/spec/aws-kms-import-spec.md sections 2-6, 10):
// RFC 5649 key wrap, import tokens, the compatibility matrix, expiry with a fixed clock and the key-state rules.

/// Namespace of the import suites, so that `swift test --filter ImportTests` selects all of them.
@Suite enum ImportTests {}

private func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace }.utf8)
    precondition(digits.count % 2 == 0)
    func nibble(_ c: UInt8) -> UInt8 {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: preconditionFailure("not hex")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
}

private func pseudoRandomBytes(_ count: Int, seed: UInt8) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed) &* 7 &+ 3) }
}

// MARK: - AES key wrap with padding

extension ImportTests {
    @Suite struct AESKeyWrapPadTests {
        // RFC 5649, section 6 ("Padded Key Wrap Examples"), both with the 192-bit KEK
        // 5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8.
        static let rfcKEK = hex("5840df6e29b02af1 ab493b705bf16ea1 ae8338f4dcc176a8")
        // Example 1: 20 octets of key data.
        static let rfcKey20 = hex("c37b7e6492584340 bed1220780894115 5068f738")
        static let rfcWrap20 = hex("138bdeaa9b8fa7fc 61f97742e72248ee 5ae6ae5360d1ae6a 5f54f373fa543b6a")
        // Example 2: 7 octets of key data.
        static let rfcKey7 = hex("466f7250617369")
        static let rfcWrap7 = hex("afbeb0f07dfbf541 9200f2ccb50bb24f")

        @Test func rfc5649TwentyOctetVector() {
            #expect(AESKeyWrapPad.wrap(Self.rfcKey20, kek: Self.rfcKEK) == Self.rfcWrap20)
            #expect(AESKeyWrapPad.unwrap(Self.rfcWrap20, kek: Self.rfcKEK) == Self.rfcKey20)
        }

        @Test func rfc5649SevenOctetVector() {
            #expect(AESKeyWrapPad.wrap(Self.rfcKey7, kek: Self.rfcKEK) == Self.rfcWrap7)
            #expect(AESKeyWrapPad.unwrap(Self.rfcWrap7, kek: Self.rfcKEK) == Self.rfcKey7)
        }

        @Test(arguments: [16, 24, 32], [1, 7, 8, 9, 15, 16, 17, 28, 31, 32, 33, 48, 64, 128, 138, 241, 1218, 2375])
        func roundTripsWithTheDocumentedLength(kekSize: Int, length: Int) throws {
            let kek = pseudoRandomBytes(kekSize, seed: 9)
            let plaintext = pseudoRandomBytes(length, seed: UInt8(length & 0xff))
            let wrapped = try #require(AESKeyWrapPad.wrap(plaintext, kek: kek))
            // Spec 3.4: 8 + 8 * ceil(len / 8) bytes, 16 for len <= 8.
            #expect(wrapped.count == (length <= 8 ? 16 : 8 + 8 * ((length + 7) / 8)))
            #expect(AESKeyWrapPad.unwrap(wrapped, kek: kek) == plaintext)
        }

        @Test func everyTamperedByteFailsTheIntegrityCheck() throws {
            for wrapped in [Self.rfcWrap20, Self.rfcWrap7] {
                for index in wrapped.indices {
                    for mask: UInt8 in [0x01, 0x80] {
                        var bad = wrapped
                        bad[index] ^= mask
                        #expect(AESKeyWrapPad.unwrap(bad, kek: Self.rfcKEK) == nil, "byte \(index) mask \(mask)")
                    }
                }
            }
        }

        @Test func wrongKeyTruncationAndBadSizesFail() {
            var otherKEK = Self.rfcKEK
            otherKEK[0] ^= 1
            #expect(AESKeyWrapPad.unwrap(Self.rfcWrap20, kek: otherKEK) == nil)
            #expect(AESKeyWrapPad.unwrap(Array(Self.rfcWrap20.dropLast(8)), kek: Self.rfcKEK) == nil)
            #expect(AESKeyWrapPad.unwrap(Array(Self.rfcWrap20.dropLast(1)), kek: Self.rfcKEK) == nil)
            #expect(AESKeyWrapPad.unwrap(Array(Self.rfcWrap7.prefix(8)), kek: Self.rfcKEK) == nil)
            #expect(AESKeyWrapPad.unwrap(Self.rfcWrap20 + Self.rfcWrap7, kek: Self.rfcKEK) == nil)
            #expect(AESKeyWrapPad.wrap(Self.rfcKey20, kek: Array(Self.rfcKEK.prefix(20))) == nil)
            #expect(AESKeyWrapPad.wrap([], kek: Self.rfcKEK) == nil)
        }
    }
}

// MARK: - Compatibility matrix (spec 2.5)

extension ImportTests {
    @Suite struct ImportCompatibilityMatrixTests {
        static let importable: [KeySpec] = [
            .symmetricDefault, .hmac224, .hmac256, .hmac384, .hmac512, .rsa2048, .rsa3072, .rsa4096,
            .eccNistP256, .eccNistP384, .eccNistP521, .eccSecgP256k1, .eccNistEdwards25519,
        ]

        struct Cell: Sendable, CustomTestStringConvertible {
            var algorithm: WrappingAlgorithm
            var wrappingSpec: WrappingKeySpec
            var keySpec: KeySpec
            var testDescription: String { "\(algorithm.rawValue)/\(wrappingSpec.rawValue)/\(keySpec.rawValue)" }
        }

        static let cells: [Cell] = WrappingAlgorithm.allCases.flatMap { algorithm in
            WrappingKeySpec.allCases.flatMap { wrappingSpec in
                importable.map { Cell(algorithm: algorithm, wrappingSpec: wrappingSpec, keySpec: $0) }
            }
        }

        /// Spec 2.5 for a commercial Region, written independently of the implementation: RSAES_PKCS1_V1_5, SM2PKE and
        /// the SM2 wrapping key spec are refused; RSA private keys need RSA_AES_KEY_WRAP_*; P-521 does not fit RSA_2048
        /// with RSAES_OAEP_*; RSA_AES is accepted for symmetric and HMAC material (the spec's recommendation).
        static func expectedAllowed(_ cell: Cell) -> Bool {
            let oaep = cell.algorithm == .rsaesOAEPSHA1 || cell.algorithm == .rsaesOAEPSHA256
            let keyWrap = cell.algorithm == .rsaAESKeyWrapSHA1 || cell.algorithm == .rsaAESKeyWrapSHA256
            guard oaep || keyWrap, cell.wrappingSpec != .sm2 else { return false }
            switch cell.keySpec {
            case .rsa2048, .rsa3072, .rsa4096: return keyWrap
            case .eccNistP521: return !(oaep && cell.wrappingSpec == .rsa2048)
            default: return true
            }
        }

        @Test(arguments: cells)
        func cellIsAllowedOrRefusedAsTheSpecSays(_ cell: Cell) {
            let result = Result { () throws(KMSError) in
                try ImportWrapping.checkCompatibility(cell.algorithm, cell.wrappingSpec, for: cell.keySpec)
            }
            switch result {
            case .success:
                #expect(Self.expectedAllowed(cell), "\(cell.testDescription) must be refused")
            case .failure(let error):
                #expect(!Self.expectedAllowed(cell), "\(cell.testDescription) must be allowed, got \(error)")
                #expect(error.code == .unsupportedOperation)
            }
        }

        @Test func matrixHasTheDocumentedNumberOfAllowedCells() {
            #expect(Self.cells.count == 6 * 4 * 13)
            #expect(Self.cells.filter(Self.expectedAllowed).count == 136)
        }

        @Test(arguments: [KeySpec.mlDSA44, .mlDSA65, .mlDSA87, .sm2])
        func nonImportableKeySpecsAreRefusedForEveryChoice(_ spec: KeySpec) {
            for algorithm in WrappingAlgorithm.allCases {
                for wrappingSpec in WrappingKeySpec.allCases {
                    #expect(throws: KMSError.self) { try ImportWrapping.checkCompatibility(algorithm, wrappingSpec, for: spec) }
                }
            }
        }
    }
}

// MARK: - Service-level harness

/// Drives the import operations through `KMSService` with the in-memory store and a fixed clock.
struct ImportHarness {
    let h = ServiceHarness()
    var service: KMSService { h.service }
    var clock: FixedClock { h.clock }

    func createExternal(_ spec: String = "SYMMETRIC_DEFAULT", usage: String = "ENCRYPT_DECRYPT") async throws -> KeyMetadata {
        try await h.createKey(#"{"Origin": "EXTERNAL", "KeySpec": "\#(spec)", "KeyUsage": "\#(usage)"}"#)
    }

    func parameters(
        _ keyID: String, _ algorithm: WrappingAlgorithm = .rsaesOAEPSHA256, _ spec: WrappingKeySpec = .rsa2048
    ) async throws -> GetParametersForImportResponse {
        try await service.getParametersForImport(
            GetParametersForImportRequest(keyID: keyID, wrappingAlgorithm: algorithm, wrappingKeySpec: spec), caller: Fixtures.caller)
    }

    func importRequest(
        _ keyID: String, token: Data, encrypted: [UInt8], validTo: Date? = nil, importType: ImportType? = nil,
        keyMaterialID: KeyMaterialID? = nil
    ) -> ImportKeyMaterialRequest {
        ImportKeyMaterialRequest(
            keyID: keyID, importToken: token, encryptedKeyMaterial: Data(encrypted), validTo: validTo,
            expirationModel: validTo == nil ? .keyMaterialDoesNotExpire : .keyMaterialExpires, importType: importType,
            keyMaterialID: keyMaterialID)
    }

    /// GetParametersForImport, `ImportWrapping.wrap` with its public key, ImportKeyMaterial.
    @discardableResult
    func importMaterial(
        _ keyID: String, _ material: [UInt8], algorithm: WrappingAlgorithm = .rsaesOAEPSHA256, validTo: Date? = nil,
        importType: ImportType? = nil, keyMaterialID: KeyMaterialID? = nil
    ) async throws -> ImportKeyMaterialResponse {
        let p = try await parameters(keyID, algorithm)
        let encrypted = try ImportWrapping.wrap(material: material, publicKeyDER: Array(p.publicKey), algorithm: algorithm)
        return try await service.importKeyMaterial(
            importRequest(keyID, token: p.importToken, encrypted: encrypted, validTo: validTo, importType: importType,
                          keyMaterialID: keyMaterialID),
            caller: Fixtures.caller)
    }

    func describe(_ keyID: String) async throws -> KeyMetadata {
        try await service.describeKey(KeyIDRequest(keyID: keyID), caller: Fixtures.caller).keyMetadata
    }

    func encrypt(_ keyID: String, _ text: String = "hello") async throws -> Data {
        try await service.encrypt(EncryptRequest(keyID: keyID, plaintext: Data(text.utf8)), caller: Fixtures.caller).ciphertextBlob
    }

    func decrypt(_ blob: Data) async throws -> DecryptResponse {
        try await service.decrypt(DecryptRequest(ciphertextBlob: blob), caller: Fixtures.caller)
    }

    func delete(_ keyID: String, materialID: KeyMaterialID? = nil) async throws -> DeleteImportedKeyMaterialResponse {
        try await service.deleteImportedKeyMaterial(
            DeleteImportedKeyMaterialRequest(keyID: keyID, keyMaterialID: materialID), caller: Fixtures.caller)
    }

    func rotate(_ keyID: String) async throws {
        _ = try await service.rotateKeyOnDemand(KeyIDRequest(keyID: keyID), caller: Fixtures.caller)
    }

    func allMaterials(_ keyID: String) async throws -> [ListKeyRotationsResponse.Entry] {
        try await service.listKeyRotations(
            ListKeyRotationsRequest(keyID: keyID, includeKeyMaterial: .all), caller: Fixtures.caller).rotations
    }
}

private let materialA = pseudoRandomBytes(32, seed: 1)
private let materialB = pseudoRandomBytes(32, seed: 2)

// MARK: - Import tokens

extension ImportTests {
    @Suite struct ImportTokenTests {
        @Test func tokenWorksUntilOneSecondBeforeParametersValidTo() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let p = try await t.parameters(key.keyID)
            #expect(p.parametersValidTo == Fixtures.epoch.addingTimeInterval(86_400))
            #expect(p.keyID == key.arn)
            let encrypted = try ImportWrapping.wrap(material: materialA, publicKeyDER: Array(p.publicKey), algorithm: .rsaesOAEPSHA256)
            t.clock.advance(by: 86_399)
            let response = try await t.service.importKeyMaterial(
                t.importRequest(key.keyID, token: p.importToken, encrypted: encrypted), caller: Fixtures.caller)
            #expect(response.keyID == key.arn)
            #expect(try await t.describe(key.keyID).keyState == .enabled)
        }

        @Test(arguments: [86_400.0, 86_401.0, 30 * 86_400.0])
        func tokenAtOrAfterParametersValidToIsExpired(_ elapsed: TimeInterval) async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let p = try await t.parameters(key.keyID, .rsaAESKeyWrapSHA256)
            let encrypted = try ImportWrapping.wrap(material: materialA, publicKeyDER: Array(p.publicKey), algorithm: .rsaAESKeyWrapSHA256)
            t.clock.advance(by: elapsed)
            await expectKMSError(.expiredImportToken) {
                _ = try await t.service.importKeyMaterial(
                    t.importRequest(key.keyID, token: p.importToken, encrypted: encrypted), caller: Fixtures.caller)
            }
            // Still expired once the sweeper has removed the wrapping key.
            _ = try await t.service.expireDueMaterial()
            await expectKMSError(.expiredImportToken) {
                _ = try await t.service.importKeyMaterial(
                    t.importRequest(key.keyID, token: p.importToken, encrypted: encrypted), caller: Fixtures.caller)
            }
            #expect(try await t.describe(key.keyID).keyState == .pendingImport)
        }

        @Test func sweeperDeletesTheWrappingKeyOnlyAfterParametersValidTo() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let p = try await t.parameters(key.keyID)
            let token = try ImportToken.open(Array(p.importToken), with: Fixtures.sealer())
            #expect(token.keyARN == key.arn)
            #expect(token.algorithm == .rsaesOAEPSHA256 && token.wrappingKeySpec == .rsa2048)
            #expect(token.validTo == p.parametersValidTo)
            t.clock.advance(by: 86_399)
            _ = try await t.service.expireDueMaterial()
            #expect(await t.h.store.wrappingKey(token.wrappingKeyID) != nil)
            t.clock.advance(by: 1)
            _ = try await t.service.expireDueMaterial()
            #expect(await t.h.store.wrappingKey(token.wrappingKeyID) == nil)
        }

        @Test func everyAlteredTokenByteIsAnInvalidImportToken() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let p = try await t.parameters(key.keyID)
            let encrypted = try ImportWrapping.wrap(material: materialA, publicKeyDER: Array(p.publicKey), algorithm: .rsaesOAEPSHA256)
            let token = Array(p.importToken)
            #expect(token.count > 32)
            for index in token.indices {
                var bad = token
                bad[index] ^= 0x01
                let error = await kmsError {
                    _ = try await t.service.importKeyMaterial(
                        t.importRequest(key.keyID, token: Data(bad), encrypted: encrypted), caller: Fixtures.caller)
                }
                #expect(error?.code == .invalidImportToken, "byte \(index): \(String(describing: error))")
            }
            for bad in [Array(token.dropLast()), token + [0], Array(token.dropFirst()), [UInt8](repeating: 0, count: token.count)] {
                await expectKMSError(.invalidImportToken) {
                    _ = try await t.service.importKeyMaterial(
                        t.importRequest(key.keyID, token: Data(bad), encrypted: encrypted), caller: Fixtures.caller)
                }
            }
            #expect(try await t.describe(key.keyID).keyState == .pendingImport)
            // The untouched token still imports.
            _ = try await t.service.importKeyMaterial(
                t.importRequest(key.keyID, token: p.importToken, encrypted: encrypted), caller: Fixtures.caller)
            #expect(try await t.describe(key.keyID).keyState == .enabled)
        }

        @Test func tokenSealedUnderAnotherRootKeyIsInvalid() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let p = try await t.parameters(key.keyID)
            let token = try ImportToken.open(Array(p.importToken), with: Fixtures.sealer())
            let foreign = try token.seal(with: Fixtures.sealer([UInt8](repeating: 0x24, count: 32)))
            let encrypted = try ImportWrapping.wrap(material: materialA, publicKeyDER: Array(p.publicKey), algorithm: .rsaesOAEPSHA256)
            await expectKMSError(.invalidImportToken) {
                _ = try await t.service.importKeyMaterial(
                    t.importRequest(key.keyID, token: Data(foreign), encrypted: encrypted), caller: Fixtures.caller)
            }
        }

        @Test func tokenOfAnotherKeyIsInvalidEvenWithItsOwnWrappingKey() async throws {
            let t = ImportHarness()
            let a = try await t.createExternal()
            let b = try await t.createExternal()
            let p = try await t.parameters(a.keyID)
            let encrypted = try ImportWrapping.wrap(material: materialA, publicKeyDER: Array(p.publicKey), algorithm: .rsaesOAEPSHA256)
            await expectKMSError(.invalidImportToken) {
                _ = try await t.service.importKeyMaterial(
                    t.importRequest(b.keyID, token: p.importToken, encrypted: encrypted), caller: Fixtures.caller)
            }
            // A token re-sealed (with the right root key) to name key B, but whose wrapping key belongs to A.
            var retargeted = try ImportToken.open(Array(p.importToken), with: Fixtures.sealer())
            retargeted.keyARN = b.arn
            let forged = try retargeted.seal(with: Fixtures.sealer())
            await expectKMSError(.invalidImportToken) {
                _ = try await t.service.importKeyMaterial(
                    t.importRequest(b.keyID, token: Data(forged), encrypted: encrypted), caller: Fixtures.caller)
            }
            #expect(try await t.describe(b.keyID).keyState == .pendingImport)
        }

        @Test func materialWrappedForAnotherTokenOrAlgorithmIsInvalidCiphertext() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let p1 = try await t.parameters(key.keyID)
            let p2 = try await t.parameters(key.keyID)
            #expect(p1.publicKey != p2.publicKey)
            let forOther = try ImportWrapping.wrap(material: materialA, publicKeyDER: Array(p2.publicKey), algorithm: .rsaesOAEPSHA256)
            await expectKMSError(.invalidCiphertext) {
                _ = try await t.service.importKeyMaterial(t.importRequest(key.keyID, token: p1.importToken, encrypted: forOther), caller: Fixtures.caller)
            }
            for wrong in [WrappingAlgorithm.rsaesOAEPSHA1, .rsaAESKeyWrapSHA256, .rsaAESKeyWrapSHA1] {
                let encrypted = try ImportWrapping.wrap(material: materialA, publicKeyDER: Array(p1.publicKey), algorithm: wrong)
                await expectKMSError(.invalidCiphertext) {
                    _ = try await t.service.importKeyMaterial(t.importRequest(key.keyID, token: p1.importToken, encrypted: encrypted), caller: Fixtures.caller)
                }
            }
        }
    }
}

// MARK: - Expiry with a fixed clock (spec 5.1)

extension ImportTests {
    @Suite struct ImportExpiryTests {
        @Test func materialWorksUntilValidToAndIsGoneAtValidTo() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let validTo = Fixtures.epoch.addingTimeInterval(3600)
            let id = try #require(try await t.importMaterial(key.keyID, materialA, validTo: validTo).keyMaterialID)
            let described = try await t.describe(key.keyID)
            #expect(described.expirationModel == .keyMaterialExpires)
            #expect(described.validTo == validTo)
            let blob = try await t.encrypt(key.keyID)

            t.clock.set(validTo.addingTimeInterval(-1))
            _ = try await t.encrypt(key.keyID)
            #expect(try await t.decrypt(blob).keyMaterialID == id)
            #expect(try await t.service.expireDueMaterial() == 0)
            #expect(await t.h.store.sealedMaterial(keyID: KeyID(key.keyID)!, materialID: id, in: Fixtures.scope) != nil)

            t.clock.set(validTo)
            #expect(try await t.describe(key.keyID).keyState == .pendingImport)
            #expect(try await t.describe(key.keyID).enabled == false)
            let pendingImport = "\(key.arn) is pending import."
            await expectKMSError(.kmsInvalidState, message: pendingImport) { _ = try await t.encrypt(key.keyID) }
            await expectKMSError(.kmsInvalidState, message: pendingImport) { _ = try await t.decrypt(blob) }
            // The sweeper deletes the sealed row.
            _ = try await t.service.expireDueMaterial()
            #expect(await t.h.store.sealedMaterial(keyID: KeyID(key.keyID)!, materialID: id, in: Fixtures.scope) == nil)
            #expect(try await t.service.expireDueMaterial() == 0)
            let listed = try await t.allMaterials(key.keyID)
            #expect(listed.map(\.importState) == [.pendingImport])

            // Reimport (never expiring) restores the key and the old ciphertext.
            try await t.importMaterial(key.keyID, materialA)
            #expect(try await t.decrypt(blob).keyMaterialID == id)
            t.clock.advance(by: 400 * 86_400)
            #expect(try await t.describe(key.keyID).keyState == .enabled)
        }

        @Test func validToBoundsAreCheckedAgainstTheClock() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            for bad in [Fixtures.epoch, Fixtures.epoch.addingTimeInterval(-1), Fixtures.epoch.addingTimeInterval(365 * 86_400 + 1)] {
                await expectKMSError(.validation) { try await t.importMaterial(key.keyID, materialA, validTo: bad) }
            }
            try await t.importMaterial(key.keyID, materialA, validTo: Fixtures.epoch.addingTimeInterval(365 * 86_400))
            try await t.importMaterial(key.keyID, materialA, validTo: Fixtures.epoch.addingTimeInterval(1))
            #expect(try await t.describe(key.keyID).validTo == Fixtures.epoch.addingTimeInterval(1))
        }

        @Test func expiryOfStagedMaterialLeavesTheKeyEnabled() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let a = try #require(try await t.importMaterial(key.keyID, materialA).keyMaterialID)
            let b = try #require(try await t.importMaterial(key.keyID, materialB, validTo: Fixtures.epoch.addingTimeInterval(60), importType: .newKeyMaterial).keyMaterialID)
            t.clock.advance(by: 60)
            #expect(try await t.describe(key.keyID).keyState == .enabled)
            #expect(try await t.service.expireDueMaterial() == 1)
            #expect(await t.h.store.sealedMaterial(keyID: KeyID(key.keyID)!, materialID: b, in: Fixtures.scope) == nil)
            #expect(try await t.allMaterials(key.keyID).map(\.keyMaterialID) == [a])
            await expectKMSError(.kmsInvalidState) { try await t.rotate(key.keyID) }
        }
    }
}

// MARK: - State rules (spec 4.6, 5.2)

extension ImportTests {
    @Suite struct ImportStateRuleTests {
        @Test func firstImportEnablesAndFillsMetadata() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            #expect(key.keyState == .pendingImport && !key.enabled)
            #expect(key.expirationModel == nil && key.validTo == nil && key.currentKeyMaterialID == nil)
            let response = try await t.importMaterial(key.keyID, materialA)
            let id = try #require(response.keyMaterialID)
            #expect(id == KeyMaterial(unsafeBytes: materialA).materialID(for: KeyID(key.keyID)!))
            let after = try await t.describe(key.keyID)
            #expect(after.keyState == .enabled && after.enabled)
            #expect(after.expirationModel == .keyMaterialDoesNotExpire && after.validTo == nil)
            #expect(after.currentKeyMaterialID == id)
        }

        @Test func hmacKeyImportHasNoMaterialID() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal("HMAC_256", usage: "GENERATE_VERIFY_MAC")
            let response = try await t.importMaterial(key.keyID, pseudoRandomBytes(64, seed: 3))
            #expect(response.keyMaterialID == nil)
            let after = try await t.describe(key.keyID)
            #expect(after.keyState == .enabled && after.currentKeyMaterialID == nil)
            #expect(after.expirationModel == .keyMaterialDoesNotExpire)
            await expectKMSError(.incorrectKeyMaterial) { try await t.importMaterial(key.keyID, pseudoRandomBytes(64, seed: 4)) }
        }

        @Test func reimportIntoADisabledKeyLeavesItDisabled() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            try await t.importMaterial(key.keyID, materialA)
            _ = try await t.service.disableKey(KeyIDRequest(keyID: key.keyID), caller: Fixtures.caller)
            try await t.importMaterial(key.keyID, materialA, validTo: Fixtures.epoch.addingTimeInterval(86_400))
            let after = try await t.describe(key.keyID)
            #expect(after.keyState == .disabled && !after.enabled)
            #expect(after.validTo == Fixtures.epoch.addingTimeInterval(86_400))
        }

        @Test func disabledKeyThatLostItsMaterialIsEnabledByAFullReimport() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            try await t.importMaterial(key.keyID, materialA)
            _ = try await t.service.disableKey(KeyIDRequest(keyID: key.keyID), caller: Fixtures.caller)
            _ = try await t.delete(key.keyID)
            #expect(try await t.describe(key.keyID).keyState == .pendingImport)
            try await t.importMaterial(key.keyID, materialA)
            #expect(try await t.describe(key.keyID).keyState == .enabled)
        }

        @Test func newMaterialIsStagedWithoutChangingStateOrCurrentMaterial() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let a = try #require(try await t.importMaterial(key.keyID, materialA).keyMaterialID)
            t.clock.advance(by: 1)  // ListKeyRotations lists in association order
            let b = try #require(try await t.importMaterial(key.keyID, materialB, importType: .newKeyMaterial).keyMaterialID)
            let after = try await t.describe(key.keyID)
            #expect(after.keyState == .enabled && after.currentKeyMaterialID == a)
            #expect(try await t.allMaterials(key.keyID).map(\.keyMaterialState) == [.current, .pendingRotation])
            await expectKMSError(
                .kmsInvalidState,
                message: "New key material (id: \(KeyMaterial(unsafeBytes: pseudoRandomBytes(32, seed: 5)).materialID(for: KeyID(key.keyID)!))) cannot be imported into KMS key \(key.keyID), because another key material (id: \(b)) is pending rotation."
            ) { try await t.importMaterial(key.keyID, pseudoRandomBytes(32, seed: 5), importType: .newKeyMaterial) }
            await expectKMSError(.incorrectKeyMaterial) { try await t.importMaterial(key.keyID, materialA, importType: .newKeyMaterial) }
            await expectKMSError(.incorrectKeyMaterial) { try await t.importMaterial(key.keyID, pseudoRandomBytes(32, seed: 6), importType: .existingKeyMaterial) }
            await expectKMSError(.validation) { try await t.importMaterial(key.keyID, materialB, importType: .newKeyMaterial, keyMaterialID: b) }
            try await t.rotate(key.keyID)
            #expect(try await t.describe(key.keyID).currentKeyMaterialID == b)
        }

        @Test func deletingTheCurrentMaterialMakesTheKeyPendingImport() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let a = try #require(try await t.importMaterial(key.keyID, materialA).keyMaterialID)
            let response = try await t.delete(key.keyID)
            #expect(response.keyID == key.arn && response.keyMaterialID == a)
            #expect(try await t.describe(key.keyID).keyState == .pendingImport)
            #expect(await t.h.store.sealedMaterial(keyID: KeyID(key.keyID)!, materialID: a, in: Fixtures.scope) == nil)
            #expect(try await t.allMaterials(key.keyID).map(\.importState) == [.pendingImport])
            await expectKMSError(.incorrectKeyMaterial) { try await t.importMaterial(key.keyID, materialB) }
            try await t.importMaterial(key.keyID, materialA, keyMaterialID: a)
            #expect(try await t.describe(key.keyID).keyState == .enabled)
        }

        @Test func deletingStagedMaterialKeepsTheKeyEnabledAndRemovesIt() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let a = try #require(try await t.importMaterial(key.keyID, materialA).keyMaterialID)
            let b = try #require(try await t.importMaterial(key.keyID, materialB, importType: .newKeyMaterial).keyMaterialID)
            #expect(try await t.delete(key.keyID, materialID: b).keyMaterialID == b)
            #expect(try await t.describe(key.keyID).keyState == .enabled)
            #expect(try await t.allMaterials(key.keyID).map(\.keyMaterialID) == [a])
            #expect(await t.h.store.sealedMaterial(keyID: KeyID(key.keyID)!, materialID: b, in: Fixtures.scope) == nil)
        }

        @Test func deletingNonCurrentMaterialMakesTheKeyPendingImport() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            let a = try #require(try await t.importMaterial(key.keyID, materialA).keyMaterialID)
            let blob = try await t.encrypt(key.keyID)
            try await t.importMaterial(key.keyID, materialB, importType: .newKeyMaterial)
            try await t.rotate(key.keyID)
            _ = try await t.delete(key.keyID, materialID: a)
            #expect(try await t.describe(key.keyID).keyState == .pendingImport)
            await expectKMSError(.kmsInvalidState) { _ = try await t.encrypt(key.keyID) }
            try await t.importMaterial(key.keyID, materialA, importType: .existingKeyMaterial)
            #expect(try await t.describe(key.keyID).keyState == .enabled)
            #expect(try await t.decrypt(blob).keyMaterialID == a)
        }

        @Test func deletingInPendingDeletionKeepsPendingDeletion() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            try await t.importMaterial(key.keyID, materialA)
            _ = try await t.service.scheduleKeyDeletion(ScheduleKeyDeletionRequest(keyID: key.keyID, pendingWindowInDays: 7), caller: Fixtures.caller)
            _ = try await t.delete(key.keyID)
            #expect(try await t.describe(key.keyID).keyState == .pendingDeletion)
            _ = try await t.service.cancelKeyDeletion(KeyIDRequest(keyID: key.keyID), caller: Fixtures.caller)
            #expect(try await t.describe(key.keyID).keyState == .pendingImport)
        }

        @Test func deleteErrors() async throws {
            let t = ImportHarness()
            let key = try await t.createExternal()
            try await t.importMaterial(key.keyID, materialA)
            await expectKMSError(.notFound) { _ = try await t.delete(key.keyID, materialID: KeyMaterialID(hex: String(repeating: "0", count: 64))!) }
            #expect(try await t.describe(key.keyID).keyState == .enabled)
            let aws = try await t.h.createKey()
            await expectKMSError(.unsupportedOperation, message: "\(aws.arn) origin is AWS_KMS which is not valid for this operation.") {
                _ = try await t.delete(aws.keyID)
            }
            let fresh = try await t.createExternal()
            let noop = try await t.delete(fresh.keyID)
            #expect(noop.keyMaterialID == nil)
            #expect(try await t.describe(fresh.keyID).keyState == .pendingImport)
        }

        @Test func importRequiresAnExternalKeyAndAnAllowedState() async throws {
            let t = ImportHarness()
            let aws = try await t.h.createKey()
            await expectKMSError(.unsupportedOperation, message: "\(aws.arn) origin is AWS_KMS which is not valid for this operation.") {
                _ = try await t.parameters(aws.keyID)
            }
            let key = try await t.createExternal()
            let p = try await t.parameters(key.keyID)
            _ = try await t.service.scheduleKeyDeletion(ScheduleKeyDeletionRequest(keyID: key.keyID, pendingWindowInDays: 7), caller: Fixtures.caller)
            let encrypted = try ImportWrapping.wrap(material: materialA, publicKeyDER: Array(p.publicKey), algorithm: .rsaesOAEPSHA256)
            await expectKMSError(.kmsInvalidState) {
                _ = try await t.service.importKeyMaterial(t.importRequest(key.keyID, token: p.importToken, encrypted: encrypted), caller: Fixtures.caller)
            }
            await expectKMSError(.kmsInvalidState) { _ = try await t.parameters(key.keyID) }
            await expectKMSError(.notFound) { _ = try await t.parameters("alias/whatever") }
        }
    }
}
