import Crypto

extension SHA256 {
    /// The digest of a byte array through the buffer-pointer entry point. `SHA256.hash(data:)` takes any
    /// `DataProtocol`, and from another module that generic path costs about 2,500 instructions a call before hashing
    /// (bench/callgrind-guard).
    public static func hash(bytes: [UInt8]) -> Digest {
        var hasher = SHA256()
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return hasher.finalize()
    }
}
