/// Comparisons whose running time does not depend on where inputs differ.
enum ConstantTime {
    /// True when both byte strings are equal. Time depends only on the lengths.
    static func equals(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        var difference: UInt8 = lhs.count == rhs.count ? 0 : 1
        var left = lhs.makeIterator()
        var right = rhs.makeIterator()
        while true {
            let a = left.next()
            let b = right.next()
            if a == nil && b == nil { break }
            difference |= (a ?? 0) ^ (b ?? 0)
        }
        return difference == 0
    }

    static func equals(_ lhs: String, _ rhs: String) -> Bool {
        equals(lhs.utf8, rhs.utf8)
    }
}
