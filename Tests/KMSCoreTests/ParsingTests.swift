import KMSTesting
import Testing

@testable import KMSCore

@Suite struct KeyIDParsingTests {
    @Test(arguments: [
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "00000000-0000-0000-0000-000000000000",
        "ffffffff-ffff-4fff-bfff-ffffffffffff",
        "mrk-1234abcd12ab34cd56ef1234567890ab",
        "mrk-00000000000000000000000000000000",
    ])
    func acceptsWellFormedKeyIDs(_ text: String) {
        let id = KeyID(text)
        #expect(id?.rawValue == text)
        #expect(id?.isMultiRegion == text.hasPrefix("mrk-"))
    }

    @Test(arguments: [
        "",
        "1234ABCD-12AB-34CD-56EF-1234567890AB",  // upper case
        "1234abcd-12ab-34cd-56ef-1234567890a",  // short
        "1234abcd-12ab-34cd-56ef-1234567890abc",  // long
        "1234abcd12ab34cd56ef1234567890ab",  // no dashes
        "1234abcd-12ab-34cd-56ef_1234567890ab",  // wrong separator
        "1234abcd-12ab-34cd-56ef-1234567890ag",  // not hex
        "mrk-1234ABCD12AB34CD56EF1234567890AB",  // upper-case mrk
        "mrk-1234abcd12ab34cd56ef1234567890a",  // short mrk
        "mrk-1234abcd-12ab-34cd-56ef-1234567890ab",  // dashed mrk
        "MRK-1234abcd12ab34cd56ef1234567890ab",
        "alias/my-key",
        "not a key id at all",
        "1234abcd-12ab-34cd-56ef-1234567890a\u{e9}",
    ])
    func rejectsMalformedKeyIDs(_ text: String) {
        #expect(KeyID(text) == nil)
    }

    @Test(arguments: [false, true])
    func randomKeyIDsAreWellFormed(multiRegion: Bool) {
        let random = SeededRandom(seed: 99)
        for _ in 0..<50 {
            let id = KeyID(randomBytes: random.bytes(16), multiRegion: multiRegion)
            #expect(KeyID(id.rawValue) == id)
            #expect(id.isMultiRegion == multiRegion)
            if !multiRegion {
                let characters = Array(id.rawValue)
                #expect(characters[14] == "4", "version-4 UUID")
                #expect("89ab".contains(characters[19]), "RFC 4122 variant")
            }
        }
    }
}

@Suite struct KeyIdentifierParsingTests {
    static let id = "1234abcd-12ab-34cd-56ef-1234567890ab"

    @Test func parsesAKeyID() throws {
        #expect(try KeyIdentifier(parsing: Self.id) == .keyID(KeyID(Self.id)!))
    }

    @Test func parsesAKeyARN() throws {
        let parsed = try KeyIdentifier(parsing: "arn:aws:kms:us-east-2:111122223333:key/\(Self.id)")
        let expected = KeyARN(scope: Scope(accountID: "111122223333", region: "us-east-2"), keyID: KeyID(Self.id)!)
        #expect(parsed == .keyARN(expected))
        #expect(expected.rawValue == "arn:aws:kms:us-east-2:111122223333:key/\(Self.id)")
        #expect(!parsed.isAlias)
    }

    @Test func parsesAnAliasName() throws {
        let parsed = try KeyIdentifier(parsing: "alias/ExampleAlias")
        #expect(parsed == .aliasName(AliasName("alias/ExampleAlias")!))
        #expect(parsed.isAlias)
    }

    @Test func parsesAnAliasARN() throws {
        let parsed = try KeyIdentifier(parsing: "arn:aws-cn:kms:cn-north-1:111122223333:alias/ExampleAlias")
        let scope = Scope(partition: "aws-cn", accountID: "111122223333", region: "cn-north-1")
        #expect(parsed == .aliasARN(scope: scope, name: AliasName("alias/ExampleAlias")!))
        #expect(parsed.isAlias)
    }

    @Test(arguments: [
        "", "abc", "1234ABCD-12AB-34CD-56EF-1234567890AB", "key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "alias/has space", "alias/", "mrk-short", " 1234abcd-12ab-34cd-56ef-1234567890ab",
    ])
    func malformedIdentifiersAreNotFoundWithAWSWording(_ text: String) {
        #expect(throws: KMSError.notFound("Invalid keyId '\(text)'")) {
            try KeyIdentifier(parsing: text)
        }
    }

    @Test(arguments: [
        "arn:aws:kms:us-east-1:111122223333",
        "arn:aws:kms:us-east-1:111122223333:key/not-a-uuid",
        "arn:aws:s3:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:us-east-1:11112222333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ])
    func malformedARNsAreNotFound(_ text: String) {
        #expect(throws: KMSError.self) { try KeyIdentifier(parsing: text) }
        do {
            _ = try KeyIdentifier(parsing: text)
        } catch {
            #expect(error.code == .notFound)
            #expect(error.message.contains(text))
        }
    }
}

@Suite struct ParsedARNTests {
    @Test(arguments: ["aws", "aws-cn", "aws-us-gov"])
    func acceptsEveryKnownPartition(_ partition: String) throws {
        let arn = try #require(ParsedARN("arn:\(partition):kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"))
        #expect(arn.scope == Scope(partition: partition, accountID: "123456789012", region: "eu-west-1"))
        #expect(arn.resource == .key(KeyID("mrk-1234abcd12ab34cd56ef1234567890ab")!))
    }

    @Test func parsesAliasResourcesWithSlashes() throws {
        let arn = try #require(ParsedARN("arn:aws:kms:us-east-1:123456789012:alias/team/app"))
        #expect(arn.resource == .alias(AliasName("alias/team/app")!))
    }

    @Test(arguments: [
        "arn:aws-eu:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",  // unknown partition
        "arn::kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",  // empty partition
        "arn:aws:kms::123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",  // empty region
        "arn:aws:kms:us-east-1:12345678901:key/1234abcd-12ab-34cd-56ef-1234567890ab",  // 11-digit account
        "arn:aws:kms:us-east-1:1234567890123:key/1234abcd-12ab-34cd-56ef-1234567890ab",  // 13-digit account
        "arn:aws:kms:us-east-1:12345678901a:key/1234abcd-12ab-34cd-56ef-1234567890ab",  // non-digit account
        "arn:aws:kms:us-east-1:123456789012:key/1234ABCD-12AB-34CD-56EF-1234567890AB",  // upper-case key id
        "arn:aws:kms:us-east-1:123456789012:grant/1234abcd-12ab-34cd-56ef-1234567890ab",  // wrong resource type
        "arn:aws:kms:us-east-1:123456789012:alias/bad name",  // bad alias characters
        "arn:aws:kms:us-east-1:123456789012",  // too few parts
        "arn:aws:iam:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",  // not kms
        "urn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ])
    func rejectsMalformedARNs(_ text: String) {
        #expect(ParsedARN(text) == nil)
    }
}

@Suite struct AliasNameTests {
    @Test(arguments: ["alias/a", "alias/ExampleAlias", "alias/team/app_1:2-3", "alias/" + String(repeating: "x", count: 250)])
    func acceptsWellFormedNames(_ text: String) throws {
        let name = try AliasName(validating: text)
        #expect(name.rawValue == text)
        #expect(!name.isReserved)
    }

    @Test(arguments: ["ExampleAlias", "Alias/ExampleAlias", "aliases/x", "/alias/x", ""])
    func missingPrefixIsAValidationException(_ text: String) {
        #expect(throws: KMSError.self) { try AliasName(validating: text) }
        do {
            _ = try AliasName(validating: text)
        } catch {
            #expect(error.code == .validation)
            #expect(error.message.hasPrefix("Alias must start with the prefix \"alias/\"."))
        }
    }

    @Test(arguments: ["alias/has space", "alias/é", "alias/semi;colon", "alias/star*", "alias/dot.name"])
    func badCharactersAreAValidationException(_ text: String) {
        #expect(
            throws: KMSError.validation(
                "1 validation error detected: Value '\(text)' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$"
            )
        ) { try AliasName(validating: text) }
    }

    @Test(arguments: ["alias/", "alias/" + String(repeating: "x", count: 251)])
    func badLengthIsAnInvalidAliasName(_ text: String) {
        #expect(throws: KMSError.self) { try AliasName(validating: text) }
        do {
            _ = try AliasName(validating: text)
        } catch {
            #expect(error.code == .invalidAliasName)
        }
    }

    @Test(arguments: [("alias/aws/s3", true), ("alias/aws", true), ("alias/awsome", false), ("alias/AWS/s3", false), ("alias/my/aws/x", false)])
    func recognisesReservedAWSNames(_ text: String, reserved: Bool) throws {
        #expect(try AliasName(validating: text).isReserved == reserved)
    }

    @Test func failableInitialiserMatchesValidatingOne() {
        #expect(AliasName("alias/ok")?.rawValue == "alias/ok")
        #expect(AliasName("ok") == nil)
        #expect(AliasName("alias/") == nil)
    }
}
