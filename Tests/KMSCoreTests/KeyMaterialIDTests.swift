import Foundation
import KMSTesting
import SigV4
import Testing

@testable import KMSCore

/// `KeyMaterialID`: 32 bytes, parsed once, shown and stored as 64 lower-case hex digits exactly as before it was a type.
@Suite struct KeyMaterialIDTests {
    static let text = String(repeating: "0123456789abcdef", count: 4)

    @Test func hexRoundTrips() throws {
        let id = try #require(KeyMaterialID(hex: Self.text))
        #expect(id.hex == Self.text)
        #expect(id.description == Self.text)
        #expect(id.bytes == Hex.decode(Self.text))
        #expect(KeyMaterialID(bytes: id.bytes) == id)
    }

    @Test(arguments: [
        "", String(repeating: "a", count: 63), String(repeating: "a", count: 65), String(repeating: "A", count: 64),
        String(repeating: "0123456789ABCDEF", count: 4), String(repeating: "g", count: 64), String(repeating: "a", count: 62) + " a",
    ])
    func malformedHexIsRefused(_ text: String) {
        #expect(KeyMaterialID(hex: text) == nil)
    }

    @Test func onlyThirtyTwoBytesMakeAnID() {
        #expect(KeyMaterialID(bytes: [UInt8](repeating: 1, count: 31)) == nil)
        #expect(KeyMaterialID(bytes: [UInt8](repeating: 1, count: 33)) == nil)
        #expect(KeyMaterialID(bytes: [UInt8](repeating: 1, count: 32))?.hex == String(repeating: "01", count: 32))
    }

    @Test func orderIsThatOfTheHexText() {
        let random = SeededRandom(seed: 3)
        let ids = (0..<50).map { _ in KeyMaterialID(bytes: random.bytes(32))! }
        #expect(ids.sorted().map(\.hex) == ids.map(\.hex).sorted())
    }

    @Test func codableAsTheHexString() throws {
        let id = try #require(KeyMaterialID(hex: Self.text))
        let encoded = try JSONEncoder().encode([id])
        #expect(String(decoding: encoded, as: UTF8.self) == "[\"\(Self.text)\"]")
        #expect(try JSONDecoder().decode([KeyMaterialID].self, from: encoded) == [id])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([KeyMaterialID].self, from: Data("[\"\(Self.text.uppercased())\"]".utf8))
        }
    }

    @Test func aMalformedStoredIDIsStoreCorruption() {
        #expect(throws: KMSError.internalFailure("any")) { try KeyMaterialID(stored: "not-a-material-id") }
        #expect((try? KeyMaterialID(stored: Self.text))?.hex == Self.text)
    }

    @Test func keyRecordDocumentsReencodeByteForByte() throws {
        let record = makeRecord()
        let document = try StoreDocuments.encode(record)
        #expect(document.contains("\"id\":\"\(String(repeating: "a", count: 64))\""))
        let decoded = try StoreDocuments.decode(KeyRecord.self, document)
        #expect(decoded == record)
        #expect(try StoreDocuments.encode(decoded) == document)
    }

    @Test func aDocumentWithAMalformedMaterialIDDoesNotDecode() throws {
        let document = try StoreDocuments.encode(makeRecord())
            .replacingOccurrences(of: String(repeating: "a", count: 64), with: String(repeating: "A", count: 64))
        #expect(throws: DecodingError.self) { try StoreDocuments.decode(KeyRecord.self, document) }
    }

    @Test func ciphertextBlobsCarryTheRawBytes() throws {
        let id = try #require(KeyMaterialID(hex: Self.text))
        let keyID = KeyID("1234abcd-12ab-34cd-56ef-1234567890ab")!
        let blob = try CiphertextBlob.seal(
            [1, 2, 3], material: KeyMaterial(unsafeBytes: Array(0..<32)), keyID: keyID, keyARN: Fixtures.scope.keyARN(keyID),
            materialID: id, context: nil, random: SeededRandom(seed: 1)
        )
        #expect(Array(blob.bytes[37..<69]) == id.bytes)
        #expect(CiphertextBlob(bytes: blob.bytes)?.materialID == id)
    }
}
