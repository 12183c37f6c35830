import Crypto
import Foundation

/// Where random bytes for IDs and GenerateRandom come from. Key generation itself uses swift-crypto's CSPRNG.
public protocol RandomSource: Sendable {
    func bytes(_ count: Int) -> [UInt8]
}

/// The system CSPRNG (through swift-crypto).
public struct SystemRandom: RandomSource {
    public init() {}
    public func bytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        return SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
    }
}

/// A deterministic source for tests: SHA-256 in counter mode over a seed. Never use it for real keys.
public final class SeededRandom: RandomSource, @unchecked Sendable {
    // @unchecked Sendable: `counter` is only touched while holding `lock`.
    private let lock = NSLock()
    private let seed: [UInt8]
    private var counter: UInt64 = 0

    public init(seed: UInt64) {
        self.seed = withUnsafeBytes(of: seed.bigEndian) { Array($0) }
    }

    public func bytes(_ count: Int) -> [UInt8] {
        lock.withLock {
            var out = [UInt8]()
            while out.count < count {
                counter += 1
                let block = seed + withUnsafeBytes(of: counter.bigEndian) { Array($0) }
                out.append(contentsOf: SHA256.hash(data: block))
            }
            return Array(out.prefix(count))
        }
    }
}
