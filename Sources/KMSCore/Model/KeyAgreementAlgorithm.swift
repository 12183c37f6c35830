/// An AWS KMS enumeration. Raw values are the exact wire strings; stores persist these strings, never ordinals.
public enum KeyAgreementAlgorithm: String, Sendable, Codable, CaseIterable {
    case ecdh = "ECDH"
}
