import Crypto

/// The project's one comparison of secrets, through swift-crypto: the SHA-256 digests of both sides compared with
/// swift-crypto's constant-time digest equality, so the time depends on neither where the inputs differ nor (beyond
/// hashing) their contents.
public enum ConstantTime {
    public static func equals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        SHA256.hash(bytes: lhs) == SHA256.hash(bytes: rhs)
    }

    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        equals(Array(lhs.utf8), Array(rhs.utf8))
    }
}
