import Foundation
import GRDB
import KMSCore
import Logging

/// The embedded default store: SQLite through GRDB, WAL mode, `synchronous=FULL` so that an acknowledged
/// write survives `kill -9` and power loss. Keys are JSON documents (non-secret) beside indexed columns;
/// sealed materials and aliases are rows of their own.
public final class SQLiteKeyStore: KeyStore {
    private let pool: DatabasePool
    /// The database file.
    public let path: String
    private let logger: Logger

    /// Decoded key records, so that hot keys are not read and decoded per request. Coherent because this process is the
    /// only writer of its SQLite file: `updateKey` writes the new record through at the end of its transaction (a
    /// failed commit empties the cache); other writes invalidate their key inside the transaction and again after it;
    /// a reader caches what it read only if no write happened meanwhile and nothing is cached for that key
    /// (`insert(_:for:ifUnchangedSince:)`).
    private let records = LockedCache<RecordKey, KeyRecord>(capacity: 50_000)

    private struct RecordKey: Hashable, Sendable {
        var account: String
        var region: String
        var keyID: String
        init(_ scope: Scope, _ id: KeyID) {
            account = scope.accountID
            region = scope.region
            keyID = id.rawValue
        }
    }

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    public init(path: String, logger: Logger = Logger(label: "coffer.store.sqlite")) throws {
        self.logger = logger
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(10)
        self.path = path
        self.pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    /// Append-only migrations with literal SQL. Never edit one that has shipped; add a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (
                        name TEXT PRIMARY KEY NOT NULL,
                        value BLOB NOT NULL
                    );
                    CREATE TABLE kms_key (
                        account TEXT NOT NULL,
                        region TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        deletion_date DOUBLE,
                        document TEXT NOT NULL,
                        PRIMARY KEY (account, region, key_id)
                    );
                    CREATE INDEX kms_key_deletion ON kms_key (deletion_date) WHERE deletion_date IS NOT NULL;
                    CREATE TABLE key_material (
                        account TEXT NOT NULL,
                        region TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        material_id TEXT NOT NULL,
                        sealed BLOB NOT NULL,
                        PRIMARY KEY (account, region, key_id, material_id),
                        FOREIGN KEY (account, region, key_id) REFERENCES kms_key (account, region, key_id) ON DELETE CASCADE
                    );
                    CREATE TABLE alias (
                        account TEXT NOT NULL,
                        region TEXT NOT NULL,
                        name TEXT NOT NULL,
                        target_key_id TEXT NOT NULL,
                        creation_date DOUBLE NOT NULL,
                        last_updated_date DOUBLE NOT NULL,
                        PRIMARY KEY (account, region, name),
                        FOREIGN KEY (account, region, target_key_id) REFERENCES kms_key (account, region, key_id) ON DELETE CASCADE
                    );
                    CREATE INDEX alias_target ON alias (account, region, target_key_id);
                    """
            )
        }
        migrator.registerMigration("v2-import") { db in
            try db.execute(
                sql: """
                    ALTER TABLE kms_key ADD COLUMN next_expiry DOUBLE;
                    CREATE INDEX kms_key_next_expiry ON kms_key (next_expiry) WHERE next_expiry IS NOT NULL;
                    CREATE TABLE wrapping_key (
                        id TEXT PRIMARY KEY NOT NULL,
                        account TEXT NOT NULL,
                        region TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        sealed BLOB NOT NULL,
                        expires_at DOUBLE NOT NULL
                    );
                    CREATE INDEX wrapping_key_expiry ON wrapping_key (expires_at);
                    """
            )
        }
        migrator.registerMigration("v3-grants") { db in
            try db.execute(
                sql: """
                    CREATE TABLE key_grant (
                        account TEXT NOT NULL,
                        region TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        grant_id TEXT NOT NULL,
                        retiring_principal TEXT,
                        creation_date DOUBLE NOT NULL,
                        document TEXT NOT NULL,
                        PRIMARY KEY (account, region, key_id, grant_id),
                        FOREIGN KEY (account, region, key_id) REFERENCES kms_key (account, region, key_id) ON DELETE CASCADE
                    );
                    CREATE INDEX key_grant_retiring ON key_grant (retiring_principal, region) WHERE retiring_principal IS NOT NULL;
                    """
            )
        }
        migrator.registerMigration("v4-rotation-usage") { db in
            try db.execute(
                sql: """
                    ALTER TABLE kms_key ADD COLUMN next_rotation DOUBLE;
                    CREATE INDEX kms_key_next_rotation ON kms_key (next_rotation) WHERE next_rotation IS NOT NULL;
                    CREATE TABLE key_usage (
                        account TEXT NOT NULL,
                        region TEXT NOT NULL,
                        key_id TEXT NOT NULL,
                        operation TEXT NOT NULL,
                        timestamp DOUBLE NOT NULL,
                        request_id TEXT NOT NULL,
                        event_id TEXT NOT NULL,
                        PRIMARY KEY (account, region, key_id),
                        FOREIGN KEY (account, region, key_id) REFERENCES kms_key (account, region, key_id) ON DELETE CASCADE
                    );
                    """
            )
        }
        return migrator
    }

    /// The database file must still be where it was opened (an open descriptor keeps a deleted file readable, so a
    /// read alone would not notice), and a read must succeed.
    public func healthCheck() async throws(KMSError) {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw KMSError.internalFailure("the SQLite database file \(path) is missing or unreadable")
        }
        _ = try await run({ db in try Int.fetchOne(db, sql: "SELECT 1") }, write: false)
    }

    // MARK: Error translation (the one place driver errors are mapped)

    private func run<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T, write: Bool) async throws(KMSError) -> T {
        let start = ContinuousClock.now
        var failed = false
        defer { CofferMetrics.storeCall(.sqlite, duration: ContinuousClock.now - start, failed: failed) }
        do {
            if write {
                return try await pool.write(body)
            } else {
                return try await pool.read(body)
            }
        } catch let error as KMSError {
            throw error
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY
            || error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
        {
            if write { records.removeAll() }
            throw KMSError(.alreadyExists, "The resource already exists.")
        } catch {
            // A failed commit may leave a written-through record in the cache: forget everything.
            if write { records.removeAll() }
            failed = true
            logger.error("kms.store.sqlite_error", metadata: ["kms.store.path": "\(path)", "kms.cause": "\(error)"])
            throw KMSError.internalFailure("SQLite (\(path)): \(error)")
        }
    }

    private static func encode(_ key: KeyRecord) throws -> String {
        try StoreDocuments.encode(key)
    }

    private static func decode(_ document: String) throws -> KeyRecord {
        try StoreDocuments.decode(KeyRecord.self, document)
    }

    // MARK: Keys

    public func insertKey(_ key: KeyRecord, materials: [SealedMaterial]) async throws(KMSError) {
        try await run({ db in
            try db.executeCached(
                sql: "INSERT INTO kms_key (account, region, key_id, deletion_date, next_expiry, next_rotation, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    key.scope.accountID, key.scope.region, key.id.rawValue, key.deletionDate?.timeIntervalSince1970,
                    key.nextExpiry?.timeIntervalSince1970, key.rotationDue?.timeIntervalSince1970, try Self.encode(key),
                ]
            )
            for material in materials {
                try db.executeCached(
                    sql: "INSERT INTO key_material (account, region, key_id, material_id, sealed) VALUES (?, ?, ?, ?, ?)",
                    arguments: [key.scope.accountID, key.scope.region, key.id.rawValue, material.materialID.hex, Data(material.sealed)]
                )
            }
            self.records.write(nil, for: RecordKey(key.scope, key.id))
        }, write: true)
        records.write(nil, for: RecordKey(key.scope, key.id))
    }

    public func key(_ id: KeyID, in scope: Scope) async throws(KMSError) -> KeyRecord? {
        if let cached = records[RecordKey(scope, id)] {
            CofferMetrics.cacheLookup(.keyRecord, hit: true)
            return cached
        }
        CofferMetrics.cacheLookup(.keyRecord, hit: false)
        let generation = records.currentGeneration
        return try await run({ db in
            guard
                let document = try String.fetchOne(
                    db.cachedStatement(sql: "SELECT document FROM kms_key WHERE account = ? AND region = ? AND key_id = ?"),
                    arguments: [scope.accountID, scope.region, id.rawValue]
                )
            else { return nil }
            let record = try Self.decode(document)
            self.records.insert(record, for: RecordKey(scope, id), ifUnchangedSince: generation)
            return record
        }, write: false)
    }

    public func updateKey(
        _ id: KeyID, in scope: Scope, _ mutate: @escaping @Sendable (inout KeyRecord, inout MaterialChanges) throws(KMSError) -> Void
    ) async throws(KMSError) -> KeyRecord {
        let updated = try await run({ db in
            let cacheKey = RecordKey(scope, id)
            var record: KeyRecord
            if let cached = self.records[cacheKey] {
                // Coherent: written through by the previous serialised writer, or read after its commit.
                record = cached
            } else {
                guard
                    let document = try String.fetchOne(
                        db.cachedStatement(sql: "SELECT document FROM kms_key WHERE account = ? AND region = ? AND key_id = ?"),
                        arguments: [scope.accountID, scope.region, id.rawValue]
                    )
                else { throw KMSError.notFound("Key '\(scope.keyARN(id))' does not exist") }
                record = try Self.decode(document)
            }
            var changes = MaterialChanges()
            try mutate(&record, &changes)
            try db.executeCached(
                sql: "UPDATE kms_key SET deletion_date = ?, next_expiry = ?, next_rotation = ?, document = ? WHERE account = ? AND region = ? AND key_id = ?",
                arguments: [
                    record.deletionDate?.timeIntervalSince1970, record.nextExpiry?.timeIntervalSince1970,
                    record.rotationDue?.timeIntervalSince1970, try Self.encode(record), scope.accountID, scope.region, id.rawValue,
                ]
            )
            for materialID in changes.delete {
                try db.executeCached(
                    sql: "DELETE FROM key_material WHERE account = ? AND region = ? AND key_id = ? AND material_id = ?",
                    arguments: [scope.accountID, scope.region, id.rawValue, materialID.hex]
                )
            }
            for material in changes.upsert {
                try db.executeCached(
                    sql: "INSERT OR REPLACE INTO key_material (account, region, key_id, material_id, sealed) VALUES (?, ?, ?, ?, ?)",
                    arguments: [scope.accountID, scope.region, id.rawValue, material.materialID.hex, Data(material.sealed)]
                )
            }
            // Written through as the transaction's last step: only the commit can still fail, and a failed commit
            // empties the cache (`run`).
            self.records.write(record, for: cacheKey)
            return record
        }, write: true)
        return updated
    }

    public func relatedKeys(_ id: KeyID, accountID: String) async throws(KMSError) -> [KeyRecord] {
        try await run({ db in
            try String.fetchAll(
                db.cachedStatement(sql: "SELECT document FROM kms_key WHERE account = ? AND key_id = ? ORDER BY region"),
                arguments: [accountID, id.rawValue]
            ).map(Self.decode)
        }, write: false)
    }

    public func keysDueForRotation(at date: Date, limit: Int) async throws(KMSError) -> [(Scope, KeyID)] {
        let rows: [KeyRecord] = try await run({ db in
            let documents = try String.fetchAll(
                db.cachedStatement(sql: "SELECT document FROM kms_key WHERE next_rotation IS NOT NULL AND next_rotation <= ? ORDER BY next_rotation LIMIT ?"),
                arguments: [date.timeIntervalSince1970, limit]
            )
            return try documents.map(Self.decode)
        }, write: false)
        return rows.map { ($0.scope, $0.id) }
    }

    public func recordUsages(_ usages: [KeyUsageRecord]) async throws(KMSError) {
        guard !usages.isEmpty else { return }
        try await run({ db in
            for usage in usages {
                // Only for a key that still exists; only if newer than what is stored.
                try db.executeCached(
                    sql: """
                        INSERT INTO key_usage (account, region, key_id, operation, timestamp, request_id, event_id)
                        SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM kms_key WHERE account = ? AND region = ? AND key_id = ?)
                        ON CONFLICT (account, region, key_id) DO UPDATE SET operation = excluded.operation, timestamp = excluded.timestamp,
                            request_id = excluded.request_id, event_id = excluded.event_id
                        WHERE excluded.timestamp > key_usage.timestamp
                        """,
                    arguments: [
                        usage.scope.accountID, usage.scope.region, usage.keyID.rawValue, usage.operation.rawValue,
                        usage.timestamp.timeIntervalSince1970, usage.requestID, usage.eventID,
                        usage.scope.accountID, usage.scope.region, usage.keyID.rawValue,
                    ]
                )
            }
        }, write: true)
    }

    public func usage(of keyID: KeyID, in scope: Scope) async throws(KMSError) -> KeyUsageRecord? {
        try await run({ db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT operation, timestamp, request_id, event_id FROM key_usage WHERE account = ? AND region = ? AND key_id = ?"),
                    arguments: [scope.accountID, scope.region, keyID.rawValue]
                ),
                let operation = OperationName(rawValue: row["operation"])
            else { return nil }
            return KeyUsageRecord(
                scope: scope, keyID: keyID, operation: operation, timestamp: Date(timeIntervalSince1970: row["timestamp"]),
                requestID: row["request_id"], eventID: row["event_id"]
            )
        }, write: false)
    }

    public func keysWithExpiringMaterial(at date: Date, limit: Int) async throws(KMSError) -> [(Scope, KeyID)] {
        let rows: [KeyRecord] = try await run({ db in
            let documents = try String.fetchAll(
                db.cachedStatement(sql: "SELECT document FROM kms_key WHERE next_expiry IS NOT NULL AND next_expiry <= ? ORDER BY next_expiry LIMIT ?"),
                arguments: [date.timeIntervalSince1970, limit]
            )
            return try documents.map(Self.decode)
        }, write: false)
        return rows.map { ($0.scope, $0.id) }
    }

    public func insertWrappingKey(_ key: StoredWrappingKey) async throws(KMSError) {
        try await run({ db in
            try db.executeCached(
                sql: "INSERT INTO wrapping_key (id, account, region, key_id, sealed, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [key.id, key.scope.accountID, key.scope.region, key.keyID.rawValue, Data(key.sealed), key.expiresAt.timeIntervalSince1970]
            )
        }, write: true)
    }

    public func wrappingKey(_ id: String) async throws(KMSError) -> StoredWrappingKey? {
        try await run({ db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM wrapping_key WHERE id = ?"), arguments: [id]),
                let keyID = KeyID(row["key_id"] as String)
            else { return nil }
            let sealed: Data = row["sealed"]
            return StoredWrappingKey(
                id: id, scope: Scope(accountID: row["account"], region: row["region"]), keyID: keyID, sealed: Array(sealed),
                expiresAt: Date(timeIntervalSince1970: row["expires_at"])
            )
        }, write: false)
    }

    public func deleteWrappingKeys(expiredAt date: Date) async throws(KMSError) -> Int {
        try await run({ db in
            try db.executeCached(sql: "DELETE FROM wrapping_key WHERE expires_at <= ?", arguments: [date.timeIntervalSince1970])
            return db.changesCount
        }, write: true)
    }

    public func deleteKey(_ id: KeyID, in scope: Scope) async throws(KMSError) {
        try await run({ db in
            try db.executeCached(
                sql: "DELETE FROM kms_key WHERE account = ? AND region = ? AND key_id = ?",
                arguments: [scope.accountID, scope.region, id.rawValue]
            )
            self.records.write(nil, for: RecordKey(scope, id))
        }, write: true)
        records.write(nil, for: RecordKey(scope, id))
    }

    public func keys(in scope: Scope, after: KeyID?, limit: Int) async throws(KMSError) -> [KeyRecord] {
        try await run({ db in
            let documents = try String.fetchAll(
                db.cachedStatement(sql: "SELECT document FROM kms_key WHERE account = ? AND region = ? AND key_id > ? ORDER BY key_id LIMIT ?"),
                arguments: [scope.accountID, scope.region, after?.rawValue ?? "", limit]
            )
            return try documents.map(Self.decode)
        }, write: false)
    }

    public func keysDueForDeletion(at date: Date, limit: Int) async throws(KMSError) -> [(Scope, KeyID)] {
        let rows: [KeyRecord] = try await run({ db in
            let documents = try String.fetchAll(
                db.cachedStatement(sql: "SELECT document FROM kms_key WHERE deletion_date IS NOT NULL AND deletion_date <= ? ORDER BY deletion_date LIMIT ?"),
                arguments: [date.timeIntervalSince1970, limit]
            )
            return try documents.map(Self.decode)
        }, write: false)
        return rows.map { ($0.scope, $0.id) }
    }

    public func sealedMaterial(keyID: KeyID, materialID: KeyMaterialID, in scope: Scope) async throws(KMSError) -> SealedMaterial? {
        try await run({ db in
            guard
                let data = try Data.fetchOne(
                    db.cachedStatement(sql: "SELECT sealed FROM key_material WHERE account = ? AND region = ? AND key_id = ? AND material_id = ?"),
                    arguments: [scope.accountID, scope.region, keyID.rawValue, materialID.hex]
                )
            else { return nil }
            return SealedMaterial(keyID: keyID, materialID: materialID, sealed: Array(data))
        }, write: false)
    }

    // MARK: Aliases

    public func insertAlias(_ alias: AliasRecord, limit: Int) async throws(KMSError) {
        do {
            try await run({ db in
                // One write transaction: the count and the insert cannot interleave with another writer.
                let count = try Int.fetchOne(
                    db.cachedStatement(sql: "SELECT COUNT(*) FROM alias WHERE account = ? AND region = ? AND target_key_id = ?"),
                    arguments: [alias.scope.accountID, alias.scope.region, alias.targetKeyID.rawValue]
                ) ?? 0
                if count >= limit { throw Self.aliasLimitExceeded(alias, limit: limit) }
                try db.executeCached(
                    sql: """
                        INSERT INTO alias (account, region, name, target_key_id, creation_date, last_updated_date)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        alias.scope.accountID, alias.scope.region, alias.name.rawValue, alias.targetKeyID.rawValue,
                        alias.creationDate.timeIntervalSince1970, alias.lastUpdatedDate.timeIntervalSince1970,
                    ]
                )
            }, write: true)
        } catch where error.code == .alreadyExists {
            throw KMSError(.alreadyExists, "An alias with the name \(alias.scope.aliasARN(alias.name)) already exists")
        }
    }

    public func alias(_ name: AliasName, in scope: Scope) async throws(KMSError) -> AliasRecord? {
        try await run({ db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM alias WHERE account = ? AND region = ? AND name = ?"),
                    arguments: [scope.accountID, scope.region, name.rawValue]
                )
            else { return nil }
            return Self.aliasRecord(row, scope: scope)
        }, write: false)
    }

    public func retargetAlias(_ name: AliasName, in scope: Scope, to keyID: KeyID, at date: Date) async throws(KMSError) {
        try await run({ db in
            try db.executeCached(
                sql: "UPDATE alias SET target_key_id = ?, last_updated_date = ? WHERE account = ? AND region = ? AND name = ?",
                arguments: [keyID.rawValue, date.timeIntervalSince1970, scope.accountID, scope.region, name.rawValue]
            )
            if db.changesCount == 0 { throw KMSError.notFound("Alias \(scope.aliasARN(name)) is not found.") }
        }, write: true)
    }

    public func deleteAlias(_ name: AliasName, in scope: Scope) async throws(KMSError) -> Bool {
        try await run({ db in
            try db.executeCached(
                sql: "DELETE FROM alias WHERE account = ? AND region = ? AND name = ?",
                arguments: [scope.accountID, scope.region, name.rawValue]
            )
            return db.changesCount > 0
        }, write: true)
    }

    public func aliases(in scope: Scope, targetKeyID: KeyID?, after: AliasName?, limit: Int) async throws(KMSError) -> [AliasRecord] {
        try await run({ db in
            let rows: [Row]
            if let targetKeyID {
                rows = try Row.fetchAll(
                    db.cachedStatement(sql: "SELECT * FROM alias WHERE account = ? AND region = ? AND target_key_id = ? AND name > ? ORDER BY name LIMIT ?"),
                    arguments: [scope.accountID, scope.region, targetKeyID.rawValue, after?.rawValue ?? "", limit]
                )
            } else {
                rows = try Row.fetchAll(
                    db.cachedStatement(sql: "SELECT * FROM alias WHERE account = ? AND region = ? AND name > ? ORDER BY name LIMIT ?"),
                    arguments: [scope.accountID, scope.region, after?.rawValue ?? "", limit]
                )
            }
            return rows.compactMap { Self.aliasRecord($0, scope: scope) }
        }, write: false)
    }

    public func aliasCount(for keyID: KeyID, in scope: Scope) async throws(KMSError) -> Int {
        try await run({ db in
            try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM alias WHERE account = ? AND region = ? AND target_key_id = ?"),
                arguments: [scope.accountID, scope.region, keyID.rawValue]
            ) ?? 0
        }, write: false)
    }

    private static func aliasRecord(_ row: Row, scope: Scope) -> AliasRecord? {
        guard let name = AliasName(row["name"] as String), let target = KeyID(row["target_key_id"] as String) else { return nil }
        return AliasRecord(
            name: name, scope: scope, targetKeyID: target,
            creationDate: Date(timeIntervalSince1970: row["creation_date"]),
            lastUpdatedDate: Date(timeIntervalSince1970: row["last_updated_date"])
        )
    }

    // MARK: Meta

    // MARK: Grants

    private static func encodeGrant(_ grant: GrantRecord) throws -> String {
        try StoreDocuments.encode(grant)
    }

    private static func decodeGrants(_ documents: [String]) throws -> [GrantRecord] {
        try documents.map { try StoreDocuments.decode(GrantRecord.self, $0) }
    }

    public func insertGrant(_ grant: GrantRecord, limit: Int) async throws(KMSError) {
        try await run({ db in
            let scope = grant.scope
            let exists = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT 1 FROM kms_key WHERE account = ? AND region = ? AND key_id = ?"),
                arguments: [scope.accountID, scope.region, grant.keyID.rawValue]
            ) ?? false
            guard exists else { throw KMSError.notFound("Key '\(grant.keyARN)' does not exist") }
            let count = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT COUNT(*) FROM key_grant WHERE account = ? AND region = ? AND key_id = ?"),
                arguments: [scope.accountID, scope.region, grant.keyID.rawValue]
            ) ?? 0
            guard count < limit else {
                throw KMSError(.limitExceeded, "The request was rejected because the key has reached the limit of \(limit) grants.")
            }
            try db.executeCached(
                sql: "INSERT INTO key_grant (account, region, key_id, grant_id, retiring_principal, creation_date, document) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    scope.accountID, scope.region, grant.keyID.rawValue, grant.grantID, grant.retiringPrincipal,
                    grant.creationDate.timeIntervalSince1970, try Self.encodeGrant(grant),
                ]
            )
        }, write: true)
    }

    public func grants(forKey keyID: KeyID, in scope: Scope) async throws(KMSError) -> [GrantRecord] {
        try await run({ db in
            try Self.decodeGrants(
                String.fetchAll(
                    db.cachedStatement(
                        sql: "SELECT document FROM key_grant WHERE account = ? AND region = ? AND key_id = ? ORDER BY creation_date, grant_id"
                    ),
                    arguments: [scope.accountID, scope.region, keyID.rawValue]
                )
            )
        }, write: false)
    }

    public func deleteGrant(_ grantID: String, keyID: KeyID, in scope: Scope) async throws(KMSError) -> Bool {
        try await run({ db in
            try db.executeCached(
                sql: "DELETE FROM key_grant WHERE account = ? AND region = ? AND key_id = ? AND grant_id = ?",
                arguments: [scope.accountID, scope.region, keyID.rawValue, grantID]
            )
            return db.changesCount > 0
        }, write: true)
    }

    public func grants(retiringPrincipal principal: String, region: String) async throws(KMSError) -> [GrantRecord] {
        try await run({ db in
            try Self.decodeGrants(
                String.fetchAll(
                    db.cachedStatement(
                        sql: "SELECT document FROM key_grant WHERE retiring_principal = ? AND region = ? ORDER BY creation_date, grant_id"
                    ),
                    arguments: [principal, region]
                )
            )
        }, write: false)
    }

    public func metaValue(_ name: String) async throws(KMSError) -> [UInt8]? {
        try await run({ db in
            try Data.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE name = ?"), arguments: [name]).map { Array($0) }
        }, write: false)
    }

    public func setMetaValue(_ name: String, _ value: [UInt8]) async throws(KMSError) {
        try await run({ db in
            try db.executeCached(sql: "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)", arguments: [name, Data(value)])
        }, write: true)
    }

    public func scopes() async throws(KMSError) -> [Scope] {
        try await run({ db in
            try Row.fetchAll(db, sql: "SELECT DISTINCT account, region FROM kms_key ORDER BY account, region").map {
                Scope(accountID: $0["account"], region: $0["region"])
            }
        }, write: false)
    }

    public func sealedMaterials(keyID: KeyID, in scope: Scope) async throws(KMSError) -> [SealedMaterial] {
        try await run({ db in
            try Row.fetchAll(
                db, sql: "SELECT material_id, sealed FROM key_material WHERE account = ? AND region = ? AND key_id = ? ORDER BY material_id",
                arguments: [scope.accountID, scope.region, keyID.rawValue]
            ).map { row in
                let sealed: Data = row["sealed"]
                return SealedMaterial(keyID: keyID, materialID: try KeyMaterialID(stored: row["material_id"]), sealed: Array(sealed))
            }
        }, write: false)
    }

    public func wrappingKeys() async throws(KMSError) -> [StoredWrappingKey] {
        try await run({ db in
            try Row.fetchAll(db, sql: "SELECT * FROM wrapping_key ORDER BY id").compactMap { row in
                guard let keyID = KeyID(row["key_id"] as String) else { return nil }
                let sealed: Data = row["sealed"]
                return StoredWrappingKey(
                    id: row["id"], scope: Scope(accountID: row["account"], region: row["region"]), keyID: keyID, sealed: Array(sealed),
                    expiresAt: Date(timeIntervalSince1970: row["expires_at"])
                )
            }
        }, write: false)
    }

    public func insertMetaValueIfAbsent(_ name: String, _ value: [UInt8]) async throws(KMSError) -> [UInt8] {
        try await run({ db in
            try db.executeCached(sql: "INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)", arguments: [name, Data(value)])
            let stored = try Data.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE name = ?"), arguments: [name])
            return stored.map { Array($0) } ?? value
        }, write: true)
    }
}

extension Database {
    /// Executes one statement through GRDB's per-connection statement cache: prepared once, not parsed on every call.
    fileprivate func executeCached(sql: String, arguments: StatementArguments) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
