import Foundation
import KMSCore
import Logging
import PostgresNIO

/// The shared store for several stateless Coffer nodes: PostgreSQL through postgres-nio's `PostgresClient` (a
/// connection pool, run as a Service in the server's ServiceGroup). Same tables and the same contract as the SQLite
/// store; sealed material in `bytea` columns, sealed under the root key before it gets here.
///
/// Concurrency across nodes: `updateKey` reads the row `FOR UPDATE` inside its transaction, so concurrent changes of
/// one key on two nodes serialise on the row lock and none is lost; multi-step changes (alias count and insert, grant
/// count and insert) run in one transaction with the key row locked. Key records are cached per node and kept true
/// across nodes by `KeyChangeFeed` (LISTEN/NOTIFY); without a running `PostgresKeyChangeListener` every read goes to
/// the database (docs/storage.md).
public final class PostgresKeyStore: KeyStore {
    public let client: PostgresClient
    private let logger: Logger
    /// This node's key records, used only while `changes` says its listener works.
    let records = RecordCache(capacity: 50_000)
    let changes = KeyChangeFeed()

    /// - Parameter client: a client whose `run()` is running (in the server's ServiceGroup, or a test's task group).
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Parses `postgres://user:pass@host:5432/db[?sslmode=disable|prefer|require]`. The password may instead come
    /// from `passwordEnvironment` (the name of an environment variable).
    public static func configuration(url text: String, passwordEnvironment: String? = nil) throws(KMSError) -> PostgresClient.Configuration {
        guard let url = URLComponents(string: text), ["postgres", "postgresql"].contains(url.scheme ?? ""), let host = url.host, !host.isEmpty,
            let user = url.user, !user.isEmpty
        else {
            throw KMSError.validation("The store URL must look like postgres://user:password@host:5432/database.")
        }
        let database = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        var password = url.password?.removingPercentEncoding
        if let name = passwordEnvironment {
            guard let value = ProcessInfo.processInfo.environment[name] else {
                throw KMSError.validation("The environment variable \(name) named for the store password is not set.")
            }
            password = value
        }
        let mode = url.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        let tls: PostgresClient.Configuration.TLS
        switch mode {
        case "disable": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw KMSError.validation("sslmode must be disable, prefer or require.")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: url.port ?? 5432, username: user.removingPercentEncoding ?? user, password: password,
            database: database.isEmpty ? nil : database, tls: tls
        )
        configuration.options.maximumConnections = 16
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// Listens for other nodes' key changes until cancelled (`PostgresKeyChangeListener` runs this in the server).
    public func listenForKeyChanges() async {
        await changes.run(client: client, records: records, logger: logger)
    }

    // MARK: Migrations

    /// Append-only migrations. Never edit one that has shipped; add a new one.
    static let migrations: [(name: String, sql: [String])] = [
        (
            "v1",
            [
                "CREATE TABLE meta (name TEXT PRIMARY KEY, value BYTEA NOT NULL)",
                """
                CREATE TABLE kms_key (
                    account TEXT NOT NULL, region TEXT NOT NULL, key_id TEXT NOT NULL,
                    deletion_date DOUBLE PRECISION, next_expiry DOUBLE PRECISION, document TEXT NOT NULL,
                    PRIMARY KEY (account, region, key_id))
                """,
                "CREATE INDEX kms_key_deletion ON kms_key (deletion_date) WHERE deletion_date IS NOT NULL",
                "CREATE INDEX kms_key_next_expiry ON kms_key (next_expiry) WHERE next_expiry IS NOT NULL",
                """
                CREATE TABLE key_material (
                    account TEXT NOT NULL, region TEXT NOT NULL, key_id TEXT NOT NULL, material_id TEXT NOT NULL,
                    sealed BYTEA NOT NULL,
                    PRIMARY KEY (account, region, key_id, material_id),
                    FOREIGN KEY (account, region, key_id) REFERENCES kms_key (account, region, key_id) ON DELETE CASCADE)
                """,
                """
                CREATE TABLE alias (
                    account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, target_key_id TEXT NOT NULL,
                    creation_date DOUBLE PRECISION NOT NULL, last_updated_date DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (account, region, name),
                    FOREIGN KEY (account, region, target_key_id) REFERENCES kms_key (account, region, key_id) ON DELETE CASCADE)
                """,
                "CREATE INDEX alias_target ON alias (account, region, target_key_id)",
                """
                CREATE TABLE wrapping_key (
                    id TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT NOT NULL, key_id TEXT NOT NULL,
                    sealed BYTEA NOT NULL, expires_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX wrapping_key_expiry ON wrapping_key (expires_at)",
                """
                CREATE TABLE key_grant (
                    account TEXT NOT NULL, region TEXT NOT NULL, key_id TEXT NOT NULL, grant_id TEXT NOT NULL,
                    retiring_principal TEXT, creation_date DOUBLE PRECISION NOT NULL, document TEXT NOT NULL,
                    PRIMARY KEY (account, region, key_id, grant_id),
                    FOREIGN KEY (account, region, key_id) REFERENCES kms_key (account, region, key_id) ON DELETE CASCADE)
                """,
                "CREATE INDEX key_grant_retiring ON key_grant (retiring_principal, region) WHERE retiring_principal IS NOT NULL",
            ]
        ),
        (
            "v2-rotation-usage",
            [
                "ALTER TABLE kms_key ADD COLUMN next_rotation DOUBLE PRECISION",
                "CREATE INDEX kms_key_next_rotation ON kms_key (next_rotation) WHERE next_rotation IS NOT NULL",
                """
                CREATE TABLE key_usage (
                    account TEXT NOT NULL, region TEXT NOT NULL, key_id TEXT NOT NULL, operation TEXT NOT NULL,
                    timestamp DOUBLE PRECISION NOT NULL, request_id TEXT NOT NULL, event_id TEXT NOT NULL,
                    PRIMARY KEY (account, region, key_id),
                    FOREIGN KEY (account, region, key_id) REFERENCES kms_key (account, region, key_id) ON DELETE CASCADE)
                """,
            ]
        ),
    ]

    /// An arbitrary constant: the advisory lock that serialises migrations of nodes starting together.
    static let migrationLock: Int64 = 0x436F_6666_6572_4D31

    /// Runs pending migrations under an advisory lock, each in its own transaction.
    public func migrate() async throws(KMSError) {
        let logger = self.logger
        try await translate {
            try await self.client.withConnection { connection in
                try await connection.query("SELECT pg_advisory_lock(\(Self.migrationLock))", logger: logger)
                do {
                    try await connection.query(
                        "CREATE TABLE IF NOT EXISTS coffer_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                        logger: logger
                    )
                    var applied = Set<String>()
                    for try await name in try await connection.query("SELECT name FROM coffer_migration", logger: logger).decode(String.self) {
                        applied.insert(name)
                    }
                    for migration in Self.migrations where !applied.contains(migration.name) {
                        try await connection.withTransaction(logger: logger) { tx in
                            for statement in migration.sql {
                                try await tx.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                            }
                            try await tx.query("INSERT INTO coffer_migration (name) VALUES (\(migration.name))", logger: logger)
                        }
                    }
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
                    throw error
                }
                try await connection.query("SELECT pg_advisory_unlock(\(Self.migrationLock))", logger: logger)
            }
        }
    }

    // MARK: Error translation (the one place driver errors are mapped)

    /// How long one store call may wait for the database (a free connection, a lock, an answer) before the request
    /// fails with DependencyTimeoutException instead of hanging while PostgreSQL is away.
    static let deadline: Duration = .seconds(8)

    private struct DeadlineExceeded: Error {}

    @discardableResult
    private func translate<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws(KMSError) -> T {
        let start = ContinuousClock.now
        do {
            let value = try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: Self.deadline)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else { throw DeadlineExceeded() }
                return value
            }
            CofferMetrics.storeCall(.postgres, duration: ContinuousClock.now - start, failed: false)
            return value
        } catch {
            let mapped = map(error)
            CofferMetrics.storeCall(.postgres, duration: ContinuousClock.now - start, failed: mapped.isServerFault)
            throw mapped
        }
    }

    /// Driver errors to `KMSError`: a unique violation is AlreadyExists, a serialization failure or deadlock a
    /// retryable internal error, no answer from the server DependencyTimeout (503); the cause goes to the log only.
    private func map(_ error: any Error) -> KMSError {
        switch error {
        case let error as KMSError:
            return error
        case is DeadlineExceeded:
            logger.error("kms.store.postgres_deadline", metadata: ["kms.deadline": "\(Self.deadline)"])
            return KMSError(.dependencyTimeout, "The key store did not answer in time. Retry the request.")
                .causedBy(error)
        case let error as PostgresTransactionError:
            // The closure's own error (a KMSError such as NotFound) wins over the rollback that followed it.
            if let inner = error.closureError ?? error.commitError ?? error.beginError { return map(inner) }
            return KMSError.internalFailure(error)
        case let error as PSQLError:
            if let state = error.serverInfo?[.sqlState] {
                if state == "23505" { return KMSError(.alreadyExists, "The resource already exists.") }
                logger.error("kms.store.postgres_error", metadata: ["kms.sqlstate": "\(state)"])
                return KMSError.internalFailure("PostgreSQL error \(state): \(error.serverInfo?[.message] ?? "")")
            }
            // No server answer: connection refused, reset, timed out, pool shut down.
            logger.error("kms.store.postgres_unavailable", metadata: ["kms.error": "\(String(describing: error.code))"])
            return KMSError(.dependencyTimeout, "The key store is not available. Retry the request.")
                .causedBy("PostgreSQL unreachable: \(String(reflecting: error))")
        default:
            logger.error("kms.store.failure", metadata: ["kms.error": "\(String(describing: type(of: error)))"])
            return KMSError(.dependencyTimeout, "The key store is not available. Retry the request.").causedBy(error)
        }
    }

    private static func encode<T: Encodable>(_ value: T) throws -> String { try StoreDocuments.encode(value) }
    /// A stored document that does not decode (a malformed key material ID included) is store corruption:
    /// `KMSInternalException` with the decoding error as its cause, not the "not available" of a driver failure.
    private static func decode<T: Decodable>(_ type: T.Type, _ document: String) throws -> T {
        do {
            return try StoreDocuments.decode(type, document)
        } catch {
            throw KMSError.internalFailure("PostgreSQL: a stored \(T.self) document does not decode: \(error)")
        }
    }

    private func documents(_ query: PostgresQuery, on connection: PostgresConnection? = nil) async throws -> [String] {
        let rows: PostgresRowSequence
        if let connection {
            rows = try await connection.query(query, logger: logger)
        } else {
            rows = try await client.query(query, logger: logger)
        }
        var out: [String] = []
        for try await document in rows.decode(String.self) { out.append(document) }
        return out
    }

    // MARK: Keys

    public func insertKey(_ key: KeyRecord, materials: [SealedMaterial]) async throws(KMSError) {
        let logger = self.logger
        try await translate {
            let document = try Self.encode(key)
            try await self.client.withTransaction(logger: logger) { tx in
                try await tx.query(
                    """
                    INSERT INTO kms_key (account, region, key_id, deletion_date, next_expiry, next_rotation, document)
                    VALUES (\(key.scope.accountID), \(key.scope.region), \(key.id.rawValue), \(key.deletionDate?.timeIntervalSince1970),
                            \(key.nextExpiry?.timeIntervalSince1970), \(key.rotationDue?.timeIntervalSince1970), \(document))
                    """,
                    logger: logger
                )
                for material in materials {
                    try await tx.query(
                        """
                        INSERT INTO key_material (account, region, key_id, material_id, sealed)
                        VALUES (\(key.scope.accountID), \(key.scope.region), \(key.id.rawValue), \(material.materialID.hex), \(Data(material.sealed)))
                        """,
                        logger: logger
                    )
                }
            }
        }
    }

    /// The hot read of every request, prepared once per connection (PostgreSQL does not parse and plan it each time).
    struct KeyDocument: PostgresPreparedStatement {
        static let sql = "SELECT document FROM kms_key WHERE account = $1 AND region = $2 AND key_id = $3"
        typealias Row = String
        var account: String
        var region: String
        var keyID: String

        func makeBindings() throws -> PostgresBindings {
            var bindings = PostgresBindings(capacity: 3)
            bindings.append(account)
            bindings.append(region)
            bindings.append(keyID)
            return bindings
        }

        func decodeRow(_ row: PostgresRow) throws -> String { try row.decode(String.self) }
    }

    public func key(_ id: KeyID, in scope: Scope) async throws(KMSError) -> KeyRecord? {
        let slot = RecordSlot(account: scope.accountID, region: scope.region, keyID: id.rawValue)
        let cacheable = changes.isFresh()
        if cacheable, let cached = records[slot] {
            CofferMetrics.cacheLookup(.keyRecord, hit: true)
            return cached
        }
        CofferMetrics.cacheLookup(.keyRecord, hit: false)
        let generation = records.currentGeneration
        return try await translate {
            let statement = KeyDocument(account: scope.accountID, region: scope.region, keyID: id.rawValue)
            var document: String?
            for try await row in try await self.client.execute(statement, logger: self.logger) { document = row }
            guard let document else { return nil }
            let record = try Self.decode(KeyRecord.self, document)
            // Refused when any change notification (or the listener's loss) arrived since `generation`.
            if cacheable { self.records.insert(record, for: slot, ifUnchangedSince: generation) }
            return record
        }
    }

    public func updateKey(
        _ id: KeyID, in scope: Scope, _ mutate: @escaping @Sendable (inout KeyRecord, inout MaterialChanges) throws(KMSError) -> Void
    ) async throws(KMSError) -> KeyRecord {
        let logger = self.logger
        let slot = RecordSlot(account: scope.accountID, region: scope.region, keyID: id.rawValue)
        let token = changes.expect()
        defer { changes.forget(token) }
        let record = try await translate {
            try await self.client.withTransaction(logger: logger) { tx in
                // The row lock serialises concurrent changes of this key on every node.
                guard
                    let document = try await self.documents(
                        "SELECT document FROM kms_key WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id = \(id.rawValue) FOR UPDATE",
                        on: tx
                    ).first
                else { throw KMSError.notFound("Key '\(scope.keyARN(id))' does not exist") }
                var record = try Self.decode(KeyRecord.self, document)
                var changes = MaterialChanges()
                try mutate(&record, &changes)
                let updated = try Self.encode(record)
                try await tx.query(
                    """
                    UPDATE kms_key SET deletion_date = \(record.deletionDate?.timeIntervalSince1970), next_expiry = \(record.nextExpiry?.timeIntervalSince1970),
                        next_rotation = \(record.rotationDue?.timeIntervalSince1970), document = \(updated)
                    WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id = \(id.rawValue)
                    """,
                    logger: logger
                )
                for materialID in changes.delete {
                    try await tx.query(
                        """
                        DELETE FROM key_material WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id = \(id.rawValue)
                            AND material_id = \(materialID.hex)
                        """,
                        logger: logger
                    )
                }
                for material in changes.upsert {
                    try await tx.query(
                        """
                        INSERT INTO key_material (account, region, key_id, material_id, sealed)
                        VALUES (\(scope.accountID), \(scope.region), \(id.rawValue), \(material.materialID.hex), \(Data(material.sealed)))
                        ON CONFLICT (account, region, key_id, material_id) DO UPDATE SET sealed = EXCLUDED.sealed
                        """,
                        logger: logger
                    )
                }
                try await tx.query(self.changes.notify(slot, token: token), logger: logger)
                return record
            }
        }
        await changed(slot, token: token)
        return record
    }

    public func keysWithExpiringMaterial(at date: Date, limit: Int) async throws(KMSError) -> [(Scope, KeyID)] {
        try await translate {
            try await self.documents(
                "SELECT document FROM kms_key WHERE next_expiry IS NOT NULL AND next_expiry <= \(date.timeIntervalSince1970) ORDER BY next_expiry LIMIT \(limit)"
            ).map { try Self.decode(KeyRecord.self, $0) }.map { ($0.scope, $0.id) }
        }
    }

    public func relatedKeys(_ id: KeyID, accountID: String) async throws(KMSError) -> [KeyRecord] {
        try await translate {
            try await self.documents(
                "SELECT document FROM kms_key WHERE account = \(accountID) AND key_id = \(id.rawValue) ORDER BY region COLLATE \"C\""
            ).map { try Self.decode(KeyRecord.self, $0) }
        }
    }

    public func keysDueForRotation(at date: Date, limit: Int) async throws(KMSError) -> [(Scope, KeyID)] {
        try await translate {
            try await self.documents(
                "SELECT document FROM kms_key WHERE next_rotation IS NOT NULL AND next_rotation <= \(date.timeIntervalSince1970) ORDER BY next_rotation LIMIT \(limit)"
            ).map { try Self.decode(KeyRecord.self, $0) }.map { ($0.scope, $0.id) }
        }
    }

    public func recordUsages(_ usages: [KeyUsageRecord]) async throws(KMSError) {
        guard !usages.isEmpty else { return }
        let logger = self.logger
        try await translate {
            try await self.client.withTransaction(logger: logger) { tx in
                for usage in usages {
                    // Only for a key that still exists; only if newer than what is stored (several nodes write).
                    try await tx.query(
                        """
                        INSERT INTO key_usage (account, region, key_id, operation, timestamp, request_id, event_id)
                        SELECT \(usage.scope.accountID), \(usage.scope.region), \(usage.keyID.rawValue), \(usage.operation.rawValue),
                            \(usage.timestamp.timeIntervalSince1970), \(usage.requestID), \(usage.eventID)
                        WHERE EXISTS (SELECT 1 FROM kms_key WHERE account = \(usage.scope.accountID) AND region = \(usage.scope.region)
                            AND key_id = \(usage.keyID.rawValue))
                        ON CONFLICT (account, region, key_id) DO UPDATE SET operation = EXCLUDED.operation, timestamp = EXCLUDED.timestamp,
                            request_id = EXCLUDED.request_id, event_id = EXCLUDED.event_id
                        WHERE EXCLUDED.timestamp > key_usage.timestamp
                        """,
                        logger: logger
                    )
                }
            }
        }
    }

    public func usage(of keyID: KeyID, in scope: Scope) async throws(KMSError) -> KeyUsageRecord? {
        try await translate {
            let rows = try await self.client.query(
                """
                SELECT operation, timestamp, request_id, event_id FROM key_usage
                WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id = \(keyID.rawValue)
                """,
                logger: self.logger
            )
            for try await (operation, timestamp, requestID, eventID) in rows.decode((String, Double, String, String).self) {
                guard let operation = OperationName(rawValue: operation) else { return nil }
                return KeyUsageRecord(
                    scope: scope, keyID: keyID, operation: operation, timestamp: Date(timeIntervalSince1970: timestamp), requestID: requestID,
                    eventID: eventID
                )
            }
            return nil
        }
    }

    public func insertWrappingKey(_ key: StoredWrappingKey) async throws(KMSError) {
        try await translate {
            try await self.client.query(
                """
                INSERT INTO wrapping_key (id, account, region, key_id, sealed, expires_at)
                VALUES (\(key.id), \(key.scope.accountID), \(key.scope.region), \(key.keyID.rawValue), \(Data(key.sealed)), \(key.expiresAt.timeIntervalSince1970))
                """,
                logger: self.logger
            )
        }
    }

    public func wrappingKey(_ id: String) async throws(KMSError) -> StoredWrappingKey? {
        try await translate {
            let rows = try await self.client.query(
                "SELECT account, region, key_id, sealed, expires_at FROM wrapping_key WHERE id = \(id)", logger: self.logger
            )
            for try await (account, region, keyID, sealed, expiresAt) in rows.decode((String, String, String, Data, Double).self) {
                guard let keyID = KeyID(keyID) else { return nil }
                return StoredWrappingKey(
                    id: id, scope: Scope(accountID: account, region: region), keyID: keyID, sealed: Array(sealed),
                    expiresAt: Date(timeIntervalSince1970: expiresAt)
                )
            }
            return nil
        }
    }

    public func deleteWrappingKeys(expiredAt date: Date) async throws(KMSError) -> Int {
        try await translate {
            let rows = try await self.client.query(
                "WITH gone AS (DELETE FROM wrapping_key WHERE expires_at <= \(date.timeIntervalSince1970) RETURNING 1) SELECT count(*) FROM gone",
                logger: self.logger
            )
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    public func deleteKey(_ id: KeyID, in scope: Scope) async throws(KMSError) {
        let logger = self.logger
        let slot = RecordSlot(account: scope.accountID, region: scope.region, keyID: id.rawValue)
        let token = changes.expect()
        defer { changes.forget(token) }
        try await translate {
            try await self.client.withTransaction(logger: logger) { tx in
                try await tx.query(
                    "DELETE FROM kms_key WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id = \(id.rawValue)",
                    logger: logger
                )
                try await tx.query(self.changes.notify(slot, token: token), logger: logger)
            }
        }
        await changed(slot, token: token)
    }

    /// After a committed change of a key: forget this node's copy, then wait until every node has forgotten its own
    /// (`KeyChangeFeed`), so that the change is enforced everywhere once it is acknowledged.
    private func changed(_ slot: RecordSlot, token: UInt64) async {
        records.write(nil, for: slot)
        await changes.awaitAcknowledgements(token, logger: logger)
    }

    public func keys(in scope: Scope, after: KeyID?, limit: Int) async throws(KMSError) -> [KeyRecord] {
        try await translate {
            try await self.documents(
                """
                SELECT document FROM kms_key WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id COLLATE "C" > \(after?.rawValue ?? "")
                ORDER BY key_id COLLATE "C" LIMIT \(limit)
                """
            ).map { try Self.decode(KeyRecord.self, $0) }
        }
    }

    public func keysDueForDeletion(at date: Date, limit: Int) async throws(KMSError) -> [(Scope, KeyID)] {
        try await translate {
            try await self.documents(
                "SELECT document FROM kms_key WHERE deletion_date IS NOT NULL AND deletion_date <= \(date.timeIntervalSince1970) ORDER BY deletion_date LIMIT \(limit)"
            ).map { try Self.decode(KeyRecord.self, $0) }.map { ($0.scope, $0.id) }
        }
    }

    public func sealedMaterial(keyID: KeyID, materialID: KeyMaterialID, in scope: Scope) async throws(KMSError) -> SealedMaterial? {
        try await translate {
            let rows = try await self.client.query(
                """
                SELECT sealed FROM key_material WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id = \(keyID.rawValue)
                    AND material_id = \(materialID.hex)
                """,
                logger: self.logger
            )
            for try await sealed in rows.decode(Data.self) {
                return SealedMaterial(keyID: keyID, materialID: materialID, sealed: Array(sealed))
            }
            return nil
        }
    }

    // MARK: Aliases

    public func insertAlias(_ alias: AliasRecord, limit: Int) async throws(KMSError) {
        let logger = self.logger
        do {
            try await translate {
                try await self.client.withTransaction(logger: logger) { tx in
                // The target key's row lock makes the count and the insert one step for every node.
                let scope = alias.scope
                let locked = try await tx.query(
                    "SELECT 1 FROM kms_key WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id = \(alias.targetKeyID.rawValue) FOR UPDATE",
                    logger: logger
                )
                var exists = false
                for try await _ in locked.decode(Int.self) { exists = true }
                guard exists else { throw KMSError.notFound("Key '\(scope.keyARN(alias.targetKeyID))' does not exist") }
                let counted = try await tx.query(
                    "SELECT count(*) FROM alias WHERE account = \(scope.accountID) AND region = \(scope.region) AND target_key_id = \(alias.targetKeyID.rawValue)",
                    logger: logger
                )
                var count = 0
                for try await value in counted.decode(Int.self) { count = value }
                if count >= limit { throw Self.aliasLimitExceeded(alias, limit: limit) }
                try await tx.query(
                    """
                    INSERT INTO alias (account, region, name, target_key_id, creation_date, last_updated_date)
                    VALUES (\(alias.scope.accountID), \(alias.scope.region), \(alias.name.rawValue), \(alias.targetKeyID.rawValue),
                            \(alias.creationDate.timeIntervalSince1970), \(alias.lastUpdatedDate.timeIntervalSince1970))
                    """,
                    logger: logger
                )
                }
            }
        } catch where error.code == .alreadyExists {
            throw KMSError(.alreadyExists, "An alias with the name \(alias.scope.aliasARN(alias.name)) already exists")
        }
    }

    private typealias AliasRow = (String, String, Double, Double)

    private func aliasRecords(_ query: PostgresQuery, scope: Scope) async throws -> [AliasRecord] {
        let rows = try await client.query(query, logger: logger)
        var out: [AliasRecord] = []
        for try await (name, target, created, updated) in rows.decode(AliasRow.self) {
            guard let name = AliasName(name), let target = KeyID(target) else { continue }
            out.append(
                AliasRecord(
                    name: name, scope: scope, targetKeyID: target, creationDate: Date(timeIntervalSince1970: created),
                    lastUpdatedDate: Date(timeIntervalSince1970: updated)
                )
            )
        }
        return out
    }

    public func alias(_ name: AliasName, in scope: Scope) async throws(KMSError) -> AliasRecord? {
        try await translate {
            try await self.aliasRecords(
                """
                SELECT name, target_key_id, creation_date, last_updated_date FROM alias
                WHERE account = \(scope.accountID) AND region = \(scope.region) AND name = \(name.rawValue)
                """,
                scope: scope
            ).first
        }
    }

    public func retargetAlias(_ name: AliasName, in scope: Scope, to keyID: KeyID, at date: Date) async throws(KMSError) {
        let changed: Int = try await translate {
            let rows = try await self.client.query(
                """
                WITH changed AS (UPDATE alias SET target_key_id = \(keyID.rawValue), last_updated_date = \(date.timeIntervalSince1970)
                    WHERE account = \(scope.accountID) AND region = \(scope.region) AND name = \(name.rawValue) RETURNING 1)
                SELECT count(*) FROM changed
                """,
                logger: self.logger
            )
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
        if changed == 0 { throw KMSError.notFound("Alias \(scope.aliasARN(name)) is not found.") }
    }

    public func deleteAlias(_ name: AliasName, in scope: Scope) async throws(KMSError) -> Bool {
        try await translate {
            let rows = try await self.client.query(
                """
                WITH gone AS (DELETE FROM alias WHERE account = \(scope.accountID) AND region = \(scope.region) AND name = \(name.rawValue) RETURNING 1)
                SELECT count(*) FROM gone
                """,
                logger: self.logger
            )
            for try await count in rows.decode(Int.self) { return count > 0 }
            return false
        }
    }

    public func aliases(in scope: Scope, targetKeyID: KeyID?, after: AliasName?, limit: Int) async throws(KMSError) -> [AliasRecord] {
        try await translate {
            if let targetKeyID {
                return try await self.aliasRecords(
                    """
                    SELECT name, target_key_id, creation_date, last_updated_date FROM alias
                    WHERE account = \(scope.accountID) AND region = \(scope.region) AND target_key_id = \(targetKeyID.rawValue)
                        AND name COLLATE "C" > \(after?.rawValue ?? "") ORDER BY name COLLATE "C" LIMIT \(limit)
                    """,
                    scope: scope
                )
            }
            return try await self.aliasRecords(
                """
                SELECT name, target_key_id, creation_date, last_updated_date FROM alias
                WHERE account = \(scope.accountID) AND region = \(scope.region) AND name COLLATE "C" > \(after?.rawValue ?? "")
                ORDER BY name COLLATE "C" LIMIT \(limit)
                """,
                scope: scope
            )
        }
    }

    public func aliasCount(for keyID: KeyID, in scope: Scope) async throws(KMSError) -> Int {
        try await translate {
            let rows = try await self.client.query(
                "SELECT count(*) FROM alias WHERE account = \(scope.accountID) AND region = \(scope.region) AND target_key_id = \(keyID.rawValue)",
                logger: self.logger
            )
            for try await count in rows.decode(Int.self) { return count }
            return 0
        }
    }

    // MARK: Grants

    public func insertGrant(_ grant: GrantRecord, limit: Int) async throws(KMSError) {
        let logger = self.logger
        try await translate {
            let document = try Self.encode(grant)
            let scope = grant.scope
            try await self.client.withTransaction(logger: logger) { tx in
                // Lock the key row: the count and the insert are one step for every node.
                let locked = try await tx.query(
                    "SELECT 1 FROM kms_key WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id = \(grant.keyID.rawValue) FOR UPDATE",
                    logger: logger
                )
                var exists = false
                for try await _ in locked.decode(Int.self) { exists = true }
                guard exists else { throw KMSError.notFound("Key '\(grant.keyARN)' does not exist") }
                let counted = try await tx.query(
                    "SELECT count(*) FROM key_grant WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id = \(grant.keyID.rawValue)",
                    logger: logger
                )
                var count = 0
                for try await value in counted.decode(Int.self) { count = value }
                guard count < limit else {
                    throw KMSError(.limitExceeded, "The request was rejected because the key has reached the limit of \(limit) grants.")
                }
                try await tx.query(
                    """
                    INSERT INTO key_grant (account, region, key_id, grant_id, retiring_principal, creation_date, document)
                    VALUES (\(scope.accountID), \(scope.region), \(grant.keyID.rawValue), \(grant.grantID), \(grant.retiringPrincipal),
                            \(grant.creationDate.timeIntervalSince1970), \(document))
                    """,
                    logger: logger
                )
            }
        }
    }

    public func grants(forKey keyID: KeyID, in scope: Scope) async throws(KMSError) -> [GrantRecord] {
        try await translate {
            try await self.documents(
                """
                SELECT document FROM key_grant WHERE account = \(scope.accountID) AND region = \(scope.region) AND key_id = \(keyID.rawValue)
                ORDER BY creation_date, grant_id COLLATE "C"
                """
            ).map { try Self.decode(GrantRecord.self, $0) }
        }
    }

    public func deleteGrant(_ grantID: String, keyID: KeyID, in scope: Scope) async throws(KMSError) -> Bool {
        try await translate {
            let rows = try await self.client.query(
                """
                WITH gone AS (DELETE FROM key_grant WHERE account = \(scope.accountID) AND region = \(scope.region)
                    AND key_id = \(keyID.rawValue) AND grant_id = \(grantID) RETURNING 1)
                SELECT count(*) FROM gone
                """,
                logger: self.logger
            )
            for try await count in rows.decode(Int.self) { return count > 0 }
            return false
        }
    }

    public func grants(retiringPrincipal principal: String, region: String) async throws(KMSError) -> [GrantRecord] {
        try await translate {
            try await self.documents(
                """
                SELECT document FROM key_grant WHERE retiring_principal = \(principal) AND region = \(region)
                ORDER BY creation_date, grant_id COLLATE "C"
                """
            ).map { try Self.decode(GrantRecord.self, $0) }
        }
    }

    // MARK: Meta

    public func metaValue(_ name: String) async throws(KMSError) -> [UInt8]? {
        try await translate {
            let rows = try await self.client.query("SELECT value FROM meta WHERE name = \(name)", logger: self.logger)
            for try await value in rows.decode(Data.self) { return Array(value) }
            return nil
        }
    }

    public func scopes() async throws(KMSError) -> [Scope] {
        try await translate {
            let rows = try await self.client.query(
                "SELECT DISTINCT account, region FROM kms_key ORDER BY account, region", logger: self.logger
            )
            var out: [Scope] = []
            for try await (account, region) in rows.decode((String, String).self) { out.append(Scope(accountID: account, region: region)) }
            return out
        }
    }

    public func sealedMaterials(keyID: KeyID, in scope: Scope) async throws(KMSError) -> [SealedMaterial] {
        try await translate {
            let rows = try await self.client.query(
                """
                SELECT material_id, sealed FROM key_material WHERE account = \(scope.accountID) AND region = \(scope.region)
                    AND key_id = \(keyID.rawValue) ORDER BY material_id
                """,
                logger: self.logger
            )
            var out: [SealedMaterial] = []
            for try await (materialID, sealed) in rows.decode((String, Data).self) {
                out.append(SealedMaterial(keyID: keyID, materialID: try KeyMaterialID(stored: materialID), sealed: Array(sealed)))
            }
            return out
        }
    }

    public func wrappingKeys() async throws(KMSError) -> [StoredWrappingKey] {
        try await translate {
            let rows = try await self.client.query(
                "SELECT id, account, region, key_id, sealed, expires_at FROM wrapping_key ORDER BY id", logger: self.logger
            )
            var out: [StoredWrappingKey] = []
            for try await (id, account, region, keyID, sealed, expiresAt) in rows.decode((String, String, String, String, Data, Double).self) {
                guard let keyID = KeyID(keyID) else { continue }
                out.append(
                    StoredWrappingKey(
                        id: id, scope: Scope(accountID: account, region: region), keyID: keyID, sealed: Array(sealed),
                        expiresAt: Date(timeIntervalSince1970: expiresAt)
                    )
                )
            }
            return out
        }
    }

    public func insertMetaValueIfAbsent(_ name: String, _ value: [UInt8]) async throws(KMSError) -> [UInt8] {
        try await translate {
            try await self.client.query(
                "INSERT INTO meta (name, value) VALUES (\(name), \(Data(value))) ON CONFLICT (name) DO NOTHING", logger: self.logger
            )
            let rows = try await self.client.query("SELECT value FROM meta WHERE name = \(name)", logger: self.logger)
            for try await stored in rows.decode(Data.self) { return Array(stored) }
            return value
        }
    }

    public func setMetaValue(_ name: String, _ value: [UInt8]) async throws(KMSError) {
        try await translate {
            try await self.client.query(
                "INSERT INTO meta (name, value) VALUES (\(name), \(Data(value))) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
                logger: self.logger
            )
        }
    }
}
