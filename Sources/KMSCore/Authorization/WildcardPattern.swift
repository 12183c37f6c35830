import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An Action or Resource pattern, classified once when the policy is parsed so that the common shapes (`*`, an exact
/// name, `prefix*`) match without the general algorithm.
struct WildcardPattern: Sendable, Hashable {
    enum Kind: Sendable, Hashable { case any, exact, prefix, general }
    var text: String
    var kind: Kind
    /// For `.prefix`: the text before the trailing `*`.
    var prefix: String
    /// Whether the pattern holds policy variables (`${aws:username}`), substituted per request.
    var hasVariables: Bool

    init(_ text: String) {
        self.text = text
        hasVariables = text.contains("${")
        let wildcards = text.utf8.filter { $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "?") }.count
        prefix = ""
        if text == "*" {
            kind = .any
        } else if wildcards == 0 {
            kind = .exact
        } else if wildcards == 1, text.hasSuffix("*") {
            kind = .prefix
            prefix = String(text.dropLast())
        } else {
            kind = .general
        }
    }

    func matches(_ value: String) -> Bool {
        switch kind {
        case .any: return true
        case .exact: return text == value
        case .prefix: return value.hasPrefix(prefix)
        case .general: return Wildcard.match(text, value)
        }
    }
}
