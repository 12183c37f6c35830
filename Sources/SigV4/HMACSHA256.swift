import Crypto

/// HMAC-SHA256 (RFC 2104) on swift-crypto's SHA-256, for the two places a request computes HMACs: SigV4 and the
/// per-ciphertext key derivation.
///
/// swift-crypto's `HMAC<SHA256>` is generic over the hash function and, called from another module, runs its
/// unspecialized code: about 9,000 instructions to set up a key and 2,500 per `update(data:)` before any hashing
/// (bench/callgrind-guard), several times per request. This type does the same computation through `SHA256`'s concrete
/// buffer-pointer entry points. A prepared instance (key absorbed) is a value: copying it and updating the copy reuses
/// the key's two hashed blocks, which is how the SigV4 signing-key cache uses it. Unit tests check it against RFC 4231's
/// vectors and against `HMAC<SHA256>` for keys and messages of every length around the block size.
public struct HMACSHA256: Sendable {
    public static let blockSize = 64
    private var inner: SHA256
    private var outer: SHA256

    public init(key: UnsafeRawBufferPointer) {
        var block = [UInt8](repeating: 0, count: Self.blockSize)
        block.withUnsafeMutableBytes { blockBytes in
            if key.count > Self.blockSize {
                var hasher = SHA256()
                hasher.update(bufferPointer: key)
                hasher.finalize().withUnsafeBytes { blockBytes.copyMemory(from: $0) }
            } else if key.count > 0 {
                blockBytes.copyMemory(from: key)
            }
        }
        for index in block.indices { block[index] ^= 0x36 }
        var inner = SHA256()
        block.withUnsafeBytes { inner.update(bufferPointer: $0) }
        for index in block.indices { block[index] ^= 0x36 ^ 0x5C }
        var outer = SHA256()
        block.withUnsafeBytes { outer.update(bufferPointer: $0) }
        for index in block.indices { block[index] = 0 }
        self.inner = inner
        self.outer = outer
    }

    public init(key: [UInt8]) {
        self = key.withUnsafeBytes { Self(key: $0) }
    }

    public init(key: SymmetricKey) {
        self = key.withUnsafeBytes { Self(key: $0) }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        inner.update(bufferPointer: bytes)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { inner.update(bufferPointer: $0) }
    }

    public func finalize() -> SHA256.Digest {
        let innerDigest = inner.finalize()
        var outer = self.outer
        innerDigest.withUnsafeBytes { outer.update(bufferPointer: $0) }
        return outer.finalize()
    }

    /// The MAC of one message.
    public static func authenticationCode(_ message: [UInt8], key: [UInt8]) -> SHA256.Digest {
        var mac = Self(key: key)
        mac.update(message)
        return mac.finalize()
    }
}
