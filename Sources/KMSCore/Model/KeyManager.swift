/// An AWS KMS enumeration. Raw values are the exact wire strings; stores persist these strings, never ordinals.
public enum KeyManager: String, Sendable, Codable, CaseIterable {
    case aws = "AWS", customer = "CUSTOMER"
}
