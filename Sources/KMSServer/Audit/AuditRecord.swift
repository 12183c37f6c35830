import Crypto
import Foundation
import KMSCore

/// One audit event as CloudTrail writes it for KMS (docs/audit.md): the JSON object without its closing brace and
/// without the chain members, which the writer appends in write order.
struct AuditRecord {
    /// What the responder knows about a finished request.
    struct Request {
        var time: Date
        var operation: String
        var caller: Caller?
        /// The access key named by an Authorization header that failed verification.
        var claimedAccessKeyID: String?
        var claimedRegion: String?
        var sourceIP: String?
        var userAgent: String?
        var requestParameters: JSONValue?
        var responseElements: JSONValue?
        var requestID: String
        var readOnly: Bool
        var resources: [RequestTrail.KeyReference]
        var error: KMSError?
    }

    static let eventVersion = "1.08"

    /// The event of a client's request (`AwsApiCall`).
    static func apiCall(_ request: Request) -> [UInt8] {
        var json = JSONWriter(capacity: 1024)
        json.raw("{\"eventVersion\":\"\(eventVersion)\",\"userIdentity\":")
        userIdentity(request, into: &json)
        json.raw(",\"eventTime\":\"\(AuditTime.format(request.time))\",\"eventSource\":\"kms.amazonaws.com\",\"eventName\":")
        json.string(request.operation)
        if let region = request.caller?.scope.region ?? request.claimedRegion {
            json.raw(",\"awsRegion\":")
            json.string(region)
        }
        json.raw(",\"sourceIPAddress\":")
        if let ip = request.sourceIP { json.string(ip) } else { json.raw("null") }
        json.raw(",\"userAgent\":")
        if let agent = request.userAgent { json.string(String(agent.prefix(1024))) } else { json.raw("null") }
        json.raw(",\"requestParameters\":")
        json.value(request.requestParameters ?? .null)
        json.raw(",\"responseElements\":")
        json.value(request.responseElements ?? .null)
        json.raw(",\"requestID\":")
        json.string(request.requestID)
        json.raw(",\"eventID\":")
        json.string(UsageRecorder.eventID(forRequest: request.requestID))
        json.raw(request.readOnly ? ",\"readOnly\":true" : ",\"readOnly\":false")
        resources(request.resources, into: &json)
        json.raw(",\"eventType\":\"AwsApiCall\",\"managementEvent\":true")
        if let recipient = request.resources.first?.accountID ?? request.caller?.scope.accountID {
            json.raw(",\"recipientAccountId\":")
            json.string(recipient)
        }
        json.raw(",\"eventCategory\":\"Management\"")
        if let error = request.error {
            json.raw(",\"errorCode\":")
            json.string(error.wireType)
            json.raw(",\"errorMessage\":")
            json.string(error.message)
        }
        return json.bytes
    }

    /// The event of something Coffer did by itself (`AwsServiceEvent`).
    static func serviceEvent(_ event: ServiceEvent, eventID: String) -> [UInt8] {
        var json = JSONWriter(capacity: 640)
        json.raw("{\"eventVersion\":\"\(eventVersion)\",\"userIdentity\":{\"accountId\":")
        json.string(event.scope.accountID)
        json.raw(",\"invokedBy\":\"kms.amazonaws.com\"},\"eventTime\":\"\(AuditTime.format(event.time))\"")
        json.raw(",\"eventSource\":\"kms.amazonaws.com\",\"eventName\":\"\(event.name.rawValue)\",\"awsRegion\":")
        json.string(event.scope.region)
        json.raw(",\"sourceIPAddress\":\"kms.amazonaws.com\",\"userAgent\":\"kms.amazonaws.com\",\"requestParameters\":null")
        json.raw(",\"responseElements\":null,\"eventID\":")
        json.string(eventID)
        json.raw(",\"readOnly\":false")
        resources([RequestTrail.KeyReference(arn: event.keyARN, accountID: event.scope.accountID)], into: &json)
        json.raw(",\"eventType\":\"AwsServiceEvent\",\"managementEvent\":true,\"recipientAccountId\":")
        json.string(event.scope.accountID)
        json.raw(",\"serviceEventDetails\":{\"keyId\":")
        json.string(event.keyID.rawValue)
        json.raw("},\"eventCategory\":\"Management\"")
        return json.bytes
    }

    private static func resources(_ keys: [RequestTrail.KeyReference], into json: inout JSONWriter) {
        guard !keys.isEmpty else { return }
        json.raw(",\"resources\":[")
        for (index, key) in keys.enumerated() {
            if index > 0 { json.raw(",") }
            json.raw("{\"accountId\":")
            json.string(key.accountID)
            json.raw(",\"type\":\"AWS::KMS::Key\",\"ARN\":")
            json.string(key.arn)
            json.raw("}")
        }
        json.raw("]")
    }

    private static func userIdentity(_ request: Request, into json: inout JSONWriter) {
        guard let caller = request.caller else {
            json.raw("{\"type\":\"Unknown\"")
            if let key = request.claimedAccessKeyID {
                json.raw(",\"accessKeyId\":")
                json.string(String(key.prefix(128)))
            }
            json.raw("}")
            return
        }
        let principal = caller.principalARN
        json.raw("{\"type\":")
        switch principal.kind {
        case .root:
            json.raw("\"Root\",\"principalId\":")
            json.string(principal.accountID)
        case .user(let path):
            json.raw("\"IAMUser\",\"principalId\":")
            json.string(uniqueID(prefix: "AIDA", principal.arn))
            json.raw(",\"userName\":")
            json.string(String(path.split(separator: "/").last ?? Substring(path)))
        case .role:
            json.raw("\"Role\",\"principalId\":")
            json.string(uniqueID(prefix: "AROA", principal.arn))
        case .assumedRole(let role, let session):
            json.raw("\"AssumedRole\",\"principalId\":")
            json.string(uniqueID(prefix: "AROA", "arn:\(principal.partition):iam::\(principal.accountID):role/\(role)") + ":" + session)
        }
        json.raw(",\"arn\":")
        json.string(principal.arn)
        json.raw(",\"accountId\":")
        json.string(principal.accountID)
        json.raw(",\"accessKeyId\":")
        json.string(caller.accessKeyID)
        json.raw("}")
    }

    /// A stable stand-in for IAM's unique IDs (AIDA…, AROA…), derived from the ARN: Coffer has no IAM to ask.
    static func uniqueID(prefix: String, _ arn: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        let digest = Array(SHA256.hash(data: Array(arn.utf8)))
        return prefix + String(digest.prefix(17).map { alphabet[Int($0) % 32] })
    }
}

/// `2026-12-04T17:44:37Z` without a DateFormatter (one per audit event).
public enum AuditTime {
    public static func format(_ date: Date) -> String {
        let seconds = date.wholeEpochSeconds ?? 0
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))Z"
    }

    /// Parses the same format (and fractional seconds or an offset, through Foundation), for `coffer audit query`.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
