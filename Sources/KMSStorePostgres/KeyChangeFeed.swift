import Foundation
import KMSCore
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Keeps every node's key-record cache true to the shared database, through PostgreSQL's LISTEN/NOTIFY, so that a key
/// change acknowledged by one node is enforced by every node for requests that start afterwards.
///
/// - Every committed change of a key (`updateKey`, `deleteKey`) sends a notification naming the key, inside its
///   transaction: PostgreSQL delivers it to every listening node when (and only if) the change commits, in commit
///   order. A node forgets its copy of that key when the notification arrives, then acknowledges it with a
///   notification of its own.
/// - Every node broadcasts a heartbeat every `heartbeatInterval`. A node uses cached records only while its own
///   heartbeats come back through its listener (the last one within `freshness`, and at least two since it last
///   started listening, so that the other nodes know it before it trusts its cache).
/// - Before a change is acknowledged to the client, the writer waits until its own notification has come back and
///   every node whose heartbeat it saw within `peerWindow` has acknowledged it: then no node serves the old record.
///   A node that does not acknowledge within `freshness` has a broken listener, and has stopped trusting its cache by
///   then; the writer goes on after that long and logs it.
final class KeyChangeFeed: Sendable {
    /// The notification channel: one per schema, so that Coffer stores in different schemas of one database do not
    /// hear each other. Computed by the server, for the same value in transactions and in LISTEN.
    static let channelSQL = "'coffer_keys_' || md5(current_schema())"
    static let heartbeatInterval: Duration = .seconds(1)
    static let freshness: Duration = .seconds(3)
    /// Longer than `freshness`: a node that trusts its cache has had a heartbeat through within `freshness`, so every
    /// other node with a working listener saw it within this window.
    static let peerWindow: Duration = .seconds(5)

    /// Distinguishes this process's notifications from other nodes'.
    let node = UUID().uuidString.lowercased()

    private struct Pending {
        var acknowledged: Set<String> = []
        var needed: Set<String>?
        var waiter: CheckedContinuation<Void, Never>?
    }

    private struct State {
        /// Whether `run` is listening in this process; without it the store caches nothing and waits for nobody.
        var enabled = false
        var lastHeartbeat: ContinuousClock.Instant?
        var heartbeatsSinceListen = 0
        var peers: [String: ContinuousClock.Instant] = [:]
        var nextToken: UInt64 = 0
        var pending: [UInt64: Pending] = [:]
    }

    private let state = Mutex(State())

    /// Whether cached records may be used now.
    func isFresh() -> Bool {
        state.withLock { state in
            guard state.heartbeatsSinceListen >= 2, let last = state.lastHeartbeat else { return false }
            return ContinuousClock.now - last < Self.freshness
        }
    }

    // MARK: Writers

    /// A token for a change about to be made; its notification and the other nodes' acknowledgements carry it back.
    func expect() -> UInt64 {
        state.withLock { state in
            state.nextToken &+= 1
            state.pending[state.nextToken] = Pending()
            return state.nextToken
        }
    }

    /// Stops waiting for a token's acknowledgements (the change failed, or it has been acknowledged).
    func forget(_ token: UInt64) {
        state.withLock { $0.pending.removeValue(forKey: token) }?.waiter?.resume()
    }

    /// The notification a change of `slot` sends inside its transaction.
    func notify(_ slot: RecordSlot, token: UInt64) -> PostgresQuery {
        let payload = ["k", node, String(token), slot.account, slot.region, slot.keyID].joined(separator: "\t")
        var query = PostgresQuery(unsafeSQL: "SELECT pg_notify(\(Self.channelSQL), $1)")
        query.binds.append(payload)
        return query
    }

    /// Waits until this node and every live peer have seen the change (at most `freshness`).
    func awaitAcknowledgements(_ token: UInt64, logger: Logger) async {
        let start = ContinuousClock.now
        let done = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = self.state.withLock { state -> Bool in
                        guard state.enabled, var pending = state.pending[token] else { return true }
                        let now = ContinuousClock.now
                        var needed: Set<String> = [self.node]
                        for (peer, seen) in state.peers where now - seen < Self.peerWindow { needed.insert(peer) }
                        if needed.isSubset(of: pending.acknowledged) { return true }
                        pending.needed = needed
                        pending.waiter = continuation
                        state.pending[token] = pending
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: Self.freshness)
                return false
            }
            let first = await group.next() ?? true
            group.cancelAll()
            self.forget(token)
            return first
        }
        if !done {
            let missing = state.withLock { $0.pending[token]?.needed }
            logger.warning(
                "kms.store.postgres_change_unacknowledged",
                metadata: ["kms.waited": "\(ContinuousClock.now - start)", "kms.nodes": "\(missing.map { "\($0.count)" } ?? "?")"]
            )
        }
    }

    private func acknowledged(_ token: UInt64, by node: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard var pending = state.pending[token] else { return nil }
            pending.acknowledged.insert(node)
            if let needed = pending.needed, needed.isSubset(of: pending.acknowledged), let waiter = pending.waiter {
                pending.waiter = nil
                state.pending[token] = pending
                return waiter
            }
            state.pending[token] = pending
            return nil
        }
        waiter?.resume()
    }

    // MARK: Listener

    /// Listens until cancelled, reconnecting after a loss; sends heartbeats and acknowledgements beside it.
    func run(client: PostgresClient, records: RecordCache, logger: Logger) async {
        var channel: String?
        while channel == nil, !Task.isCancelled {
            do {
                for try await name in try await client.query(PostgresQuery(unsafeSQL: "SELECT \(Self.channelSQL)"), logger: logger).decode(String.self) {
                    channel = name
                }
            } catch {
                logger.warning("kms.store.postgres_listener_lost", metadata: ["kms.error": "\(String(describing: type(of: error)))"])
                try? await Task.sleep(for: Self.heartbeatInterval)
            }
        }
        guard let channel else { return }
        state.withLock { $0.enabled = true }
        let (acknowledgements, acknowledge) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(10_000))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    _ = try? await client.query("SELECT pg_notify(\(channel), \("h\t" + self.node))", logger: logger)
                    try? await Task.sleep(for: Self.heartbeatInterval)
                }
            }
            group.addTask {
                for await payload in acknowledgements {
                    _ = try? await client.query("SELECT pg_notify(\(channel), \(payload))", logger: logger)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await client.withConnection { connection in
                            try await connection.listen(on: channel) { notifications in
                                records.removeAll()
                                logger.debug("kms.store.postgres_listening", metadata: ["kms.channel": "\(channel)"])
                                for try await notification in notifications {
                                    self.received(notification.payload, records: records, acknowledge: acknowledge)
                                }
                            }
                        }
                    } catch {
                        if !Task.isCancelled {
                            logger.warning("kms.store.postgres_listener_lost", metadata: ["kms.error": "\(String(describing: type(of: error)))"])
                        }
                    }
                    self.lost(records: records)
                    try? await Task.sleep(for: Self.heartbeatInterval)
                }
            }
            await group.next()
            acknowledge.finish()
            group.cancelAll()
        }
        lost(records: records)
        // Leaving: the other nodes stop waiting for this one's acknowledgements (a killed node is waited for until its
        // last heartbeat is older than `peerWindow`).
        let farewell = "b\t" + node
        await Task.detached { _ = try? await client.query("SELECT pg_notify(\(channel), \(farewell))", logger: logger) }.value
    }

    private func received(_ payload: String, records: RecordCache, acknowledge: AsyncStream<String>.Continuation) {
        let fields = payload.split(separator: "\t", omittingEmptySubsequences: false)
        switch fields.first {
        case "h" where fields.count == 2:
            let now = ContinuousClock.now
            state.withLock { state in
                if fields[1] == node {
                    state.lastHeartbeat = now
                    state.heartbeatsSinceListen += 1
                } else {
                    state.peers[String(fields[1])] = now
                    if state.peers.count > 1_000 { state.peers = state.peers.filter { now - $0.value < Self.peerWindow } }
                }
            }
        case "k" where fields.count == 6:
            records.write(nil, for: RecordSlot(account: String(fields[3]), region: String(fields[4]), keyID: String(fields[5])))
            guard let token = UInt64(fields[2]) else { return }
            if fields[1] == node {
                acknowledged(token, by: node)
            } else {
                acknowledge.yield(["a", String(fields[1]), String(token), node].joined(separator: "\t"))
            }
        case "b" where fields.count == 2:
            state.withLock { _ = $0.peers.removeValue(forKey: String(fields[1])) }
        case "a" where fields.count == 4:
            guard fields[1] == node, let token = UInt64(fields[2]) else { return }
            acknowledged(token, by: String(fields[3]))
        default:
            return
        }
    }

    /// The listener stopped: trust no cached record until it listens again.
    private func lost(records: RecordCache) {
        state.withLock { state in
            state.lastHeartbeat = nil
            state.heartbeatsSinceListen = 0
        }
        records.removeAll()
    }
}

/// A key's place in the record cache.
struct RecordSlot: Hashable, Sendable {
    var account: String
    var region: String
    var keyID: String
}

typealias RecordCache = LockedCache<RecordSlot, KeyRecord>
