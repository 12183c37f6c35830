/// The key-state table of spec §8: which operations a key in each state allows, and the AWS error otherwise.
public enum KeyStateRules {
    /// How an operation treats keys that are not Enabled.
    enum Policy {
        /// Works in every state (DescribeKey, policies, tags reads, DeleteAlias, ...).
        case always
        /// Management operation: refused only while PendingDeletion (S3).
        case notPendingDeletion
        /// EnableKey / DisableKey / GetPublicKey: refused while PendingDeletion (S3) or PendingImport (S5).
        case adminStateChange
        /// Cryptographic operation: needs Enabled (D1, S3, S5).
        case cryptographic
        /// CancelKeyDeletion: needs PendingDeletion (S4).
        case pendingDeletionOnly
        /// Enable/DisableKeyRotation: Disabled D1, PendingDeletion S3, PendingImport U6 (only EXTERNAL keys are).
        case rotationSetting
        /// GetKeyRotationStatus: every state but PendingImport (U6).
        case rotationStatus
    }

    static func policy(for operation: OperationName) -> Policy {
        switch operation {
        case .describeKey, .getKeyPolicy, .listKeyPolicies, .listResourceTags, .putKeyPolicy, .deleteAlias,
            .listAliases, .listGrants, .retireGrant, .revokeGrant, .getKeyLastUsage, .listKeyRotations, .deleteImportedKeyMaterial:
            return .always
        case .enableKeyRotation, .disableKeyRotation:
            return .rotationSetting
        case .getKeyRotationStatus:
            return .rotationStatus
        case .createAlias, .tagResource, .untagResource, .updateKeyDescription, .updateAlias, .scheduleKeyDeletion,
            .getParametersForImport, .importKeyMaterial:
            return .notPendingDeletion
        case .enableKey, .disableKey, .getPublicKey:
            // GetPublicKey on PendingImport: S5, since Coffer keeps no public half without the material (spec §8 note).
            return .adminStateChange
        case .cancelKeyDeletion:
            return .pendingDeletionOnly
        default:
            return .cryptographic
        }
    }

    /// Checks that `key` may take part in `operation`.
    /// - Throws: `DisabledException` or `KMSInvalidStateException` with AWS's message templates.
    public static func check(_ operation: OperationName, _ key: KeyRecord) throws(KMSError) {
        var arn: String { key.arn }  // only error messages use it
        // PendingReplicaDeletion shares the PendingDeletion column (spec §2.6, §8), with its own wording.
        let state = key.state == .pendingReplicaDeletion ? .pendingDeletion : key.state
        let pendingDeletion = { (arn: String) -> KMSError in
            key.state == .pendingReplicaDeletion ? KMSError.invalidState("\(arn) is pending replica deletion.") : Self.pendingDeletion(arn)
        }
        switch policy(for: operation) {
        case .always:
            return
        case .notPendingDeletion:
            if state == .pendingDeletion { throw pendingDeletion(arn) }
        case .adminStateChange:
            if state == .pendingDeletion { throw pendingDeletion(arn) }
            if state == .pendingImport { throw pendingImport(arn) }
        case .cryptographic:
            switch state {
            case .enabled: return
            case .disabled: throw KMSError(.disabled, "\(arn) is disabled.")
            case .pendingDeletion: throw pendingDeletion(arn)
            case .pendingImport: throw pendingImport(arn)
            default: throw KMSError.invalidState("\(arn) is \(state.rawValue).")
            }
        case .pendingDeletionOnly:
            if state != .pendingDeletion { throw KMSError.invalidState("\(arn) is not pending deletion.") }
        case .rotationSetting:
            switch state {
            case .disabled: throw KMSError(.disabled, "\(arn) is disabled.")
            case .pendingDeletion: throw pendingDeletion(arn)
            case .pendingImport: throw externalOrigin(arn)
            default: return
            }
        case .rotationStatus:
            if state == .pendingImport { throw externalOrigin(arn) }
        }
    }

    /// U6.
    static func externalOrigin(_ arn: String) -> KMSError {
        KMSError.unsupported("\(arn) origin is EXTERNAL which is not valid for this operation.")
    }

    static func pendingDeletion(_ arn: String) -> KMSError {
        KMSError.invalidState("\(arn) is pending deletion.")
    }

    static func pendingImport(_ arn: String) -> KMSError {
        KMSError.invalidState("\(arn) is pending import.")
    }
}
