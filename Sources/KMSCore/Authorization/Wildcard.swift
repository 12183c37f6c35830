import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// IAM wildcard matching: `*` any run of characters, `?` exactly one. Works on the UTF-8 bytes, without allocating.
enum Wildcard {
    static func match(_ pattern: String, _ text: String) -> Bool {
        var pattern = pattern, text = text
        return pattern.withUTF8 { p in text.withUTF8 { t in match(p, t) } }
    }

    static func match(_ pattern: Substring, _ text: Substring) -> Bool {
        var pattern = pattern, text = text
        return pattern.withUTF8 { p in text.withUTF8 { t in match(p, t) } }
    }

    static func match(_ p: UnsafeBufferPointer<UInt8>, _ t: UnsafeBufferPointer<UInt8>) -> Bool {
        let star = UInt8(ascii: "*"), question = UInt8(ascii: "?")
        var pi = 0, ti = 0, starAt = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == question || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == star {
                starAt = pi
                mark = ti
                pi += 1
            } else if starAt >= 0 {
                pi = starAt + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == star { pi += 1 }
        return pi == p.count
    }

    /// ARN matching as ArnLike does it: six `:`-separated fields, each matched with wildcards on its own.
    static func matchARN(_ pattern: String, _ text: String) -> Bool {
        let p = pattern.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let t = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard p.count == 6, t.count == 6 else { return false }
        for index in 0..<6 where !match(p[index], t[index]) { return false }
        return true
    }
}
