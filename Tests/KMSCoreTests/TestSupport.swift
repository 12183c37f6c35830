import Foundation
import KMSTesting
import Testing

@testable import KMSCore

/// A `KMSService` on an in-memory store with a fixed clock and seeded randomness.
struct ServiceHarness {
    let store: InMemoryKeyStore
    let clock: FixedClock
    let service: KMSService

    init(seed: UInt64 = 7, now: Date = Fixtures.epoch, authorization: AuthorizationMode = .enforce) {
        store = InMemoryKeyStore()
        clock = FixedClock(now)
        service = KMSService(
            store: store, sealer: Fixtures.sealer(), clock: clock, random: SeededRandom(seed: seed), authorization: authorization
        )
    }

    /// Creates a key from a CreateKey JSON body and returns its metadata.
    func createKey(_ json: String = "{}", caller: Caller = Fixtures.caller) async throws -> KeyMetadata {
        try await service.createKey(try request(json), caller: caller).keyMetadata
    }
}

/// Escapes a string for use inside a JSON string literal in a test fixture.
func jsonEscaped(_ text: String) -> String {
    let data = try! JSONEncoder().encode(text)
    return String(decoding: data, as: UTF8.self)
}
