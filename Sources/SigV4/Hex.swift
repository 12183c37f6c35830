/// Hexadecimal, the one codec of the project: lower-case encoding, validating decoding (either case; nil for anything
/// that is not an even number of hex digits).
///
/// `@inlinable` so that callers in other modules get code specialized for their argument type: unspecialized, the
/// generic `StringProtocol`/`Sequence` paths cost about 40,000 instructions per Encrypt (bench/callgrind-guard).
public enum Hex {
    @inlinable
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        let bytes = Array(bytes)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var offset = 0
            for byte in bytes {
                buffer[offset] = digit(byte >> 4)
                buffer[offset + 1] = digit(byte & 0x0F)
                offset += 2
            }
            return offset
        }
    }

    /// The lower-case digit for a nibble (0...15).
    @inlinable @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? nibble &+ UInt8(ascii: "0") : nibble &+ (UInt8(ascii: "a") &- 10)
    }

    /// The value of one hexadecimal digit, or nil.
    @inlinable @inline(__always)
    public static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    /// Decodes an even-length hexadecimal string, or returns nil.
    @inlinable
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        decode(bytes: text.utf8)
    }

    /// Decodes even-length hexadecimal text given as UTF-8 bytes, or returns nil.
    @inlinable
    public static func decode(bytes utf8: some Collection<UInt8>) -> [UInt8]? {
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let next = utf8.index(after: index)
            guard let high = value(of: utf8[index]), let low = value(of: utf8[next]) else { return nil }
            out.append(high << 4 | low)
            index = utf8.index(after: next)
        }
        return out
    }
}
