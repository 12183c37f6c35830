import Foundation
import Testing

@testable import SigV4

extension [[String]] {
    /// JSON `[[name, value], ...]` as header pairs.
    var pairs: [(name: String, value: String)] {
        compactMap { pair in
            guard pair.count == 2 else { return nil }
            return (name: pair[0], value: pair[1])
        }
    }
}

extension SigV4Request {
    /// A copy with every header named `name` (any case) removed.
    func removingHeader(_ name: String) -> SigV4Request {
        var copy = self
        copy.headers.removeAll { $0.name.lowercased() == name.lowercased() }
        return copy
    }

    /// A copy with the header named `name` set to `value` (replacing all occurrences).
    func settingHeader(_ name: String, _ value: String) -> SigV4Request {
        var copy = removingHeader(name)
        copy.headers.append((name: name, value: value))
        return copy
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
