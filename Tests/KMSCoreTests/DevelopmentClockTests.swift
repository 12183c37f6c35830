import Foundation
import KMSTesting
import Testing

@testable import KMSCore

@Suite struct DevelopmentClockTests {
    @Test func theOffsetRoundTripsThroughItsStoredForm() {
        for offset: TimeInterval in [0, 1.5, 86_400 * 400, DevelopmentClock.maximumStep * 3] {
            #expect(MetaNumber.decode(MetaNumber.encode(offset)) == offset)
        }
        #expect(MetaNumber.decode([1, 2, 3]) == nil)
        #expect(MetaNumber.decode(MetaNumber.encode(-1)) == nil)
        #expect(MetaNumber.decode(MetaNumber.encode(.nan)) == nil)
    }

    @Test func advancingMovesNowKeepsTheWallClockAndRunsTheDueWork() async throws {
        let wall = FixedClock(Fixtures.epoch)
        let clock = DevelopmentClock(wall: wall)
        let store = InMemoryKeyStore()
        let service = KMSService(store: store, sealer: Fixtures.sealer(), clock: clock, random: SeededRandom(seed: 5))
        let key = try await service.createKey(try request("{}"), caller: Fixtures.caller).keyMetadata
        _ = try await service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(key.keyID)", "PendingWindowInDays": 7}"#), caller: Fixtures.caller)
        let offset = try await service.advanceDevelopmentClock(clock, by: 7 * 86_400 + 1)
        #expect(offset == 7 * 86_400 + 1)
        #expect(clock.now() == Fixtures.epoch.addingTimeInterval(offset))
        #expect(clock.wallClock.now() == Fixtures.epoch)
        // The key past its window is gone at once, and the offset is in the store for the next start.
        #expect(await store.key(KeyID(key.keyID)!, in: Fixtures.scope) == nil)
        #expect(await store.metaValue(DevelopmentClock.offsetMetaName).flatMap(MetaNumber.decode) == offset)
        for bad: TimeInterval in [-1, .infinity, .nan, DevelopmentClock.maximumStep + 1] {
            await expectKMSError(.validation) { _ = try await service.advanceDevelopmentClock(clock, by: bad) }
        }
        #expect(clock.offsetSeconds == offset)
    }
}
