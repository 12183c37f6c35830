import Foundation

/// A signing time at whole-second precision, with its ISO-8601 basic form
/// (`yyyyMMdd'T'HHmmss'Z'`, e.g. "20150830T123600Z").
///
/// Parsing and formatting are done by hand: no formatter, no regex, no
/// allocation beyond the resulting string.
struct AmzDate: Sendable, Equatable {
    /// Seconds since 1970-01-01T00:00:00Z.
    let secondsSince1970: Int64
    /// "yyyyMMddTHHmmssZ".
    let iso8601Basic: String

    var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

    /// The "yyyyMMdd" part, as used in the credential scope.
    var dateStamp: Substring { iso8601Basic.prefix(8) }

    // 0001-01-01T00:00:00Z ... 9999-12-31T23:59:59Z: the range four-digit years can express.
    private static let minimumSeconds: Int64 = -62_135_596_800
    private static let maximumSeconds: Int64 = 253_402_300_799

    /// Formats `date`, rounding down to the second and clamping to years 1...9999.
    init(date: Date) {
        let interval = date.timeIntervalSince1970
        let seconds: Int64
        if interval.isNaN {
            seconds = 0
        } else if interval <= Double(Self.minimumSeconds) {
            seconds = Self.minimumSeconds
        } else if interval >= Double(Self.maximumSeconds) {
            seconds = Self.maximumSeconds
        } else {
            seconds = Int64(interval.rounded(.down))
        }
        self.init(secondsSince1970: seconds)
    }

    private init(secondsSince1970 seconds: Int64) {
        secondsSince1970 = seconds
        let days = Self.floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        var out: [UInt8] = []
        out.reserveCapacity(16)
        Self.appendDigits(year, count: 4, to: &out)
        Self.appendDigits(month, count: 2, to: &out)
        Self.appendDigits(day, count: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        Self.appendDigits(secondOfDay / 3600, count: 2, to: &out)
        Self.appendDigits(secondOfDay % 3600 / 60, count: 2, to: &out)
        Self.appendDigits(secondOfDay % 60, count: 2, to: &out)
        out.append(UInt8(ascii: "Z"))
        iso8601Basic = String(decoding: out, as: UTF8.self)
    }

    /// Parses exactly `yyyyMMdd'T'HHmmss'Z'` with valid field ranges.
    init?(iso8601Basic text: some StringProtocol) {
        let utf8 = text.utf8
        guard utf8.count == 16 else { return nil }
        let bytes = Array(utf8)
        guard bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z"),
            let year = Self.number(bytes[0..<4]),
            let month = Self.number(bytes[4..<6]),
            let day = Self.number(bytes[6..<8]),
            let hour = Self.number(bytes[9..<11]),
            let minute = Self.number(bytes[11..<13]),
            let second = Self.number(bytes[13..<15])
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// Parses an HTTP `Date` header in the RFC 7231 IMF-fixdate form,
    /// "Sun, 30 Aug 2015 12:36:00 GMT", or the RFC 2822 form botocore sends,
    /// "Sun, 30 Aug 2015 12:36:00 -0000" (zone `GMT`, `UT`, `UTC`, `Z` or `+hhmm`/`-hhmm`;
    /// the weekday is optional and not checked against the date).
    init?(httpDate text: some StringProtocol) {
        guard text.utf8.count <= 64 else { return nil }
        var tokens = Array(text.utf8).split(separator: 0x20)
        if let first = tokens.first, first.last == UInt8(ascii: ",") {
            guard first.dropLast().allSatisfy(Self.isASCIILetter) else { return nil }
            tokens.removeFirst()
        }
        guard tokens.count == 5 else { return nil }
        let dayToken = tokens[0]
        let time = tokens[3]
        let zone = tokens[4]
        guard (1...2).contains(dayToken.count), tokens[2].count == 4, time.count == 8,
            let day = Self.number(dayToken),
            let month = Self.month(tokens[1]),
            let year = Self.number(tokens[2]),
            time[time.startIndex + 2] == UInt8(ascii: ":"), time[time.startIndex + 5] == UInt8(ascii: ":"),
            let hour = Self.number(time.prefix(2)),
            let minute = Self.number(time.dropFirst(3).prefix(2)),
            let second = Self.number(time.suffix(2)),
            let offset = Self.zoneOffsetSeconds(zone),
            let local = AmzDate(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        else { return nil }
        let utc = local.secondsSince1970 - offset
        guard utc >= Self.minimumSeconds, utc <= Self.maximumSeconds else { return nil }
        self.init(secondsSince1970: utc)
    }

    private static func zoneOffsetSeconds(_ zone: ArraySlice<UInt8>) -> Int64? {
        for name in ["GMT", "UT", "UTC", "Z"] where zone.elementsEqual(name.utf8) {
            return 0
        }
        guard zone.count == 5, let sign = zone.first,
            sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
            let hours = number(zone.dropFirst().prefix(2)),
            let minutes = number(zone.suffix(2)),
            hours <= 23, minutes <= 59
        else { return nil }
        let magnitude = hours * 3600 + minutes * 60
        return sign == UInt8(ascii: "-") ? -magnitude : magnitude
    }

    private init?(year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64) {
        guard year >= 1, year <= 9999, (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month),
            (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        let days = Self.days(fromCivilYear: year, month: month, day: day)
        self.init(secondsSince1970: days * 86_400 + hour * 3600 + minute * 60 + second)
    }

    // MARK: - Helpers

    private static func isASCIILetter(_ byte: UInt8) -> Bool {
        (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z")
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(digit - UInt8(ascii: "0"))
        }
        return value
    }

    private static let monthNames: [[UInt8]] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ].map { Array($0.utf8) }

    private static func month(_ name: ArraySlice<UInt8>) -> Int64? {
        for (index, candidate) in monthNames.enumerated() where name.elementsEqual(candidate) {
            return Int64(index + 1)
        }
        return nil
    }

    private static func isLeap(_ year: Int64) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    private static func days(fromCivilYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let shiftedMonth = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func appendDigits(_ value: Int64, count: Int, to out: inout [UInt8]) {
        var divisor: Int64 = 1
        for _ in 1..<max(count, 1) { divisor *= 10 }
        let remaining = max(value, 0)
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(remaining / divisor % 10))
            divisor /= 10
        }
    }
}
