/// An AWS KMS enumeration. Raw values are the exact wire strings; stores persist these strings, never ordinals.
public enum MultiRegionKeyType: String, Sendable, Codable, CaseIterable {
    case primary = "PRIMARY", replica = "REPLICA"
}
