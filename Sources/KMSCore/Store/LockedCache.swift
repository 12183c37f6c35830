import Foundation

/// A small thread-safe cache with a size bound (cleared when full). For immutable or write-through values only.
public final class LockedCache<Key: Hashable & Sendable, Value: Sendable>: @unchecked Sendable {
    // @unchecked Sendable: `entries` is only read and written while holding `lock`.
    private let lock = NSLock()
    private var entries: [Key: Value] = [:]
    private let capacity: Int
    private var generation: UInt64 = 0

    public init(capacity: Int) { self.capacity = capacity }

    public subscript(key: Key) -> Value? {
        get { lock.withLock { entries[key] } }
        set {
            lock.withLock {
                if newValue != nil, entries[key] == nil, entries.count >= capacity { evictAll() }
                entries[key] = newValue
            }
        }
    }

    public func removeAll() {
        lock.withLock {
            generation &+= 1
            entries.removeAll()
        }
    }

    /// Writers call this for every change (inside their serialised write), so that a reader that started before the
    /// change cannot put back a stale value with `insert(_:for:ifUnchangedSince:)`. A non-nil `value` writes the new
    /// value through, so later readers (and the next serialised writer) need not read it back.
    public func write(_ value: Value?, for key: Key) {
        lock.withLock {
            generation &+= 1
            if value != nil, entries[key] == nil, entries.count >= capacity { evictAll() }
            entries[key] = value
        }
    }

    /// The current write generation, to be taken before a read from the backing store.
    public var currentGeneration: UInt64 { lock.withLock { generation } }

    /// Caches a value read from the backing store, unless some write happened since `generation` or a value is
    /// already cached (a writer's written-through value is never replaced by a read that may predate its commit).
    public func insert(_ value: Value, for key: Key, ifUnchangedSince generation: UInt64) {
        lock.withLock {
            guard self.generation == generation, entries[key] == nil else { return }
            if entries.count >= capacity { evictAll() }
            entries[key] = value
        }
    }

    /// Drops every entry when the bound is reached. Counts as a write: a reader that started before cannot insert
    /// what it read into the emptied cache (the entry it would replace may have been a newer written-through value).
    private func evictAll() {
        generation &+= 1
        entries.removeAll(keepingCapacity: true)
    }
}
