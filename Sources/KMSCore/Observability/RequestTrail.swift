import Synchronization

/// What one request touched, written where it is decided rather than read back from its JSON: the keys it was
/// authorized against (aliases resolved, the ciphertext's key for Decrypt, both keys of ReEncrypt, a new key), in
/// order. The audit record's `resources` come from here. One per request, made at the edge and carried by `Caller`.
public final class RequestTrail: Sendable, Hashable {
    private let keys = Mutex<[KeyReference]>([])

    /// A key a request touched.
    public struct KeyReference: Sendable, Hashable {
        public var arn: String
        public var accountID: String

        public init(arn: String, accountID: String) {
            self.arn = arn
            self.accountID = accountID
        }
    }

    public init() {}

    /// Records a key (once).
    public func touched(_ key: KeyRecord) {
        let reference = KeyReference(arn: key.arn, accountID: key.scope.accountID)
        keys.withLock { if !$0.contains(reference) { $0.append(reference) } }
    }

    /// The keys touched so far, in order.
    public var touchedKeys: [KeyReference] { keys.withLock { $0 } }

    public static func == (lhs: RequestTrail, rhs: RequestTrail) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
