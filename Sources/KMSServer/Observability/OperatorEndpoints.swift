import Foundation
import Hummingbird
import KMSCore
import Logging
import Metrics
import Prometheus
import Synchronization

/// The operator's listener (`"metrics"` in the configuration; plain HTTP, separate from the KMS port): Prometheus
/// `/metrics`, `/health/live` and `/health/ready` (docs/operations-guide.md).
public struct OperatorEndpoints: Sendable {
    let registry: PrometheusCollectorRegistry
    let service: KMSService
    let audit: AuditLog?
    let keyStates = KeyStateCounts()

    public init(registry: PrometheusCollectorRegistry, service: KMSService, audit: AuditLog?) {
        self.registry = registry
        self.service = service
        self.audit = audit
    }

    /// The application serving the endpoints on `host:port`.
    public func application(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            await self.refreshGauges()
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.registry.emitToBuffer())))
        }
        router.get("/health/live") { _, _ -> Response in
            Self.json(.ok, "{\"status\":\"live\"}")
        }
        router.get("/health/ready") { _, _ -> Response in
            if let reason = await self.unreadiness() {
                return Self.json(.serviceUnavailable, "{\"status\":\"unavailable\",\"reason\":\(JSONWriter.literal(reason))}")
            }
            return Self.json(.ok, "{\"status\":\"ready\"}")
        }
        return Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Coffer"),
            logger: logger
        )
    }

    /// Nil when ready: the root key is loaded (it is, once the server runs) and the store answers within 2 seconds.
    /// The reason names the cause: this listener is the operator's, not the clients'.
    func unreadiness() async -> String? {
        let store = service.store
        return await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    try await store.healthCheck()
                    return nil
                } catch let error as KMSError {
                    return "the store does not answer: \(error.cause?.detail ?? error.message)"
                } catch {
                    return "the store does not answer: \(error)"
                }
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return "the store did not answer within 2 seconds"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Gauges read when scraped: wrapping-key pool levels, audit queue depth, keys by state (recounted at most every
    /// 30 seconds: counting reads every key).
    func refreshGauges() async {
        let statistics = await service.wrappingKeys.statistics()
        for spec in [WrappingKeySpec.rsa2048, .rsa3072, .rsa4096] {
            Gauge(label: "coffer_wrapping_key_pool_keys", dimensions: [("key_spec", spec.rawValue)]).record(statistics.ready[spec] ?? 0)
        }
        Gauge(label: "coffer_audit_queue_depth").record(audit?.queueDepth ?? 0)
        if let counts = await keyStates.counts(service: service) {
            for state in KeyState.allCases {
                Gauge(label: "coffer_keys", dimensions: [("key_state", state.rawValue)]).record(counts[state] ?? 0)
            }
        }
    }

    static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
