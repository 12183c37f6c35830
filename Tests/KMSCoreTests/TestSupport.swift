import Foundation
import Testing

@testable import KMSCore

/// Shared fixtures for the KMSCore tests: scopes, callers, a deterministic service and request decoding.
enum Fixtures {
    static let account = "111122223333"
    static let otherAccount = "444455556666"
    static let scope = Scope(accountID: account, region: "us-east-1")
    static let otherRegion = Scope(accountID: account, region: "us-west-2")
    static let otherAccountScope = Scope(accountID: otherAccount, region: "us-east-1")
    static let caller = Caller(scope: scope, accessKeyID: "test")
    static let rootKey = [UInt8](repeating: 0x42, count: 32)
    static let epoch = Date(timeIntervalSince1970: 1_750_000_000)

    static func caller(in scope: Scope) -> Caller {
        Caller(scope: scope, accessKeyID: "test-\(scope.accountID)")
    }

    static func sealer(_ key: [UInt8] = rootKey) -> MaterialSealer {
        // The root key is 32 bytes, so this cannot throw.
        try! MaterialSealer(rootKey: key)
    }
}

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

/// Decodes a request DTO from its wire JSON, as the server does.
func request<T: Decodable>(_ json: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(json.utf8))
}

/// Escapes a string for use inside a JSON string literal in a test fixture.
func jsonEscaped(_ text: String) -> String {
    let data = try! JSONEncoder().encode(text)
    return String(decoding: data, as: UTF8.self)
}

/// Runs `body` and returns the `KMSError` it throws, recording an issue if it throws nothing or something else.
@discardableResult
func kmsError(
    _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
) async -> KMSError? {
    do {
        try await body()
        Issue.record("expected a KMSError, but the call succeeded", sourceLocation: sourceLocation)
        return nil
    } catch let error as KMSError {
        return error
    } catch {
        Issue.record("expected a KMSError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Expects `body` to throw a `KMSError` with `code` (and `message`, when given).
func expectKMSError(
    _ code: KMSError.Code, message: String? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    guard let error = await kmsError(body, sourceLocation: sourceLocation) else { return }
    #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    if let message {
        #expect(error.message == message, sourceLocation: sourceLocation)
    }
}

/// A key record built directly, for rule and store tests.
func makeRecord(
    id: KeyID = KeyID(randomBytes: Array(repeating: 1, count: 16), multiRegion: false),
    scope: Scope = Fixtures.scope,
    spec: KeySpec = .symmetricDefault,
    usage: KeyUsage = .encryptDecrypt,
    origin: Origin = .awsKMS,
    state: KeyState = .enabled,
    tags: [KeyTag] = []
) -> KeyRecord {
    var record = KeyRecord(
        id: id, scope: scope, creationDate: Fixtures.epoch, description: "d", keySpec: spec, keyUsage: usage,
        origin: origin, multiRegion: false, enabled: true, policy: "{}", tags: tags,
        materials: [MaterialInfo(id: String(repeating: "a", count: 64), state: .current, createdAt: Fixtures.epoch)]
    )
    switch state {
    case .enabled: break
    case .disabled: record.enabled = false
    case .pendingDeletion:
        record.deletionDate = Fixtures.epoch.addingTimeInterval(7 * 86_400)
        record.pendingWindowInDays = 7
    case .pendingImport:
        record.origin = .external
        record.materials = []
    default:
        preconditionFailure("state \(state) cannot be derived from stored facts")
    }
    #expect(record.state == state)
    return record
}

/// Key IDs made from a counter, for store tests.
func keyID(_ n: Int) -> KeyID {
    var bytes = [UInt8](repeating: 0, count: 16)
    bytes[15] = UInt8(n & 0xff)
    bytes[14] = UInt8((n >> 8) & 0xff)
    return KeyID(randomBytes: bytes, multiRegion: false)
}

/// `KMSCore.Tag`, which `Testing.Tag` would otherwise shadow.
typealias KeyTag = KMSCore.Tag
