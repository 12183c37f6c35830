import Foundation
import Synchronization

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

/// The development clock (`"developmentClock": true`, not an AWS feature): the wall clock plus an offset that only
/// grows, moved forward by the `CofferDevelopment.AdvanceClock` call so that tests can see keys rotate, imports
/// expire and deletion windows pass without waiting. The offset is kept in the store (`offsetMetaName`, a `MetaNumber`), so a
/// restarted server keeps the time it had reached.
public final class DevelopmentClock: KMSClock, Sendable {
    public static let offsetMetaName = "development-clock-offset"
    /// At most ten years per call.
    public static let maximumStep: TimeInterval = 315_360_000

    private let wall: any KMSClock
    private let offset: Mutex<TimeInterval>

    public init(wall: any KMSClock = SystemClock(), offset: TimeInterval = 0) {
        self.wall = wall
        self.offset = Mutex(offset)
    }

    public func now() -> Date { wall.now().addingTimeInterval(offset.withLock { $0 }) }

    /// The real time, for what must not move with the development clock (SigV4's clock-skew check).
    public var wallClock: any KMSClock { wall }

    public var offsetSeconds: TimeInterval { offset.withLock { $0 } }

    /// Moves the clock forward; returns the new total offset.
    @discardableResult
    public func advance(by seconds: TimeInterval) -> TimeInterval {
        offset.withLock { offset in
            offset += seconds
            return offset
        }
    }
}
