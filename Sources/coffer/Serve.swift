import ArgumentParser
import Foundation
import Hummingbird
import KMSCore
import KMSServer
import KMSStorePostgres
import KMSStoreSQLite
import Logging
import Metrics
import NIOSSL
import PostgresNIO
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `coffer serve`: runs the KMS server on the embedded SQLite store until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the KMS server.")

    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default 4599).") var port: Int?
    @Option(name: .customLong("data-dir"), help: "Directory for the store and the root key (default ./data).") var dataDir: String?
    @Option(help: "Configuration file (JSON): host, port, dataDir, store, credentialsFile, rootKey, logLevel, authorization.") var config: String?

    func run() async throws {
        do {
            try await serve()
        } catch let error as RootKeyError {
            FileHandle.standardError.write(Data("coffer: \(error.description)\n".utf8))
            throw ExitCode(78)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("coffer: \(error.description)\n".utf8))
            throw ExitCode(78)
        }
    }

    private func serve() async throws {
        let file = try config.map(ServerConfiguration.load) ?? ServerConfiguration()
        _ = try file.authorizationMode()
        let host = self.host ?? file.host ?? "127.0.0.1"
        let port = self.port ?? file.port ?? 4599
        let dataDir = self.dataDir ?? file.dataDir ?? "./data"
        let level = file.logLevel.flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "coffer")
        // Before anything makes a metric handle (the store times its first call).
        let registry = file.metrics.map { _ in Self.bootstrapMetrics() }

        do {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ConfigurationError("Cannot create the data directory \(dataDir).")
        }
        switch file.store?.type ?? "sqlite" {
        case "sqlite":
            let databasePath = file.store?.path ?? (dataDir as NSString).appendingPathComponent("coffer.sqlite")
            let store: SQLiteKeyStore
            do {
                store = try SQLiteKeyStore(path: databasePath)
            } catch {
                throw ConfigurationError("Cannot open the store at \(databasePath): \(error)")
            }
            let sealer = try await RootKeyLoader.load(source: file.rootKey, dataDir: dataDir, store: store)
            let offset = try await Self.developmentOffset(file, store: store)
            try await Self.applySeed(file, store: store, sealer: sealer, developmentOffset: offset, logger: logger)
            try await serve(
                file: file, store: store, sealer: sealer, developmentOffset: offset, storeName: databasePath, host: host, port: port, logger: logger,
                registry: registry
            )
        case "postgres":
            let configuration = try ConfiguredStore.postgresConfiguration(file)
            let name = "postgres://\(configuration.host ?? "?"):\(configuration.port ?? 5432)/\(configuration.database ?? "")"
            // Start-up work (migrations under their advisory lock, the root-key check) runs on a short-lived client;
            // the server's own client then runs as a Service in its ServiceGroup, beside the change listener, and
            // stops after the HTTP server has drained.
            let preflight = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let (sealer, offset) = try await withThrowingTaskGroup(of: Void.self, returning: (MaterialSealer, TimeInterval?).self) { group in
                group.addTask { await preflight.run() }
                defer { group.cancelAll() }
                let store = PostgresKeyStore(client: preflight, logger: logger)
                do {
                    try await store.migrate()
                } catch {
                    throw ConfigurationError("Cannot prepare the PostgreSQL store at \(name): \((error as? KMSError)?.message ?? "\(error)")")
                }
                let sealer = try await RootKeyLoader.load(source: file.rootKey, dataDir: dataDir, store: store)
                let offset = try await Self.developmentOffset(file, store: store)
                try await Self.applySeed(file, store: store, sealer: sealer, developmentOffset: offset, logger: logger)
                return (sealer, offset)
            }
            let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
            let store = PostgresKeyStore(client: client, logger: logger)
            try await serve(
                file: file, store: store, sealer: sealer, developmentOffset: offset, storeName: name, host: host, port: port, logger: logger,
                registry: registry, storeServices: [client, PostgresKeyChangeListener(store: store)]
            )
        case let other:
            throw ConfigurationError("Store type '\(other)' is not supported; use 'sqlite' or 'postgres'.")
        }
    }

    /// Applies the seed file, if one is configured, before the server starts (docs/seed.md).
    static func applySeed(
        _ file: ServerConfiguration, store: any KeyStore, sealer: MaterialSealer, developmentOffset: TimeInterval?, logger: Logger
    ) async throws {
        guard let seedPath = file.seed else { return }
        let clock: any KMSClock = developmentOffset.map { DevelopmentClock(offset: $0) } ?? SystemClock()
        let service = KMSService(store: store, sealer: sealer, clock: clock, random: SystemRandom())
        do {
            let seed = try SeedFile.load(seedPath)
            let created = try await seed.apply(to: service, logger: logger)
            logger.info(
                "coffer.seed",
                metadata: [
                    "coffer.file": "\(seedPath)", "coffer.seed.keys": "\(seed.keys.count)", "coffer.seed.keys_created": "\(created.keys)",
                    "coffer.seed.aliases_created": "\(created.aliases)",
                ]
            )
        } catch {
            throw ConfigurationError(error.description)
        }
    }

    /// The development clock's stored offset (0 when new), or nil when the development clock is off.
    static func developmentOffset(_ file: ServerConfiguration, store: any KeyStore) async throws -> TimeInterval? {
        guard file.developmentClock == true else { return nil }
        return try await store.metaValue(DevelopmentClock.offsetMetaName).flatMap(MetaNumber.decode) ?? 0
    }

    /// - Parameter storeServices: the store's own services (a connection pool, a change listener), started first and
    ///   stopped last.
    private func serve(
        file: ServerConfiguration, store: any KeyStore, sealer: MaterialSealer, developmentOffset: TimeInterval?, storeName databasePath: String,
        host: String, port: Int, logger: Logger, registry: PrometheusCollectorRegistry?, storeServices: [any Service] = []
    ) async throws {
        let audit: AuditLog?
        do {
            audit = try file.auditConfiguration().map { try AuditLog(configuration: $0, logger: Logger(label: "coffer.audit")) }
        } catch let error as AuditLog.OpenError {
            throw ConfigurationError(error.description)
        }
        let tls = try file.tls.map(Self.tlsConfiguration)

        let identities: IdentityDirectory
        if let credentialsFile = file.credentialsFile {
            do {
                identities = try IdentityDirectory.load(from: credentialsFile)
            } catch let error as ConfigurationError {
                throw error
            } catch {
                throw ConfigurationError("Cannot load the credentials file \(credentialsFile): \(error)")
            }
            logger.info("coffer.credentials", metadata: ["coffer.identities": "\(identities.count)", "coffer.file": "\(credentialsFile)"])
        } else {
            identities = IdentityDirectory([.development])
            logger.notice(
                "coffer.credentials.development",
                metadata: ["coffer.note": "no credentials file configured: the development identity (access key 'test', secret 'test', account 000000000000) is active"]
            )
        }

        var poolTargets: [WrappingKeySpec: Int] = [.rsa2048: 4, .rsa3072: 2, .rsa4096: 2]
        for (name, count) in file.wrappingKeyPool ?? [:] {
            guard let spec = WrappingKeySpec(rawValue: name), spec != .sm2, (0...64).contains(count) else {
                throw ConfigurationError("wrappingKeyPool: '\(name)': \(count) is not a wrapping key spec (RSA_2048, RSA_3072, RSA_4096) with 0 to 64 keys.")
            }
            poolTargets[spec] = count
        }
        let pool = WrappingKeyPool(targets: poolTargets)
        let authorization = try file.authorizationMode()
        var developmentClock: DevelopmentClock?
        if let stored = developmentOffset {
            developmentClock = DevelopmentClock(offset: stored)
            logger.warning(
                "coffer.development_clock",
                metadata: ["coffer.offset_seconds": "\(stored)", "coffer.note": "the development clock is on: CofferDevelopment.AdvanceClock moves time forward; not for production"]
            )
        }
        let service = KMSService(
            store: store, sealer: sealer, clock: developmentClock ?? SystemClock(), random: SystemRandom(), wrappingKeys: pool,
            authorization: authorization, logger: Logger(label: "coffer.authz"),
            serviceEvents: audit ?? DiscardingServiceEventSink()
        )
        let sweeper = KeyDeletionSweeper(service: service, logger: logger)
        let poolService = WrappingKeyPoolService(pool: pool, logger: logger)
        let usageFlush = UsageFlushService(service: service, logger: logger)
        // A service group stops its services in reverse order, after the HTTP server (last) has drained: the audit
        // writer stops after everything that reports to it.
        var services: [any Service] = storeServices
        if let audit { services.append(audit) }
        services += [sweeper, poolService, usageFlush] as [any Service]
        if let registry, let metrics = file.metrics {
            let endpoints = OperatorEndpoints(registry: registry, service: service, audit: audit)
            services.append(endpoints.application(host: metrics.host ?? "127.0.0.1", port: metrics.port, logger: logger))
        }
        // The KMS listener: the lean NIO transport, last in the group so that it stops (draining its requests) first.
        let handler = KMSProtocolHandler(
            service: service, identities: identities, developmentClock: developmentClock, audit: audit, secureTransport: tls != nil,
            logger: logger
        )
        let idle = file.http?.idleTimeoutSeconds ?? 60
        let slow = file.http?.requestTimeoutSeconds ?? 30
        guard idle >= 1, slow >= 1 else { throw ConfigurationError("http: idleTimeoutSeconds and requestTimeoutSeconds must be at least 1.") }
        let server = try CofferHTTPServer(
            host: host, port: port, handler: handler, tls: tls, idleTimeout: .seconds(idle), requestTimeout: .seconds(slow), logger: logger
        )
        let group = ServiceGroup(services: services + [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        var metadata: Logger.Metadata = [
            "coffer.address": "\(host):\(port)", "coffer.store": "\(databasePath)", "coffer.authorization": "\(authorization.rawValue)",
            "coffer.tls": "\(tls != nil)", "coffer.version": "\(CofferVersion.current)",
        ]
        if let audit { metadata["coffer.audit"] = "\(audit.configuration.path) (\(audit.configuration.mode.rawValue))" }
        if let metrics = file.metrics { metadata["coffer.metrics"] = "\(metrics.host ?? "127.0.0.1"):\(metrics.port)" }
        logger.info("coffer.start", metadata: metadata)
        try await group.run()
    }

    /// The Prometheus registry behind swift-metrics, with buckets fit for sub-millisecond requests.
    static func bootstrapMetrics() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        for label in ["coffer_request_duration_seconds", "coffer_store_duration_seconds"] {
            factory.durationHistogramBuckets[label] = CofferMetrics.durationBuckets
        }
        MetricsSystem.bootstrap(factory)
        Gauge(label: "coffer_build_info", dimensions: [("version", CofferVersion.current)]).record(1)
        return registry
    }

    /// The certificate chain and private key (PEM files) for HTTPS.
    static func tlsConfiguration(_ tls: ServerConfiguration.TLS) throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(tls.certificate)
        } catch {
            throw ConfigurationError("tls.certificate: cannot read a PEM certificate chain from \(tls.certificate): \(error)")
        }
        guard !chain.isEmpty else { throw ConfigurationError("tls.certificate: \(tls.certificate) holds no certificate.") }
        do {
            key = try NIOSSLPrivateKey(file: tls.privateKey, format: .pem)
        } catch {
            throw ConfigurationError("tls.privateKey: cannot read a PEM private key from \(tls.privateKey): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }
}
