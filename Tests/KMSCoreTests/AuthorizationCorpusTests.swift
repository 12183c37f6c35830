import Foundation
import KMSTesting
import Testing

@testable import KMSCore

/// The table-driven authorization corpus (`Vectors/authorization-cases.json`): principal, action, key policy, identity
/// policies, grants and request context → decision and AWS's exact message, run against the pure `PolicyEvaluator`.
@Suite struct AuthorizationCorpusTests {
    struct Corpus: Decodable { var cases: [Case] }

    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        struct Principal: Decodable, Sendable {
            var arn: String
            var tags: [String: String]?
        }
        struct Key: Decodable, Sendable {
            var arn: String
            var policy: JSONValue
            var keySpec: String?
            var keyUsage: String?
            var origin: String?
            var multiRegion: Bool?
            var tags: [String: String]?
            var aliases: [String]?
        }
        struct Grant: Decodable, Sendable {
            var granteePrincipal: String
            var operations: [String]
            var constraints: GrantConstraints?
        }
        struct Request: Decodable, Sendable {
            var encryptionContext: [String: String]?
            var conditionValues: [String: JSONValue]?
            var requestAlias: String?
            var sourceIp: String?
            var secureTransport: Bool?
            var currentTime: String?
        }
        struct Expect: Decodable, Sendable {
            var decision: String
            var message: String?
        }
        var name: String
        var principal: Principal
        var identityPolicies: [JSONValue]?
        var action: String
        var resource: String
        var key: Key?
        var grants: [Grant]?
        var request: Request?
        var expect: Expect

        var testDescription: String { name }
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors/authorization-cases.json")
        guard let data = try? Data(contentsOf: url), let corpus = try? JSONDecoder().decode(Corpus.self, from: data) else { return [] }
        return corpus.cases
    }()

    @Test func corpusHasAtLeast200Cases() {
        #expect(Self.cases.count >= 200)
        #expect(Set(Self.cases.map(\.name)).count == Self.cases.count)
    }

    @Test(arguments: cases)
    func caseDecidesAsExpected(_ testCase: Case) throws {
        let principal = try #require(PrincipalARN(testCase.principal.arn))
        var keyPolicy: PolicyDocument?
        var keyFacts: KeyFacts?
        var resource = testCase.resource
        var resourceAccount: String?
        if let key = testCase.key {
            let account = String(key.arn.split(separator: ":")[4])
            let policyValue: JSONValue
            if case .string("default") = key.policy {
                policyValue = try JSONParser.parse(Array(PolicyRules.defaultPolicy(for: Scope(accountID: account, region: "us-east-1")).utf8))
            } else {
                policyValue = key.policy
            }
            keyFacts = KeyFacts(
                arn: key.arn, accountID: account, keySpec: key.keySpec ?? "SYMMETRIC_DEFAULT", keyUsage: key.keyUsage ?? "ENCRYPT_DECRYPT",
                origin: key.origin ?? "AWS_KMS", multiRegion: key.multiRegion ?? false,
                tags: (key.tags ?? [:]).sorted { $0.key < $1.key }.map { Tag(key: $0.key, value: $0.value) }, aliases: key.aliases ?? []
            )
            if testCase.resource == "key" {
                resource = key.arn
                resourceAccount = account
                keyPolicy = try PolicyDocument(policyValue, kind: .key)
            }
        }
        let identityPolicies = try (testCase.identityPolicies ?? []).map { try PolicyDocument($0, kind: .identity) }
        let request = testCase.request
        var values: [String: ConditionValue] = [:]
        for (name, raw) in request?.conditionValues ?? [:] {
            switch raw {
            case .array(let items): values[name.lowercased()] = .multi(items.compactMap(\.conditionText))
            default: values[name.lowercased()] = raw.conditionText.map { .single($0) }
            }
        }
        let now = try #require(ConditionDates.parse(request?.currentTime ?? "2026-12-04T12:00:00Z"))
        let context = AuthorizationContext(
            principal: principal, principalTags: testCase.principal.tags ?? [:], sourceIP: request?.sourceIp ?? "127.0.0.1",
            secureTransport: request?.secureTransport ?? false, currentTime: Date(timeIntervalSince1970: now), region: "us-east-1",
            encryptionContext: request?.encryptionContext, requestAlias: request?.requestAlias, values: values, key: keyFacts
        )
        let grants = (testCase.grants ?? []).enumerated().map { index, grant in
            GrantRecord(
                grantID: String(format: "%064x", index), keyID: KeyID("1234abcd-12ab-34cd-56ef-1234567890ab")!, scope: Scope(accountID: "111122223333", region: "us-east-1"),
                name: nil, creationDate: Date(timeIntervalSince1970: 0), granteePrincipal: grant.granteePrincipal, retiringPrincipal: nil,
                issuingAccountID: "111122223333", operations: grant.operations, constraints: grant.constraints
            )
        }
        let evaluator = PolicyEvaluator(
            action: testCase.action, resource: resource, resourceAccount: resourceAccount, keyPolicy: keyPolicy,
            identityPolicies: identityPolicies, context: context
        )
        let decision = evaluator.evaluate(grants: grants)
        let explained = evaluator.evaluate(grants: grants, explain: true)
        #expect(decision.effect == explained.effect, "explaining must not change the decision")
        #expect(decision.effect.rawValue == testCase.expect.decision, "\(explained.explanation)")
        if let message = testCase.expect.message {
            #expect(decision.message(principal: principal, action: testCase.action, resource: resource) == message)
        }
    }
}
