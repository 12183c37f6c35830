import Foundation

extension Date {
    /// The range of AWS timestamps (Java's `Instant`: years -1000000000 to 1000000000), in epoch seconds, as the
    /// Doubles that JSON numbers become (the upper end, 31,556,889,864,403,199, rounded down to a representable value).
    /// The model validator refuses request timestamps outside it, so conversions to whole seconds cannot overflow.
    public static let awsEpochSecondsRange: ClosedRange<Double> = -31_557_014_167_219_200...31_556_889_864_403_196

    /// Whole seconds since 1970, rounded down; nil when not representable (not finite, or beyond Int64). Every
    /// conversion of a date to an integer goes through here: `Int(_:)` on a Double traps on such values.
    public var wholeEpochSeconds: Int64? {
        let seconds = timeIntervalSince1970.rounded(.down)
        return seconds.isFinite ? Int64(exactly: seconds) : nil
    }
}
