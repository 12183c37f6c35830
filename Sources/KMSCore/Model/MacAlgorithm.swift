/// An AWS KMS enumeration. Raw values are the exact wire strings; stores persist these strings, never ordinals.
public enum MacAlgorithm: String, Sendable, Codable, CaseIterable {
    case hmacSHA224 = "HMAC_SHA_224", hmacSHA256 = "HMAC_SHA_256", hmacSHA384 = "HMAC_SHA_384", hmacSHA512 = "HMAC_SHA_512"
}
