import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `${aws:username}`-style policy variables; `${*}`, `${?}` and `${$}` are the literal characters. An unknown or
/// absent variable makes the value unmatchable (nil).
enum PolicyVariables {
    static func substitute(_ text: String, _ context: AuthorizationContext) -> String? {
        var out = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { return nil }
            let name = rest[start.upperBound..<end]
            switch name {
            case "*", "?", "$": out += name
            default:
                guard case .single(let value)? = context.value(name.lowercased()) else { return nil }
                out += value
            }
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}
