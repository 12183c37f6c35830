/// The canonical, unambiguous encoding of an encryption context, bound to symmetric ciphertexts as associated data.
///
/// `u32be(count) || for each pair sorted by key bytes: u32be(len(key)) || key || u32be(len(value)) || value`
/// (UTF-8). Order-independent, and `{"ab":"c"}` and `{"a":"bc"}` encode differently.
public enum EncryptionContextEncoding {
    public static func encode(_ context: [String: String]?) -> [UInt8] {
        let pairs = (context ?? [:]).map { (Array($0.key.utf8), Array($0.value.utf8)) }.sorted { $0.0.lexicographicallyPrecedes($1.0) }
        var out: [UInt8] = []
        append(UInt32(pairs.count), to: &out)
        for (key, value) in pairs {
            append(UInt32(key.count), to: &out)
            out.append(contentsOf: key)
            append(UInt32(value.count), to: &out)
            out.append(contentsOf: value)
        }
        return out
    }

    static func append(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 24))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }
}
