import Crypto
import Foundation
import KMSTesting
import Testing
import SigV4

@testable import KMSCore

/// The symmetric ciphertext blob (docs/ciphertext-format.md): what it binds, and that every version ever written keeps
/// decrypting.
@Suite struct CiphertextFormatTests {
    static let material = KeyMaterial(unsafeBytes: Array(0..<32))
    static let materialID = KeyMaterialID(hex: String(repeating: "5a", count: 32))!
    static let singleRegionID = KeyID("1234abcd-12ab-34cd-56ef-1234567890ab")!
    static let multiRegionID = KeyID("mrk-1234abcd12ab34cd56ef1234567890ab")!
    static let east = Scope(accountID: "111122223333", region: "us-east-1")
    static let west = Scope(accountID: "111122223333", region: "eu-west-1")
    static let otherAccount = Scope(accountID: "444455556666", region: "us-east-1")
    static let context = ["purpose": "golden"]

    /// Version-1 blobs written by Coffer before version 2 existed (seeded randomness, fixed material): they must open
    /// forever, under the key ARN they were made for.
    static let goldenV1 = [
        // single-Region key in us-east-1, plaintext "golden v1", context {"purpose": "golden"}
        (singleRegionID, "0131323334616263642d313261622d333463642d353665662d3132333435363738393061625a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5ae22c78e9a6e2a20e1588dc70597cff37154163cc3c9c865dbda07a3d44103a576c43c3aa15c6fe87c16fe22e714bdef54599aadc13"),
        // multi-Region key in us-east-1, same plaintext and context (made before multi-Region ciphertexts existed)
        (multiRegionID, "016d726b2d31323334616263643132616233346364353665663132333435363738393061625a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5ae22c78e9a6e2a20e1588dc70597cff37154163cc3c9c865dbda07a3d44103a576c43c3aa15dee0c4e0506a1f6ed52791e4170797c3"),
    ]

    static func seal(_ id: KeyID, in scope: Scope, plaintext: [UInt8] = Array("golden v1".utf8)) throws -> [UInt8] {
        try CiphertextBlob.seal(
            plaintext, material: material, keyID: id, keyARN: scope.keyARN(id), materialID: materialID, context: context,
            random: SeededRandom(seed: 11)
        ).bytes
    }

    static func open(_ bytes: [UInt8], as id: KeyID, in scope: Scope, context: [String: String]? = context) throws -> [UInt8]? {
        guard let blob = CiphertextBlob(bytes: bytes), blob.keyID == id else { return nil }
        return try? blob.open(material: material, keyARN: scope.keyARN(id), context: context)
    }

    @Test(arguments: goldenV1)
    func versionOneBlobsKeepOpeningUnderTheirKeyARN(_ id: KeyID, _ hex: String) throws {
        let bytes = try #require(Hex.decode(hex))
        #expect(bytes[0] == 1)
        #expect(try Self.open(bytes, as: id, in: Self.east) == Array("golden v1".utf8))
        #expect(try Self.open(bytes, as: id, in: Self.east, context: ["purpose": "other"]) == nil)
        #expect(try Self.open(bytes, as: id, in: Self.otherAccount) == nil)
    }

    @Test func singleRegionBlobsStayBoundToTheirRegion() throws {
        let bytes = try Self.seal(Self.singleRegionID, in: Self.east)
        #expect(bytes[0] == 1)
        #expect(try Self.open(bytes, as: Self.singleRegionID, in: Self.east) == Array("golden v1".utf8))
        // The same ID and material in another Region is another key: not interchangeable.
        #expect(try Self.open(bytes, as: Self.singleRegionID, in: Self.west) == nil)
    }
}


/// Encrypt, Decrypt and ReEncrypt across Regions at the service level. Until ReplicateKey exists the related key in
/// the second Region is made directly in the store: the same record and material in another Region, its material
/// sealed for its own ARN, as a replica holds it.
@Suite struct CrossRegionCiphertextTests {
    static let east = Fixtures.scope
    static let west = Scope(accountID: Fixtures.account, region: "eu-west-1")

    /// A key in `east` and its copy (same ID, same material) in `west`.
    static func relatedKeys(_ harness: ServiceHarness, multiRegion: Bool) async throws -> KeyID {
        let metadata = try await harness.createKey(multiRegion ? #"{"MultiRegion": true}"# : "{}", caller: Fixtures.caller(in: east))
        let id = try #require(KeyID(metadata.keyID))
        var record = try #require(await harness.store.key(id, in: east))
        let materialID = try #require(record.currentMaterial?.id)
        let sealed = try #require(await harness.store.sealedMaterial(keyID: id, materialID: materialID, in: east))
        let material = try harness.service.sealer.open(sealed.sealed, keyARN: east.keyARN(id), materialID: materialID)
        record.scope = west
        let resealed = try harness.service.sealer.seal(material, keyARN: west.keyARN(id), materialID: materialID)
        try await harness.store.insertKey(record, materials: [SealedMaterial(keyID: id, materialID: materialID, sealed: resealed)])
        return id
    }

    static func encrypt(_ harness: ServiceHarness, _ id: KeyID, in scope: Scope) async throws -> String {
        let response = try await harness.service.encrypt(
            try request(#"{"KeyId": "\#(id)", "Plaintext": "\#(Data("across Regions".utf8).base64EncodedString())", "EncryptionContext": {"a": "b"}}"#),
            caller: Fixtures.caller(in: scope)
        )
        return response.ciphertextBlob.base64EncodedString()
    }

    @Test func aMultiRegionCiphertextDecryptsWithTheRelatedKeyInAnotherRegion() async throws {
        let harness = ServiceHarness()
        let id = try await Self.relatedKeys(harness, multiRegion: true)
        let blob = try await Self.encrypt(harness, id, in: Self.east)
        let west = Fixtures.caller(in: Self.west)
        for keyID in [nil, id.rawValue, Self.west.keyARN(id)] {
            let keyField = keyID.map { #", "KeyId": "\#($0)""# } ?? ""
            let decrypted = try await harness.service.decrypt(
                try request(#"{"CiphertextBlob": "\#(blob)", "EncryptionContext": {"a": "b"}\#(keyField)}"#), caller: west
            )
            #expect(decrypted.plaintext == Data("across Regions".utf8))
            #expect(decrypted.keyID == Self.west.keyARN(id))
        }
        // The encryption context still binds.
        await expectKMSError(.invalidCiphertext) {
            _ = try await harness.service.decrypt(try request(#"{"CiphertextBlob": "\#(blob)", "EncryptionContext": {"a": "c"}}"#), caller: west)
        }
        // ReEncrypt in the other Region, from the related key to a key of that Region.
        let target = try await harness.createKey("{}", caller: west)
        let reEncrypted = try await harness.service.reEncrypt(
            try request(#"{"CiphertextBlob": "\#(blob)", "SourceEncryptionContext": {"a": "b"}, "DestinationKeyId": "\#(target.keyID)"}"#),
            caller: west
        )
        #expect(reEncrypted.sourceKeyID == Self.west.keyARN(id))
        // And back: a ciphertext made in the other Region decrypts in the first.
        let back = try await Self.encrypt(harness, id, in: Self.west)
        let decrypted = try await harness.service.decrypt(
            try request(#"{"CiphertextBlob": "\#(back)", "EncryptionContext": {"a": "b"}}"#), caller: Fixtures.caller(in: Self.east)
        )
        #expect(decrypted.plaintext == Data("across Regions".utf8))
    }

    @Test func aSingleRegionCiphertextDoesNotDecryptWithTheSameMaterialInAnotherRegion() async throws {
        let harness = ServiceHarness()
        let id = try await Self.relatedKeys(harness, multiRegion: false)
        let blob = try await Self.encrypt(harness, id, in: Self.east)
        await expectKMSError(.invalidCiphertext) {
            _ = try await harness.service.decrypt(
                try request(#"{"CiphertextBlob": "\#(blob)", "EncryptionContext": {"a": "b"}}"#), caller: Fixtures.caller(in: Self.west)
            )
        }
    }

    @Test func aMultiRegionCiphertextDoesNotDecryptInAnotherAccount() async throws {
        let harness = ServiceHarness()
        let id = try await Self.relatedKeys(harness, multiRegion: true)
        let blob = try await Self.encrypt(harness, id, in: Self.east)
        // The same key ID and material under another account (only a forged store could hold it) fails: the blob binds
        // the account.
        var record = try #require(await harness.store.key(id, in: Self.east))
        let other = Fixtures.otherAccountScope
        let materialID = try #require(record.currentMaterial?.id)
        let sealed = try #require(await harness.store.sealedMaterial(keyID: id, materialID: materialID, in: Self.east))
        let material = try harness.service.sealer.open(sealed.sealed, keyARN: Self.east.keyARN(id), materialID: materialID)
        record.scope = other
        record.policy = try #require(await harness.store.key(id, in: Self.east)?.policy.replacingOccurrences(of: Fixtures.account, with: Fixtures.otherAccount))
        try await harness.store.insertKey(
            record, materials: [SealedMaterial(keyID: id, materialID: materialID, sealed: try harness.service.sealer.seal(material, keyARN: other.keyARN(id), materialID: materialID))]
        )
        await expectKMSError(.invalidCiphertext) {
            _ = try await harness.service.decrypt(
                try request(#"{"CiphertextBlob": "\#(blob)", "EncryptionContext": {"a": "b"}}"#), caller: Fixtures.caller(in: other)
            )
        }
    }
}

extension CiphertextFormatTests {
    @Test func multiRegionBlobsAreVersionTwoAndOpenInEveryRegionOfTheirAccount() throws {
        let bytes = try Self.seal(Self.multiRegionID, in: Self.east)
        #expect(bytes[0] == 2)
        #expect(try Self.open(bytes, as: Self.multiRegionID, in: Self.east) == Array("golden v1".utf8))
        #expect(try Self.open(bytes, as: Self.multiRegionID, in: Self.west) == Array("golden v1".utf8))
        #expect(try Self.open(bytes, as: Self.multiRegionID, in: Self.otherAccount) == nil)
        #expect(try Self.open(bytes, as: Self.multiRegionID, in: Self.west, context: nil) == nil)
    }

    @Test func versionTwoNeedsAMultiRegionKeyIDAndOtherVersionsAreNotBlobs() throws {
        var bytes = try Self.seal(Self.singleRegionID, in: Self.east)
        bytes[0] = 2
        #expect(CiphertextBlob(bytes: bytes) == nil)
        for version: UInt8 in [0, 3, 0xff] {
            bytes[0] = version
            #expect(CiphertextBlob(bytes: bytes) == nil)
        }
    }

    @Test func everyAlteredByteOfAVersionTwoBlobFails() throws {
        let bytes = try Self.seal(Self.multiRegionID, in: Self.east)
        for index in bytes.indices {
            var altered = bytes
            altered[index] ^= 0x01
            #expect(try Self.open(altered, as: Self.multiRegionID, in: Self.west) == nil, "byte \(index)")
        }
    }
}
