import KMSTesting
import Testing

@testable import KMSCore

/// Spec §8 outcomes, by footnote.
enum StateOutcome: Sendable, CustomStringConvertible {
    case allowed
    case d1  // DisabledException: <arn> is disabled.
    case s3  // KMSInvalidStateException: <arn> is pending deletion.
    case s4  // KMSInvalidStateException: <arn> is not pending deletion.
    case s5  // KMSInvalidStateException: <arn> is pending import.
    case invalidState  // KMSInvalidStateException, wording unspecified
    case u6  // UnsupportedOperationException: <arn> origin is EXTERNAL which is not valid for this operation.

    func expectedError(arn: String) -> KMSError? {
        switch self {
        case .allowed, .invalidState: return nil
        case .d1: return KMSError(.disabled, "\(arn) is disabled.")
        case .s3: return KMSError(.kmsInvalidState, "\(arn) is pending deletion.")
        case .s4: return KMSError(.kmsInvalidState, "\(arn) is not pending deletion.")
        case .u6: return KMSError(.unsupportedOperation, "\(arn) origin is EXTERNAL which is not valid for this operation.")
        case .s5:
            return KMSError(
                .kmsInvalidState,
                "\(arn) is pending import."
            )
        }
    }

    var description: String {
        switch self {
        case .allowed: "✓"
        case .d1: "D1"
        case .s3: "S3"
        case .s4: "S4"
        case .s5: "S5"
        case .invalidState: "KMSInvalidState"
        case .u6: "U6"
        }
    }
}

struct StateRow: Sendable, CustomTestStringConvertible {
    var operation: OperationName
    /// Outcomes for Enabled, Disabled, PendingDeletion, PendingImport.
    var outcomes: [StateOutcome]

    init(_ operation: OperationName, _ enabled: StateOutcome, _ disabled: StateOutcome, _ pendingDeletion: StateOutcome, _ pendingImport: StateOutcome) {
        self.operation = operation
        self.outcomes = [enabled, disabled, pendingDeletion, pendingImport]
    }

    var testDescription: String { "\(operation.rawValue) \(outcomes)" }

    static let states: [KeyState] = [.enabled, .disabled, .pendingDeletion, .pendingImport]

    func check() {
        for (state, outcome) in zip(Self.states, outcomes) {
            let key = makeRecord(state: state)
            let result = Result<Void, KMSError> { () throws(KMSError) in try KeyStateRules.check(operation, key) }
            switch (outcome, result) {
            case (.allowed, .success):
                break
            case (.invalidState, .failure(let error)):
                #expect(error.code == .kmsInvalidState, "\(operation.rawValue) in \(state.rawValue)")
            case (_, .failure(let error)):
                #expect(error == outcome.expectedError(arn: key.arn), "\(operation.rawValue) in \(state.rawValue)")
            case (_, .success):
                Issue.record("\(operation.rawValue) in \(state.rawValue) succeeded; spec §8 says \(outcome)")
            }
        }
    }
}

@Suite struct KeyStateRulesTests {
    /// Spec §8, the columns Coffer's keys can be in (En, Dis, PD, PI). Rows whose outcome depends on key type
    /// (U6/U7/U9) only list the state part.
    static let table: [StateRow] = [
        StateRow(.cancelKeyDeletion, .s4, .s4, .allowed, .s4),
        StateRow(.createAlias, .allowed, .allowed, .s3, .allowed),
        StateRow(.createGrant, .allowed, .d1, .s3, .s5),
        StateRow(.decrypt, .allowed, .d1, .s3, .s5),
        StateRow(.deleteAlias, .allowed, .allowed, .allowed, .allowed),
        StateRow(.deriveSharedSecret, .allowed, .d1, .s3, .s5),
        StateRow(.describeKey, .allowed, .allowed, .allowed, .allowed),
        StateRow(.disableKey, .allowed, .allowed, .s3, .s5),
        StateRow(.enableKey, .allowed, .allowed, .s3, .s5),
        StateRow(.encrypt, .allowed, .d1, .s3, .s5),
        StateRow(.generateDataKey, .allowed, .d1, .s3, .s5),
        StateRow(.generateDataKeyPair, .allowed, .d1, .s3, .s5),
        StateRow(.generateDataKeyPairWithoutPlaintext, .allowed, .d1, .s3, .s5),
        StateRow(.generateDataKeyWithoutPlaintext, .allowed, .d1, .s3, .s5),
        StateRow(.generateMac, .allowed, .d1, .s3, .s5),
        StateRow(.getKeyPolicy, .allowed, .allowed, .allowed, .allowed),
        StateRow(.getKeyLastUsage, .allowed, .allowed, .allowed, .allowed),
        StateRow(.listAliases, .allowed, .allowed, .allowed, .allowed),
        StateRow(.listGrants, .allowed, .allowed, .allowed, .allowed),
        StateRow(.listKeyPolicies, .allowed, .allowed, .allowed, .allowed),
        StateRow(.listKeyRotations, .allowed, .allowed, .allowed, .allowed),
        StateRow(.listResourceTags, .allowed, .allowed, .allowed, .allowed),
        StateRow(.putKeyPolicy, .allowed, .allowed, .allowed, .allowed),
        StateRow(.reEncrypt, .allowed, .d1, .s3, .s5),
        StateRow(.replicateKey, .allowed, .d1, .s3, .s5),
        StateRow(.retireGrant, .allowed, .allowed, .allowed, .allowed),
        StateRow(.revokeGrant, .allowed, .allowed, .allowed, .allowed),
        StateRow(.rotateKeyOnDemand, .allowed, .d1, .s3, .s5),
        StateRow(.scheduleKeyDeletion, .allowed, .allowed, .s3, .allowed),
        StateRow(.sign, .allowed, .d1, .s3, .s5),
        StateRow(.tagResource, .allowed, .allowed, .s3, .allowed),
        StateRow(.untagResource, .allowed, .allowed, .s3, .allowed),
        StateRow(.updateAlias, .allowed, .allowed, .s3, .allowed),
        StateRow(.updateKeyDescription, .allowed, .allowed, .s3, .allowed),
        StateRow(.updatePrimaryRegion, .allowed, .d1, .s3, .s5),
        StateRow(.verify, .allowed, .d1, .s3, .s5),
        StateRow(.verifyMac, .allowed, .d1, .s3, .s5),
    ]

    @Test(arguments: table)
    func operationFollowsTheKeyStateTable(_ row: StateRow) {
        row.check()
    }

    /// Spec §8 rows for the import workflow and read-only key operations. These operations are not routed yet,
    /// but `KeyStateRules` is the single table they will use, and it currently treats them as cryptographic.
    static let importAndReadRows: [StateRow] = [
        StateRow(.importKeyMaterial, .allowed, .allowed, .invalidState, .allowed),
        StateRow(.getParametersForImport, .allowed, .allowed, .invalidState, .allowed),
        StateRow(.deleteImportedKeyMaterial, .allowed, .allowed, .allowed, .allowed),
        StateRow(.getPublicKey, .allowed, .allowed, .s3, .s5),  // PI: spec §8 note recommends S5 before any import
        StateRow(.getKeyRotationStatus, .allowed, .allowed, .allowed, .u6),
        StateRow(.enableKeyRotation, .allowed, .d1, .s3, .u6),
        StateRow(.disableKeyRotation, .allowed, .d1, .s3, .u6),
    ]

    @Test(arguments: importAndReadRows)
    func importAndReadOnlyOperationsFollowTheKeyStateTable(_ row: StateRow) {
        row.check()
    }

    @Test func everyOperationHasAStatePolicy() {
        // Total over the enum: adding an operation must not crash the rules.
        for operation in OperationName.allCases {
            _ = Result<Void, KMSError> { () throws(KMSError) in try KeyStateRules.check(operation, makeRecord(state: .enabled)) }
        }
        #expect(OperationName.allCases.count == 54)
    }
}

@Suite struct KeySpecRulesTests {
    static let usages: [(KeySpec, [KeyUsage])] = [
        (.symmetricDefault, [.encryptDecrypt]),
        (.hmac224, [.generateVerifyMac]), (.hmac256, [.generateVerifyMac]), (.hmac384, [.generateVerifyMac]), (.hmac512, [.generateVerifyMac]),
        (.rsa2048, [.encryptDecrypt, .signVerify]), (.rsa3072, [.encryptDecrypt, .signVerify]), (.rsa4096, [.encryptDecrypt, .signVerify]),
        (.eccNistP256, [.signVerify, .keyAgreement]), (.eccNistP384, [.signVerify, .keyAgreement]), (.eccNistP521, [.signVerify, .keyAgreement]),
        (.eccSecgP256k1, [.signVerify]),
        (.eccNistEdwards25519, [.signVerify]),
        (.mlDSA44, [.signVerify]), (.mlDSA65, [.signVerify]), (.mlDSA87, [.signVerify]),
        (.sm2, [.encryptDecrypt, .signVerify, .keyAgreement]),
    ]

    @Test func tableCoversEveryKeySpec() {
        #expect(Set(Self.usages.map(\.0)) == Set(KeySpec.allCases))
    }

    @Test(arguments: usages)
    func allowedUsagesMatchTheSpec(_ spec: KeySpec, _ expected: [KeyUsage]) {
        #expect(Set(KeySpecRules.allowedUsages(spec)) == Set(expected))
    }

    struct AlgorithmRow: Sendable {
        var spec: KeySpec
        var usage: KeyUsage
        var encryption: [EncryptionAlgorithm]?
        var signing: [SigningAlgorithm]?
        var mac: [MacAlgorithm]?
        var agreement: [KeyAgreementAlgorithm]?
    }

    static let rsaSigning: [SigningAlgorithm] = [
        .rsassaPKCS1SHA256, .rsassaPKCS1SHA384, .rsassaPKCS1SHA512, .rsassaPSSSHA256, .rsassaPSSSHA384, .rsassaPSSSHA512,
    ]

    static let algorithms: [AlgorithmRow] = [
        AlgorithmRow(spec: .symmetricDefault, usage: .encryptDecrypt, encryption: [.symmetricDefault]),
        AlgorithmRow(spec: .hmac224, usage: .generateVerifyMac, mac: [.hmacSHA224]),
        AlgorithmRow(spec: .hmac256, usage: .generateVerifyMac, mac: [.hmacSHA256]),
        AlgorithmRow(spec: .hmac384, usage: .generateVerifyMac, mac: [.hmacSHA384]),
        AlgorithmRow(spec: .hmac512, usage: .generateVerifyMac, mac: [.hmacSHA512]),
        AlgorithmRow(spec: .rsa2048, usage: .encryptDecrypt, encryption: [.rsaesOAEPSHA1, .rsaesOAEPSHA256]),
        AlgorithmRow(spec: .rsa3072, usage: .signVerify, signing: rsaSigning),
        AlgorithmRow(spec: .rsa4096, usage: .signVerify, signing: rsaSigning),
        AlgorithmRow(spec: .eccNistP256, usage: .signVerify, signing: [.ecdsaSHA256]),
        AlgorithmRow(spec: .eccNistP384, usage: .signVerify, signing: [.ecdsaSHA384]),
        AlgorithmRow(spec: .eccNistP521, usage: .signVerify, signing: [.ecdsaSHA512]),
        AlgorithmRow(spec: .eccNistP384, usage: .keyAgreement, agreement: [.ecdh]),
        AlgorithmRow(spec: .eccSecgP256k1, usage: .signVerify, signing: [.ecdsaSHA256]),
        AlgorithmRow(spec: .eccNistEdwards25519, usage: .signVerify, signing: [.ed25519SHA512, .ed25519PHSHA512]),
        AlgorithmRow(spec: .mlDSA65, usage: .signVerify, signing: [.mlDSASHAKE256]),
        AlgorithmRow(spec: .sm2, usage: .encryptDecrypt, encryption: [.sm2PKE]),
        AlgorithmRow(spec: .sm2, usage: .signVerify, signing: [.sm2DSA]),
        AlgorithmRow(spec: .sm2, usage: .keyAgreement, agreement: [.ecdh]),
    ]

    @Test(arguments: algorithms)
    func algorithmListsMatchTheSpec(_ row: AlgorithmRow) {
        #expect(KeySpecRules.encryptionAlgorithms(row.spec, row.usage) == row.encryption)
        #expect(KeySpecRules.signingAlgorithms(row.spec, row.usage) == row.signing)
        #expect(KeySpecRules.macAlgorithms(row.spec, row.usage) == row.mac)
        #expect(KeySpecRules.keyAgreementAlgorithms(row.spec, row.usage) == row.agreement)
    }

    @Test(arguments: KeySpec.allCases)
    func supportsImportForEverySpecButMLDSA(_ spec: KeySpec) {
        let isMLDSA = [.mlDSA44, .mlDSA65, .mlDSA87].contains(spec)
        #expect(KeySpecRules.supportsImport(spec) == !isMLDSA)
    }

    @Test(arguments: [(KeySpec.symmetricDefault, KeyFamily.symmetric), (.hmac384, .hmac), (.rsa2048, .asymmetric), (.eccNistP256, .asymmetric), (.mlDSA87, .asymmetric)])
    func familiesSeparateSymmetricHMACAndAsymmetric(_ spec: KeySpec, _ family: KeyFamily) {
        #expect(KeySpecRules.family(spec) == family)
    }
}
