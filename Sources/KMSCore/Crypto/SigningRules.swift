import Crypto

/// AWS's rules for Sign and Verify: which algorithm suits which key spec, message types, digest lengths.
enum SigningRules {
    /// What the key actually signs.
    enum Input: Sendable {
        /// A digest computed with the given algorithm, to sign (RSA, ECDSA).
        case digest([UInt8], DigestAlgorithm, padding: OpenSSLKey.Padding)
        /// A whole message (pure Ed25519, ML-DSA).
        case pureMessage([UInt8])
    }

    /// The digest a signing algorithm signs; nil for the algorithms that sign whole messages.
    static func digest(_ algorithm: SigningAlgorithm) -> DigestAlgorithm? {
        switch algorithm {
        case .rsassaPSSSHA256, .rsassaPKCS1SHA256, .ecdsaSHA256: return .sha256
        case .rsassaPSSSHA384, .rsassaPKCS1SHA384, .ecdsaSHA384: return .sha384
        case .rsassaPSSSHA512, .rsassaPKCS1SHA512, .ecdsaSHA512: return .sha512
        default: return nil
        }
    }

    static func padding(_ algorithm: SigningAlgorithm) -> OpenSSLKey.Padding {
        switch algorithm {
        case .rsassaPSSSHA256, .rsassaPSSSHA384, .rsassaPSSSHA512: return .pss
        case .rsassaPKCS1SHA256, .rsassaPKCS1SHA384, .rsassaPKCS1SHA512: return .pkcs1
        default: return .none
        }
    }

    /// Checks the request against AWS's rules and returns what to sign.
    /// - Throws: `InvalidKeyUsageException` for an algorithm the key does not support; `ValidationException` for a
    ///   wrong message type or digest length; `UnsupportedOperationException` for what Coffer cannot do yet.
    static func prepare(key: KeyRecord, algorithm: SigningAlgorithm, messageType: MessageType, message: [UInt8]) throws(KMSError) -> Input {
        guard let allowed = KeySpecRules.signingAlgorithms(key.keySpec, key.keyUsage), allowed.contains(algorithm) else {
            throw KMSError(.invalidKeyUsage, "Algorithm \(algorithm.rawValue) is incompatible with key spec \(key.keySpec.rawValue).")
        }
        if let digest = digest(algorithm) {
            switch messageType {
            case .raw:
                return .digest(digest.hash(message), digest, padding: padding(algorithm))
            case .digest:
                guard message.count == digest.byteCount else {
                    throw KMSError.validation("Digest is invalid length for algorithm \(algorithm.rawValue).")
                }
                return .digest(message, digest, padding: padding(algorithm))
            case .externalMu:
                throw KMSError.validation("MessageType EXTERNAL_MU is only valid with the ML_DSA_SHAKE_256 signing algorithm.")
            }
        }
        switch algorithm {
        case .ed25519SHA512:
            guard messageType == .raw else {
                throw KMSError.validation("The ED25519_SHA_512 signing algorithm requires MessageType RAW.")
            }
            return .pureMessage(message)
        case .ed25519PHSHA512:
            guard messageType == .digest else {
                throw KMSError.validation("The ED25519_PH_SHA_512 signing algorithm requires MessageType DIGEST.")
            }
            throw KMSError.unsupported("The ED25519_PH_SHA_512 signing algorithm (Ed25519ph) is not supported by this server yet.")
        case .mlDSASHAKE256:
            switch messageType {
            case .raw: return .pureMessage(message)
            case .externalMu:
                guard message.count == 64 else { throw KMSError.validation("Digest is invalid length for algorithm ML_DSA_SHAKE_256.") }
                throw KMSError.unsupported("MessageType EXTERNAL_MU is not supported by this server yet.")
            case .digest:
                throw KMSError.validation("The ML_DSA_SHAKE_256 signing algorithm does not support MessageType DIGEST.")
            }
        default:
            throw KMSError.unsupported("Signing algorithm \(algorithm.rawValue) is not supported by this server.")
        }
    }
}
