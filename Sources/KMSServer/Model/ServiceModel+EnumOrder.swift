extension ServiceModel {
    /// The order in which AWS lists an enum's values in a validation message. Not the model's order: the values sorted
    /// by Java's `String.hashCode() & 31` (a 32-bucket hash set), values sharing a bucket in reverse model order. This
    /// reproduces 21 of the 25 enum lists recorded against AWS in LocalStack's snapshots (KMS's MacAlgorithm and
    /// KeySpec among them) and all three in local-kms (docs/deviations.md). Two KMS exceptions follow the recordings:
    /// KeyUsage comes in KMS's own fixed order, and KeySpec leaves out the China-only SM2.
    static func awsEnumOrder(_ values: [String], shape: String) -> [String] {
        switch shape {
        case "KeyUsageType":
            let recorded = ["ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC", "KEY_AGREEMENT"]
            return recorded.filter(values.contains) + values.filter { !recorded.contains($0) }
        case "KeySpec":
            return awsEnumOrder(values.filter { $0 != "SM2" }, shape: "")
        default:
            let position = Dictionary(uniqueKeysWithValues: values.enumerated().map { ($1, $0) })
            return values.sorted { a, b in
                let (bucketA, bucketB) = (javaHashCode(a) & 31, javaHashCode(b) & 31)
                if bucketA != bucketB { return bucketA < bucketB }
                return position[a, default: 0] > position[b, default: 0]
            }
        }
    }

    /// Java's `String.hashCode()`: 31·h + c over UTF-16 code units, wrapping at 32 bits.
    static func javaHashCode(_ text: String) -> UInt32 {
        text.utf16.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) }
    }
}
