import Foundation

/// The Nitro Enclaves attestation input; recognised so that it can be refused clearly.
public struct RecipientInfo: Decodable, Sendable {
    var keyEncryptionAlgorithm: String?
    enum CodingKeys: String, CodingKey { case keyEncryptionAlgorithm = "KeyEncryptionAlgorithm" }
}
