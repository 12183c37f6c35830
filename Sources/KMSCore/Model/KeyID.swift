import SigV4

/// A KMS key ID: a lower-case UUID (`1234abcd-12ab-34cd-56ef-1234567890ab`) or, for multi-Region keys,
/// `mrk-` followed by 32 lower-case hex digits. A `KeyID` value is always well formed.
public struct KeyID: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// Parses a key ID; returns nil when the text is not a well-formed key ID.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        if text.hasPrefix("mrk-") {
            guard bytes.dropFirst(4).allSatisfy(KeyID.isLowerHex) else { return nil }
        } else {
            for (index, byte) in bytes.enumerated() {
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    guard byte == UInt8(ascii: "-") else { return nil }
                } else {
                    guard KeyID.isLowerHex(byte) else { return nil }
                }
            }
        }
        self.rawValue = text
    }

    /// Builds a key ID from 16 random bytes: a version-4 UUID, or `mrk-` and 32 hex digits.
    public init(randomBytes: [UInt8], multiRegion: Bool) {
        var bytes = Array(randomBytes.prefix(16))
        while bytes.count < 16 { bytes.append(0) }
        if multiRegion {
            self.rawValue = "mrk-" + Hex.encode(bytes)
        } else {
            bytes[6] = (bytes[6] & 0x0f) | 0x40
            bytes[8] = (bytes[8] & 0x3f) | 0x80
            let hex = Array(Hex.encode(bytes).utf8)
            var out = [UInt8]()
            for (index, byte) in hex.enumerated() {
                if index == 8 || index == 12 || index == 16 || index == 20 { out.append(UInt8(ascii: "-")) }
                out.append(byte)
            }
            self.rawValue = String(decoding: out, as: UTF8.self)
        }
    }

    public var isMultiRegion: Bool { rawValue.hasPrefix("mrk-") }
    public var description: String { rawValue }
    public static func < (lhs: KeyID, rhs: KeyID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = KeyID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad key id"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
    }
}
