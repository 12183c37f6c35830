import Foundation

/// A non-negative number kept as a meta value (a clock offset, a date in epoch seconds): 8 bytes, IEEE 754 big-endian.
public enum MetaNumber {
    public static func encode(_ value: Double) -> [UInt8] {
        withUnsafeBytes(of: value.bitPattern.bigEndian) { Array($0) }
    }

    /// Nil unless 8 bytes holding a finite, non-negative number.
    public static func decode(_ bytes: [UInt8]) -> Double? {
        guard bytes.count == 8 else { return nil }
        let value = Double(bitPattern: bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        return value.isFinite && value >= 0 ? value : nil
    }
}
