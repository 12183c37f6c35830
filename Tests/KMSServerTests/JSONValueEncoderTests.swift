import Foundation
import KMSCore
import Testing

@testable import KMSServer

/// The response encoder against Foundation's JSONEncoder configured as the router had it (epoch-second dates, base64
/// blobs, slashes unescaped): the same JSON for every kind of member a response has.
@Suite struct JSONValueEncoderTests {
    enum Usage: String, Codable { case encrypt = "ENCRYPT_DECRYPT", sign = "SIGN_VERIFY" }

    struct Inner: Codable, Equatable {
        var name: String
        var values: [Int]
        var flag: Bool?
    }

    struct Sample: Codable, Equatable {
        var keyID: String
        var blob: Data
        var created: Date
        var fractional: Date
        var usage: Usage
        var usages: [Usage]
        var count: Int
        var big: Int64
        var ratio: Double
        var enabled: Bool
        var missing: String?
        var present: String?
        var nested: Inner
        var list: [Inner]
        var map: [String: String]
        var empty: [String]
        var text: String

        enum CodingKeys: String, CodingKey {
            case keyID = "KeyId", blob = "CiphertextBlob", created = "CreationDate", fractional = "DeletionDate", usage = "KeyUsage"
            case usages = "Usages", count = "Count", big = "Big", ratio = "Ratio", enabled = "Enabled", missing = "Missing"
            case present = "Present", nested = "Nested", list = "List", map = "Map", empty = "Empty", text = "Text"
        }
    }

    static let sample = Sample(
        keyID: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", blob: Data((0..<200).map { UInt8($0) }),
        created: Date(timeIntervalSince1970: 1_733_345_678), fractional: Date(timeIntervalSince1970: 1_733_345_678.125),
        usage: .encrypt, usages: [.sign, .encrypt], count: 7, big: 9_007_199_254_740_991, ratio: 0.1, enabled: true, missing: nil,
        present: "a/b \"quoted\" \\ \n\t\u{1} é 😀", nested: Inner(name: "n", values: [1, -2, 3], flag: false),
        list: [Inner(name: "x", values: [], flag: nil)], map: ["k": "v", "aws:x": "/"], empty: [], text: ""
    )

    static func foundation(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func object(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test func sameJSONAsFoundation() throws {
        let ours = Data(try JSONValueEncoder().encode(Self.sample))
        #expect(try Self.object(ours) == Self.object(try Self.foundation(Self.sample)))
    }

    @Test func roundTripsThroughFoundationsDecoder() throws {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        #expect(try decoder.decode(Sample.self, from: Data(try JSONValueEncoder().encode(Self.sample))) == Self.sample)
    }

    @Test func membersInEncodingOrderAndNilLeftOut() throws {
        let text = String(decoding: try JSONValueEncoder().encode(Self.sample), as: UTF8.self)
        #expect(text.hasPrefix(#"{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab","CiphertextBlob":""#))
        #expect(text.contains(#""CreationDate":1733345678,"DeletionDate":1733345678.125,"#))
        #expect(!text.contains("Missing"))
    }

    @Test func nonFiniteNumbersAreAnError() {
        #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(["x": Double.nan]) }
    }
}
