import Foundation
import KMSTesting
import Testing

@testable import KMSCore

/// Authorization at the service level: the seam every operation goes through, grants, DryRun and the modes.
@Suite struct AuthorizationServiceTests {
    static let alice = PrincipalARN("arn:aws:iam::111122223333:user/alice")!
    static let bob = PrincipalARN("arn:aws:iam::111122223333:user/bob")!
    static let dave = PrincipalARN("arn:aws:iam::444455556666:user/dave")!

    static func identityPolicy(_ json: String) -> PolicyDocument {
        try! PolicyDocument(parsing: json, kind: .identity)
    }

    static func caller(_ principal: PrincipalARN, policies: [String] = []) -> Caller {
        Caller(
            scope: Scope(accountID: principal.accountID, region: "us-east-1"), principal: principal, accessKeyID: "AKID\(principal.arn.hashValue)",
            identityPolicies: policies.map(identityPolicy)
        )
    }

    static let allowEncryptDecrypt = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}"#

    func encrypt(_ h: ServiceHarness, _ keyID: String, as caller: Caller, context: String = "{}", tokens: [String] = [], dryRun: Bool = false) async throws -> EncryptResponse {
        let tokenList = tokens.map { "\"\($0)\"" }.joined(separator: ",")
        return try await h.service.encrypt(
            try request(#"{"KeyId": "\#(keyID)", "Plaintext": "aGk=", "EncryptionContext": \#(context), "GrantTokens": [\#(tokenList)], "DryRun": \#(dryRun)}"#),
            caller: caller
        )
    }

    @Test func delegationNeedsAnIdentityPolicy() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let error = await kmsError { _ = try await encrypt(h, key.keyID, as: Self.caller(Self.alice)) }
        #expect(error?.code == .accessDenied)
        #expect(
            error?.message
                == "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:Encrypt on resource: \(key.arn) because no identity-based policy allows the kms:Encrypt action"
        )
        _ = try await encrypt(h, key.keyID, as: Self.caller(Self.alice, policies: [Self.allowEncryptDecrypt]))
    }

    @Test func aKeyPolicyNamingTheUserAllowsDirectly() async throws {
        let h = ServiceHarness()
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*"}]}"#
        let key = try await h.createKey(#"{"Policy": \#(jsonEscaped(policy))}"#)
        _ = try await encrypt(h, key.keyID, as: Self.caller(Self.alice))
        let error = await kmsError { _ = try await encrypt(h, key.keyID, as: Self.caller(Self.bob)) }
        #expect(error?.message.hasSuffix("because no identity-based policy allows the kms:Encrypt action") == true)
    }

    @Test func decryptDenialUsesTheGenericMessage() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let blob = try await encrypt(h, key.keyID, as: Fixtures.caller).ciphertextBlob
        await expectKMSError(.accessDenied, message: KMSService.ciphertextAccessDenied) {
            _ = try await h.service.decrypt(try request(#"{"CiphertextBlob": "\#(blob.base64EncodedString())"}"#), caller: Self.caller(Self.alice))
        }
    }

    @Test func dryRunIsAuthorizedFirst() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        await expectKMSError(.accessDenied) { _ = try await encrypt(h, key.keyID, as: Self.caller(Self.alice), dryRun: true) }
        await expectKMSError(.dryRunOperation) { _ = try await encrypt(h, key.keyID, as: Fixtures.caller, dryRun: true) }
    }

    @Test func auditModeLogsAndAllowsOffModeSkips() async throws {
        for mode in [AuthorizationMode.audit, .off] {
            let h = ServiceHarness(authorization: mode)
            let key = try await h.createKey()
            _ = try await encrypt(h, key.keyID, as: Self.caller(Self.alice))
        }
    }

    @Test func crossAccountNeedsBothSides() async throws {
        let h = ServiceHarness()
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":["kms:Encrypt","kms:DescribeKey"],"Resource":"*"}]}"#
        let key = try await h.createKey(#"{"Policy": \#(jsonEscaped(policy))}"#)
        let bare = Self.caller(Self.dave)
        let error = await kmsError { _ = try await encrypt(h, key.arn, as: bare) }
        #expect(error?.message.hasSuffix("because no identity-based policy allows the kms:Encrypt action") == true)
        let allowed = Self.caller(Self.dave, policies: [#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"\#(key.arn)"}]}"#])
        #expect(try await encrypt(h, key.arn, as: allowed).keyID == key.arn)
        // A key ID alone resolves in the caller's own account.
        await expectKMSError(.notFound) { _ = try await encrypt(h, key.keyID, as: allowed) }
        // Not a cross-account operation: denied whatever the policies say.
        let disable = await kmsError { _ = try await h.service.disableKey(try request(#"{"KeyId": "\#(key.arn)"}"#), caller: allowed) }
        #expect(disable?.message.hasSuffix("because no resource-based policy allows the kms:DisableKey action") == true)
    }

    @Test func grantsAllowWithinTheirConstraintsAndEndWhenRetired() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let created = try await h.service.createGrant(
            try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.alice.arn)", "RetiringPrincipal": "\#(Self.bob.arn)", "Operations": ["Encrypt"], "Constraints": {"EncryptionContextSubset": {"Dept": "IT"}}}"#),
            caller: Fixtures.caller
        )
        #expect(created.grantID.count == 64)
        let alice = Self.caller(Self.alice)
        _ = try await encrypt(h, key.keyID, as: alice, context: #"{"dept": "IT", "x": "y"}"#, tokens: [created.grantToken])
        await expectKMSError(.accessDenied) { _ = try await encrypt(h, key.keyID, as: alice, context: #"{"Dept": "it"}"#) }
        await expectKMSError(.accessDenied) { _ = try await encrypt(h, key.keyID, as: alice) }
        await expectKMSError(.invalidGrantToken) { _ = try await encrypt(h, key.keyID, as: alice, tokens: ["bm90LWEtdG9rZW4="]) }

        // The grantee may not retire a grant without RetireGrant; the retiring principal may.
        await expectKMSError(.accessDenied) {
            _ = try await h.service.retireGrant(try request(#"{"GrantToken": "\#(created.grantToken)"}"#), caller: alice)
        }
        _ = try await h.service.retireGrant(try request(#"{"GrantToken": "\#(created.grantToken)"}"#), caller: Self.caller(Self.bob))
        await expectKMSError(.accessDenied) { _ = try await encrypt(h, key.keyID, as: alice, context: #"{"Dept": "IT"}"#) }
        let listed = try await h.service.listGrants(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller)
        #expect(listed.grants.isEmpty)
    }

    @Test func grantsNeverOverrideAnExplicitDeny() async throws {
        let h = ServiceHarness()
        let policy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"kms:Encrypt","Resource":"*"}]}"#
        let key = try await h.createKey(#"{"Policy": \#(jsonEscaped(policy))}"#)
        _ = try await h.service.createGrant(
            try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.alice.arn)", "Operations": ["Encrypt"]}"#), caller: Fixtures.caller
        )
        let error = await kmsError { _ = try await encrypt(h, key.keyID, as: Self.caller(Self.alice)) }
        #expect(error?.message.hasSuffix("with an explicit deny in a resource-based policy") == true)
    }

    @Test func childGrantsMayOnlyNarrowTheirParent() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        _ = try await h.service.createGrant(
            try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.alice.arn)", "Operations": ["Decrypt", "CreateGrant"], "Constraints": {"EncryptionContextSubset": {"Dept": "IT"}}}"#),
            caller: Fixtures.caller
        )
        let alice = Self.caller(Self.alice)
        _ = try await h.service.createGrant(
            try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.bob.arn)", "Operations": ["Decrypt"], "Constraints": {"EncryptionContextEquals": {"Dept": "IT"}}}"#),
            caller: alice
        )
        await expectKMSError(.accessDenied) {
            _ = try await h.service.createGrant(
                try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.bob.arn)", "Operations": ["Encrypt"], "Constraints": {"EncryptionContextEquals": {"Dept": "IT"}}}"#),
                caller: alice
            )
        }
        await expectKMSError(.accessDenied) {
            _ = try await h.service.createGrant(
                try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.bob.arn)", "Operations": ["Decrypt"]}"#), caller: alice
            )
        }
    }

    @Test func createGrantValidatesAndIsIdempotentByName() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let body = #"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.alice.arn)", "Operations": ["Encrypt"], "Name": "app"}"#
        let first = try await h.service.createGrant(try request(body), caller: Fixtures.caller)
        let second = try await h.service.createGrant(try request(body), caller: Fixtures.caller)
        #expect(first.grantID == second.grantID)
        #expect(first.grantToken != second.grantToken)
        await expectKMSError(.invalidArn) {
            _ = try await h.service.createGrant(
                try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "alice", "Operations": ["Encrypt"]}"#), caller: Fixtures.caller
            )
        }
        await expectKMSError(.validation, message: "More than one constraint supplied") {
            _ = try await h.service.createGrant(
                try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.alice.arn)", "Operations": ["Encrypt"], "Constraints": {"EncryptionContextSubset": {"a": "b"}, "EncryptionContextEquals": {"a": "b"}}}"#),
                caller: Fixtures.caller
            )
        }
        await expectKMSError(.validation) {
            _ = try await h.service.createGrant(
                try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.alice.arn)", "Operations": ["Sign"]}"#), caller: Fixtures.caller
            )
        }
        await expectKMSError(.dryRunOperation) {
            _ = try await h.service.createGrant(
                try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.alice.arn)", "Operations": ["Encrypt"], "DryRun": true}"#),
                caller: Fixtures.caller
            )
        }
        #expect(try await h.service.listGrants(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller).grants.count == 1)
    }

    @Test func revokeAndListPagination() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        var ids: [String] = []
        for index in 0..<5 {
            h.clock.advance(by: 1)
            ids.append(
                try await h.service.createGrant(
                    try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "arn:aws:iam::111122223333:user/u\#(index)", "Operations": ["Encrypt"]}"#),
                    caller: Fixtures.caller
                ).grantID
            )
        }
        let page = try await h.service.listGrants(try request(#"{"KeyId": "\#(key.keyID)", "Limit": 2}"#), caller: Fixtures.caller)
        #expect(page.grants.map(\.grantID) == Array(ids.prefix(2)))
        #expect(page.truncated)
        let next = try await h.service.listGrants(
            try request(#"{"KeyId": "\#(key.keyID)", "Limit": 2, "Marker": "\#(page.nextMarker!)"}"#), caller: Fixtures.caller
        )
        #expect(next.grants.map(\.grantID) == Array(ids[2..<4]))
        _ = try await h.service.revokeGrant(try request(#"{"KeyId": "\#(key.keyID)", "GrantId": "\#(ids[0])"}"#), caller: Fixtures.caller)
        await expectKMSError(.notFound) {
            _ = try await h.service.revokeGrant(try request(#"{"KeyId": "\#(key.keyID)", "GrantId": "\#(ids[0])"}"#), caller: Fixtures.caller)
        }
        await expectKMSError(.invalidGrantID) {
            _ = try await h.service.revokeGrant(try request(#"{"KeyId": "\#(key.keyID)", "GrantId": "nope"}"#), caller: Fixtures.caller)
        }
        let filtered = try await h.service.listGrants(
            try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "arn:aws:iam::111122223333:user/u3"}"#), caller: Fixtures.caller
        )
        #expect(filtered.grants.map(\.grantID) == [ids[3]])
    }

    @Test func iamOnlyActionsNeedAnIdentityPolicy() async throws {
        let h = ServiceHarness()
        await expectKMSError(
            .accessDenied,
            message: "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action"
        ) {
            _ = try await h.createKey(caller: Self.caller(Self.alice))
        }
        let keySpecOnly = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:CreateKey","Resource":"*","Condition":{"StringEquals":{"kms:KeySpec":"SYMMETRIC_DEFAULT"}}}]}"#
        let alice = Self.caller(Self.alice, policies: [keySpecOnly])
        _ = try await h.createKey(caller: alice)
        await expectKMSError(.accessDenied) { _ = try await h.createKey(#"{"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}"#, caller: alice) }
        await expectKMSError(
            .accessDenied,
            message: "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: kms:TagResource because no identity-based policy allows the kms:TagResource action"
        ) {
            _ = try await h.createKey(#"{"Tags": [{"TagKey": "a", "TagValue": "b"}]}"#, caller: alice)
        }
    }

    @Test func policyValidationUsesAWSMessages() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        let cases: [(String, String)] = [
            (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"kms:*","Resource":"*"}]}"#,
             "Policy contains a statement with one or more invalid principals."),
            (#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"StringSorta":{"kms:CallerAccount":"1"}}}]}"#,
             "Policy contains an invalid condition operator: StringSorta."),
        ]
        for (policy, message) in cases {
            await expectKMSError(.malformedPolicyDocument, message: message) {
                _ = try await h.service.putKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)", "Policy": \#(jsonEscaped(policy))}"#), caller: Fixtures.caller)
            }
        }
        let overly = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*","Condition":{"ForAllValues:StringEquals":{"kms:EncryptionContext:Dept":"IT"}}}]}"#
        let error = await kmsError {
            _ = try await h.service.putKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)", "Policy": \#(jsonEscaped(overly))}"#), caller: Fixtures.caller)
        }
        #expect(error?.message.hasPrefix("OverlyPermissiveCondition:EncryptionContext") == true)
        let nested = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        await expectKMSError(.malformedPolicyDocument) {
            _ = try await h.service.putKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)", "Policy": \#(jsonEscaped(nested))}"#), caller: Fixtures.caller)
        }
        #expect(try await h.service.getKeyPolicy(try request(#"{"KeyId": "\#(key.keyID)"}"#), caller: Fixtures.caller).policy == PolicyRules.defaultPolicy(for: Fixtures.scope))
    }

    @Test func grantsAreDeletedWithTheirKey() async throws {
        let h = ServiceHarness()
        let key = try await h.createKey()
        _ = try await h.service.createGrant(
            try request(#"{"KeyId": "\#(key.keyID)", "GranteePrincipal": "\#(Self.alice.arn)", "Operations": ["Encrypt"]}"#), caller: Fixtures.caller
        )
        _ = try await h.service.scheduleKeyDeletion(try request(#"{"KeyId": "\#(key.keyID)", "PendingWindowInDays": 7}"#), caller: Fixtures.caller)
        h.clock.advance(by: 8 * 86_400)
        #expect(try await h.service.purgeDueKeys() == 1)
        #expect(await h.store.grants(forKey: KeyID(key.keyID)!, in: Fixtures.scope).isEmpty)
    }
}
