import Foundation

/// The source of "now" for every time-dependent rule (deletion windows, expiry, signature skew).
public protocol KMSClock: Sendable {
    func now() -> Date
}

/// The wall clock.
public struct SystemClock: KMSClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to: for tests of every time rule.
public final class FixedClock: KMSClock, @unchecked Sendable {
    // @unchecked Sendable: `current` is only read and written while holding `lock`.
    private let lock = NSLock()
    private var current: Date

    public init(_ date: Date) { self.current = date }

    public func now() -> Date { lock.withLock { current } }

    /// Moves the clock forward (or backward with a negative interval).
    public func advance(by interval: TimeInterval) { lock.withLock { current = current.addingTimeInterval(interval) } }

    public func set(_ date: Date) { lock.withLock { current = date } }
}
