import Crypto
import SigV4

/// The ID of one key material of a key: 32 bytes (`KeyMaterial.materialID(for:)`, an HMAC-SHA-256), written as 64
/// lower-case hex digits wherever it leaves Coffer: the `KeyMaterialId` members of requests and responses, key-record
/// documents, the stores' `material_id` columns and the material sealer's associated data. Ciphertext blobs carry the
/// 32 raw bytes (offset 37).
///
/// Parsed once at the edge (`init?(hex:)`, `init?(bytes:)`, `Decodable`); a value always holds a well-formed ID.
/// Parsing is strict: exactly 64 *lower-case* hex digits, so that `hex` gives back the very text that was parsed and
/// stored documents re-encode byte for byte. A stored ID that does not parse (only a damaged store could hold one) is
/// store corruption: the store reports `KMSInternalException` for that record instead of guessing, so a malformed ID can
/// never alias a valid one.
public struct KeyMaterialID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    // The 32 bytes as four big-endian words: no allocation, cheap hashing and comparison (the order is that of the
    // hex text).
    private let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public static let byteCount = 32

    /// The ID in 32 raw bytes; nil for any other length.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.init(exactly: bytes)
    }

    /// The ID a SHA-256-sized MAC or digest makes (always 32 bytes).
    public init(digest: SHA256.Digest) {
        self.init(exactly: Array(digest))
    }

    /// `bytes` has `byteCount` elements (checked by the callers).
    private init(exactly bytes: some Collection<UInt8>) {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        for (offset, byte) in bytes.enumerated() {
            let value = UInt64(byte)
            switch offset / 8 {
            case 0: words.0 = words.0 << 8 | value
            case 1: words.1 = words.1 << 8 | value
            case 2: words.2 = words.2 << 8 | value
            default: words.3 = words.3 << 8 | value
            }
        }
        (w0, w1, w2, w3) = words
    }

    /// The ID written as 64 lower-case hex digits; nil for anything else (upper-case digits included).
    public init?(hex text: some StringProtocol) {
        let utf8 = text.utf8
        guard utf8.count == 2 * Self.byteCount else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.byteCount)
        var high: UInt8?
        for digit in utf8 {
            let value: UInt8
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = digit &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = digit &- UInt8(ascii: "a") &+ 10
            default: return nil
            }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        self.init(bytes: bytes)
    }

    /// An ID read back from a store's `material_id` column.
    /// - Throws: `KMSInternalException` (store corruption, with the text as the cause) unless it is 64 lower-case hex digits.
    public init(stored text: String, file: String = #fileID, line: UInt = #line) throws(KMSError) {
        guard let id = KeyMaterialID(hex: text) else {
            throw KMSError.internalFailure("the store holds a malformed key material ID \"\(text)\" (not 64 lower-case hex digits)", file: file, line: line)
        }
        self = id
    }

    /// The 32 raw bytes.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return out
    }

    /// The 64 lower-case hex digits.
    public var hex: String { Hex.encode(bytes) }

    public var description: String { hex }

    public static func < (lhs: KeyMaterialID, rhs: KeyMaterialID) -> Bool {
        (lhs.w0, lhs.w1, lhs.w2, lhs.w3) < (rhs.w0, rhs.w1, rhs.w2, rhs.w3)
    }

    /// Decodes the hex text. - Throws: `DecodingError.dataCorrupted` unless it is 64 lower-case hex digits.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = KeyMaterialID(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a key material ID is 64 lower-case hex digits")
        }
        self = id
    }

    /// Encodes the hex text.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
