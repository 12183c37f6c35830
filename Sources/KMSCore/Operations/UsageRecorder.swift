import Crypto
import Foundation
import Synchronization
import SigV4

/// Last-usage tracking without a database write per request: each counted use replaces the key's pending record in
/// memory (a lock and a dictionary store), and `flush` writes what is pending in one batch, about once a second
/// (`UsageFlushService`), and once more at shutdown. The store keeps, per key, the latest by timestamp, so several
/// nodes can flush in any order.
public final class UsageRecorder: Sendable {
    /// The operations GetKeyLastUsage reports (`KeyLastUsageTrackingOperation`), counted when they succeed.
    public static let counted: Set<OperationName> = [
        .decrypt, .deriveSharedSecret, .encrypt, .generateDataKey, .generateDataKeyPair, .generateDataKeyPairWithoutPlaintext,
        .generateDataKeyWithoutPlaintext, .generateMac, .reEncrypt, .sign, .verify, .verifyMac,
    ]

    struct Slot: Hashable, Sendable {
        var account: String
        var region: String
        var keyID: KeyID
    }

    /// Usage not yet written, and usage being written (still shown until the store has it).
    private struct State {
        var pending: [Slot: KeyUsageRecord] = [:]
        var inFlight: [Slot: KeyUsageRecord] = [:]
    }

    private let state = Mutex(State())
    /// Whether this process has made sure the store's tracking start is written (once per process).
    let trackingStartStored = Mutex(false)

    public init() {}

    func record(_ usage: KeyUsageRecord) {
        let slot = Slot(account: usage.scope.accountID, region: usage.scope.region, keyID: usage.keyID)
        state.withLock { state in
            if let existing = state.pending[slot], existing.timestamp > usage.timestamp { return }
            state.pending[slot] = usage
        }
    }

    /// This node's unwritten (or being written) usage of a key, with its event ID.
    func pendingUsage(of keyID: KeyID, in scope: Scope) -> KeyUsageRecord? {
        let slot = Slot(account: scope.accountID, region: scope.region, keyID: keyID)
        let found = state.withLock { state in
            [state.pending[slot], state.inFlight[slot]].compactMap { $0 }.max { $0.timestamp < $1.timestamp }
        }
        return found.map(Self.withEventID)
    }

    /// The event ID is derived when a record leaves memory, not on the request path.
    static func withEventID(_ usage: KeyUsageRecord) -> KeyUsageRecord {
        var usage = usage
        if usage.eventID.isEmpty { usage.eventID = eventID(forRequest: usage.requestID) }
        return usage
    }

    /// Writes everything pending; on failure it is kept (unless newer usage came meanwhile) for the next flush. While
    /// the write runs, the batch stays visible to GetKeyLastUsage.
    /// - Returns: how many keys were written.
    public func flush(to store: any KeyStore) async throws(KMSError) -> Int {
        let batch = state.withLock { state in
            let batch = state.pending
            state.pending.removeAll(keepingCapacity: true)
            state.inFlight.merge(batch) { $1 }
            return batch
        }
        guard !batch.isEmpty else { return 0 }
        do {
            try await store.recordUsages(batch.values.map(Self.withEventID))
        } catch {
            state.withLock { state in
                for (slot, usage) in batch {
                    if state.inFlight[slot] == usage { state.inFlight[slot] = nil }
                    if let newer = state.pending[slot], newer.timestamp >= usage.timestamp { continue }
                    state.pending[slot] = usage
                }
            }
            throw error
        }
        state.withLock { state in
            for (slot, usage) in batch where state.inFlight[slot] == usage { state.inFlight[slot] = nil }
        }
        return batch.count
    }

    /// The CloudTrail-style event ID of a request: a UUID derived from its request ID (the audit log uses the same
    /// derivation), so that it needs no randomness on the request path.
    public static func eventID(forRequest requestID: String) -> String {
        var bytes = Array(SHA256.hash(data: Array("coffer/event/\(requestID)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = Hex.encode(bytes)
        let h = Array(hex)
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }
}
