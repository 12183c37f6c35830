import Crypto
import Foundation
import SwiftASN1

/// A usable asymmetric private key, built from stored material. Opaque like `KeyMaterial`.
struct AsymmetricKey: Sendable {
    private enum Backing: Sendable {
        case openssl(OpenSSLKey)
        case mlDSA65(MLDSA65.PrivateKey)
        case mlDSA87(MLDSA87.PrivateKey)
    }

    let spec: KeySpec
    private let backing: Backing

    /// - Throws: `KMSInternalException` when the stored material does not parse (it was validated when stored).
    init(spec: KeySpec, material: KeyMaterial) throws(KMSError) {
        self.spec = spec
        do {
            switch spec {
            case .mlDSA65:
                backing = .mlDSA65(try material.withUnsafeBytes { try MLDSA65.PrivateKey(seedRepresentation: Data($0), publicKey: nil) })
            case .mlDSA87:
                backing = .mlDSA87(try material.withUnsafeBytes { try MLDSA87.PrivateKey(seedRepresentation: Data($0), publicKey: nil) })
            default:
                backing = .openssl(try material.withUnsafeBytes { try OpenSSLKey.privateKey(pkcs8: Array($0)) })
            }
        } catch {
            throw KMSError.internalFailure(error)
        }
    }

    /// The public key as DER SubjectPublicKeyInfo.
    func publicKeyDER() throws(KMSError) -> [UInt8] {
        switch backing {
        case .openssl(let key):
            do { return try key.spki() } catch { throw KMSError.internalFailure(error) }
        case .mlDSA65(let key):
            do { return try PublicKeyInfo.mlDSA(oidLastArc: 0x12, key: Array(key.publicKey.rawRepresentation)) } catch { throw KMSError.internalFailure(error) }
        case .mlDSA87(let key):
            do { return try PublicKeyInfo.mlDSA(oidLastArc: 0x13, key: Array(key.publicKey.rawRepresentation)) } catch { throw KMSError.internalFailure(error) }
        }
    }

    // MARK: Signing

    /// Signs per AWS's rules for the algorithm and message type (checked by `SigningRules.prepare`).
    func sign(_ input: SigningRules.Input) throws(KMSError) -> [UInt8] {
        do {
            switch (backing, input) {
            case (.openssl(let key), .digest(let digest, let algorithm, let padding)):
                return try key.sign(digest: digest, algorithm: algorithm, padding: padding)
            case (.openssl(let key), .pureMessage(let message)):
                return try key.signMessage(message)
            case (.mlDSA65(let key), .pureMessage(let message)):
                return Array(try key.signature(for: message))
            case (.mlDSA87(let key), .pureMessage(let message)):
                return Array(try key.signature(for: message))
            default:
                throw KMSError.internalFailure("signing algorithm does not fit the key")
            }
        } catch let error as KMSError {
            throw error
        } catch {
            throw KMSError.internalFailure(error)
        }
    }

    func verify(_ signature: [UInt8], _ input: SigningRules.Input) -> Bool {
        switch (backing, input) {
        case (.openssl(let key), .digest(let digest, let algorithm, let padding)):
            return key.verify(signature: signature, digest: digest, algorithm: algorithm, padding: padding)
        case (.openssl(let key), .pureMessage(let message)):
            return key.verifyMessage(signature: signature, message: message)
        case (.mlDSA65(let key), .pureMessage(let message)):
            return key.publicKey.isValidSignature(signature, for: message)
        case (.mlDSA87(let key), .pureMessage(let message)):
            return key.publicKey.isValidSignature(signature, for: message)
        default:
            return false
        }
    }

    // MARK: Encryption and key agreement

    func encrypt(_ plaintext: [UInt8], algorithm: EncryptionAlgorithm) throws(KMSError) -> [UInt8] {
        guard case .openssl(let key) = backing, let digest = Self.oaepDigest(algorithm) else { throw KMSError.internalFailure("RSA-OAEP on a key that is not RSA") }
        do { return try key.encryptOAEP(plaintext, digest: digest) } catch { throw KMSError.internalFailure(error) }
    }

    func decrypt(_ ciphertext: [UInt8], algorithm: EncryptionAlgorithm) throws(KMSError) -> [UInt8] {
        guard case .openssl(let key) = backing, let digest = Self.oaepDigest(algorithm) else { throw KMSError.internalFailure("RSA-OAEP on a key that is not RSA") }
        do { return try key.decryptOAEP(ciphertext, digest: digest) } catch { throw KMSError(.invalidCiphertext, "") }
    }

    /// ECDH with a peer's DER SubjectPublicKeyInfo on the same curve.
    /// - Throws: `ValidationException` when the peer key does not parse or is on another curve.
    func deriveSharedSecret(peerSPKI: [UInt8]) throws(KMSError) -> [UInt8] {
        guard case .openssl(let key) = backing else { throw KMSError.internalFailure("key agreement on a key without an OpenSSL backing") }
        guard let peer = try? OpenSSLKey.publicKey(spki: peerSPKI), peer.kind == key.kind else {
            // AWS answers ValidationException with no message (LocalStack's recording, test_derive_shared_secret).
            throw KMSError.validation("")
        }
        do { return try key.deriveSharedSecret(with: peer) } catch {
            throw KMSError.validation("The PublicKey is not a valid public key for ECDH with \(spec.rawValue).")
        }
    }

    /// The digest of an RSA-OAEP encryption algorithm (label hash and MGF1); nil for the others.
    static func oaepDigest(_ algorithm: EncryptionAlgorithm) -> DigestAlgorithm? {
        switch algorithm {
        case .rsaesOAEPSHA1: return .sha1
        case .rsaesOAEPSHA256: return .sha256
        default: return nil
        }
    }
}
