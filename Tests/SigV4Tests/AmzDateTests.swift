import Foundation
import Testing

@testable import SigV4

@Suite struct AmzDateTests {
    @Test(arguments: [
        ("20150830T123600Z", 1_440_938_160),
        ("19700101T000000Z", 0),
        ("20000229T235959Z", 951_868_799),
        ("19691231T235959Z", -1),
        ("99991231T235959Z", 253_402_300_799),
    ] as [(String, Int64)])
    func parsesAndFormatsBasicFormat(text: String, seconds: Int64) throws {
        let parsed = try #require(AmzDate(iso8601Basic: text))
        #expect(parsed.secondsSince1970 == seconds)
        #expect(parsed.iso8601Basic == text)
        #expect(AmzDate(date: Date(timeIntervalSince1970: TimeInterval(seconds))).iso8601Basic == text)
    }

    @Test(arguments: ["20230229T000000Z", "21000229T000000Z", "20240431T000000Z", "00000101T000000Z", "2024011T1030000Z", "20240115t103000z", "+0240115T103000Z"])
    func rejectsInvalidBasicFormat(_ text: String) {
        #expect(AmzDate(iso8601Basic: text) == nil)
    }

    @Test func formatsEveryDayOfSeveralYearsConsistently() {
        var seconds: Int64 = 946_684_800 - 86_400 * 800  // 1997-10-24
        for _ in 0..<3_000 {
            let formatted = AmzDate(date: Date(timeIntervalSince1970: TimeInterval(seconds) + 0.75))
            #expect(AmzDate(iso8601Basic: formatted.iso8601Basic)?.secondsSince1970 == seconds)
            seconds += 86_400 + 3_661
        }
    }

    @Test func clampsUnrepresentableDates() {
        #expect(AmzDate(date: Date(timeIntervalSince1970: 1e18)).iso8601Basic == "99991231T235959Z")
        #expect(AmzDate(date: Date(timeIntervalSince1970: .infinity)).iso8601Basic == "99991231T235959Z")
        #expect(AmzDate(date: Date(timeIntervalSince1970: -.infinity)).iso8601Basic == "00010101T000000Z")
        #expect(AmzDate(date: Date(timeIntervalSince1970: .nan)).iso8601Basic == "19700101T000000Z")
    }

    @Test(arguments: [
        ("Sun, 30 Aug 2015 12:36:00 GMT", "20150830T123600Z"),
        ("Mon, 15 Jan 2024 10:30:00 -0000", "20240115T103000Z"),
        ("Mon, 15 Jan 2024 11:30:00 +0100", "20240115T103000Z"),
        ("15 Jan 2024 10:30:00 UTC", "20240115T103000Z"),
        ("Mon, 1 Jan 2024 00:00:00 GMT", "20240101T000000Z"),
    ])
    func parsesHTTPDates(text: String, expected: String) {
        #expect(AmzDate(httpDate: text)?.iso8601Basic == expected)
    }

    @Test(arguments: ["Sun, 30 Foo 2015 12:36:00 GMT", "Sun, 30 Aug 2015 12:36:00", "Sun, 31 Sep 2015 12:36:00 GMT",
                      "Sun, 30 Aug 15 12:36:00 GMT", "Sun, 30 Aug 2015 12-36-00 GMT", "Sun, 30 Aug 2015 12:36:00 +2400", ""])
    func rejectsInvalidHTTPDates(_ text: String) {
        #expect(AmzDate(httpDate: text) == nil)
    }
}
