import Foundation
import KMSCore
import Testing

/// Shared fixtures for tests of KMSCore and its stores: scopes, callers, a root key, a fixed epoch.
public enum Fixtures {
    public static let account = "111122223333"
    public static let otherAccount = "444455556666"
    public static let scope = Scope(accountID: account, region: "us-east-1")
    public static let otherRegion = Scope(accountID: account, region: "us-west-2")
    public static let otherAccountScope = Scope(accountID: otherAccount, region: "us-east-1")
    public static let caller = Caller(scope: scope, accessKeyID: "test")
    public static let rootKey = [UInt8](repeating: 0x42, count: 32)
    public static let epoch = Date(timeIntervalSince1970: 1_750_000_000)

    public static func caller(in scope: Scope) -> Caller {
        Caller(scope: scope, accessKeyID: "test-\(scope.accountID)")
    }

    public static func sealer(_ key: [UInt8] = rootKey) -> MaterialSealer {
        // The root key is 32 bytes, so this cannot throw.
        try! MaterialSealer(rootKey: key)
    }
}

/// Decodes a request DTO from its wire JSON, as the server does.
public func request<T: Decodable>(_ json: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(json.utf8))
}

/// Runs `body` and returns the `KMSError` it throws, recording an issue if it throws nothing or something else.
@discardableResult
public func kmsError(
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
public func expectKMSError(
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
public func makeRecord(
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
        materials: [MaterialInfo(id: KeyMaterialID(hex: String(repeating: "a", count: 64))!, state: .current, createdAt: Fixtures.epoch)]
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
public func keyID(_ n: Int) -> KeyID {
    var bytes = [UInt8](repeating: 0, count: 16)
    bytes[15] = UInt8(n & 0xff)
    bytes[14] = UInt8((n >> 8) & 0xff)
    return KeyID(randomBytes: bytes, multiRegion: false)
}

/// `KMSCore.Tag`, which `Testing.Tag` would otherwise shadow.
public typealias KeyTag = KMSCore.Tag
