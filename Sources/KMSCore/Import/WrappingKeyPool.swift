import Dispatch

/// Pre-generated RSA wrapping key pairs, so that GetParametersForImport answers fast even for RSA-4096, whose
/// generation takes a second or more. The pool is refilled by a background service (`refill()`); when it is empty a
/// key is generated on demand. Generation runs as `HeavyWork` (a Dispatch queue), never on the threads serving requests.
public actor WrappingKeyPool {
    /// How many keys to keep ready per size.
    public let targets: [WrappingKeySpec: Int]
    private var ready: [WrappingKeySpec: [OpenSSLKey]] = [:]
    private var hits = 0
    private var misses = 0

    public init(targets: [WrappingKeySpec: Int] = [.rsa2048: 4, .rsa3072: 2, .rsa4096: 2]) {
        self.targets = targets
    }

    /// A fresh key pair of the given size, from the pool when it has one.
    func take(_ spec: WrappingKeySpec) async throws(KMSError) -> OpenSSLKey {
        if var keys = ready[spec], let key = keys.popLast() {
            ready[spec] = keys
            hits += 1
            return key
        }
        misses += 1
        return try await Self.generate(spec)
    }

    /// Generates keys until every size is at its target, or until `shouldContinue` says stop (checked between keys).
    /// - Returns: how many keys were generated.
    @discardableResult
    public func refill(while shouldContinue: @Sendable () -> Bool = { true }) async -> Int {
        var generated = 0
        for spec in [WrappingKeySpec.rsa2048, .rsa3072, .rsa4096] {
            while (ready[spec]?.count ?? 0) < (targets[spec] ?? 0) {
                guard shouldContinue() else { return generated }
                guard let key = try? await Self.generate(spec) else { return generated }
                ready[spec, default: []].append(key)
                generated += 1
            }
        }
        return generated
    }

    /// Keys ready per size, and how many takes were served from the pool or generated on demand.
    public func statistics() -> (ready: [WrappingKeySpec: Int], hits: Int, misses: Int) {
        (ready.mapValues(\.count), hits, misses)
    }

    static func generate(_ spec: WrappingKeySpec) async throws(KMSError) -> OpenSSLKey {
        guard let bits = spec.bits else { throw KMSError.unsupported("The SM2 wrapping key spec is only available in China Regions.") }
        return try await HeavyWork.run(qos: .utility) { () throws(KMSError) in
            do {
                return try OpenSSLKey.generate(.rsa(bits: bits))
            } catch {
                throw KMSError.internalFailure(error)
            }
        }
    }
}
