import KMSCore
import Metrics

/// The per-request metrics: `coffer_requests_total{operation,error_type}` and
/// `coffer_request_duration_seconds{operation}`. Handles are made once per operation (labels are bounded: an unknown
/// target counts as `unknown`), so a request costs two atomic updates.
struct RequestMetrics: Sendable {
    private let succeeded: [OperationName: Counter]
    private let durations: [OperationName: Timer]
    private let unknownDuration: Timer

    /// Made at first use, which is after `coffer serve` bootstrapped the metrics backend.
    static let shared = RequestMetrics()

    private init() {
        var succeeded: [OperationName: Counter] = [:]
        var durations: [OperationName: Timer] = [:]
        for operation in OperationName.allCases {
            succeeded[operation] = Counter(label: "coffer_requests_total", dimensions: [("operation", operation.rawValue), ("error_type", "none")])
            durations[operation] = Timer(label: "coffer_request_duration_seconds", dimensions: [("operation", operation.rawValue)])
        }
        self.succeeded = succeeded
        self.durations = durations
        self.unknownDuration = Timer(label: "coffer_request_duration_seconds", dimensions: [("operation", "unknown")])
    }

    func record(_ operation: OperationName?, errorType: KMSError.Code?, duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        (operation.flatMap { durations[$0] } ?? unknownDuration).recordNanoseconds(nanoseconds)
        if let errorType {
            Counter(label: "coffer_requests_total", dimensions: [("operation", operation?.rawValue ?? "unknown"), ("error_type", errorType.rawValue)])
                .increment()
        } else if let operation {
            succeeded[operation]?.increment()
        }
    }
}

extension OperationName {
    /// CloudTrail's `readOnly`: reads, lists and the cryptographic operations.
    var isReadOnly: Bool {
        switch self {
        case .encrypt, .decrypt, .reEncrypt, .generateDataKey, .generateDataKeyWithoutPlaintext, .generateDataKeyPair,
            .generateDataKeyPairWithoutPlaintext, .generateRandom, .sign, .verify, .generateMac, .verifyMac, .deriveSharedSecret:
            return true
        default:
            let name = rawValue
            return name.hasPrefix("Describe") || name.hasPrefix("Get") || name.hasPrefix("List")
        }
    }
}
