/// Case-insensitive look-ups in a received header list.
enum HeaderFields {
    /// ASCII case-insensitive equality of a header name with a lower-case name.
    @inline(__always)
    static func name(_ name: some StringProtocol, matches lowercased: some StringProtocol) -> Bool {
        var left = name.utf8.makeIterator()
        var right = lowercased.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil):
                return true
            case let (a?, b?):
                let folded = (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z")) ? a | 0x20 : a
                if folded != b { return false }
            default:
                return false
            }
        }
    }

    /// Every value of the header `lowercasedName`, in the order received.
    static func values(
        _ lowercasedName: some StringProtocol,
        in headers: [(name: String, value: String)]
    ) -> [String] {
        var found: [String] = []
        for header in headers where name(header.name, matches: lowercasedName) {
            found.append(header.value)
        }
        return found
    }

    /// True when the header is present at least once.
    static func contains(_ lowercasedName: some StringProtocol, in headers: [(name: String, value: String)]) -> Bool {
        headers.contains { name($0.name, matches: lowercasedName) }
    }

    /// ASCII lower-casing (header names are ASCII tokens).
    static func lowercased(_ text: some StringProtocol) -> String {
        var bytes = Array(text.utf8)
        for index in bytes.indices where bytes[index] >= UInt8(ascii: "A") && bytes[index] <= UInt8(ascii: "Z") {
            bytes[index] |= 0x20
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    /// A header value with leading and trailing whitespace removed and every
    /// run of inner whitespace collapsed to one space (SigV4 "Trimall").
    static func appendTrimmed(_ value: String, to out: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            var end = bytes.count
            while start < end, isWhitespace(bytes[start]) { start += 1 }
            while end > start, isWhitespace(bytes[end - 1]) { end -= 1 }
            // Fast path, almost every value: no inner whitespace other than single spaces is copied as it is. bytes[end - 1]
            // is not whitespace, so `index + 1` stays in range.
            var index = start
            while index < end {
                let byte = bytes[index]
                if isWhitespace(byte), byte != 0x20 || isWhitespace(bytes[index + 1]) { break }
                index += 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
            var pendingSpace = false
            while index < end {
                let byte = bytes[index]
                if isWhitespace(byte) {
                    pendingSpace = true
                } else {
                    if pendingSpace {
                        out.append(0x20)
                        pendingSpace = false
                    }
                    out.append(byte)
                }
                index += 1
            }
        }
    }

    static func trimmed(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        appendTrimmed(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
