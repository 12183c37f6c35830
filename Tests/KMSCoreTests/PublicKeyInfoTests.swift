import Testing

@testable import KMSCore

/// ML-DSA SubjectPublicKeyInfo through swift-asn1: the same bytes as the DER written by hand before (FIPS 204 /
/// RFC 9881 layout), for both parameter sets' key sizes.
@Suite struct PublicKeyInfoTests {
    static func handWritten(arc: UInt8, key: [UInt8]) -> [UInt8] {
        func length(_ n: Int) -> [UInt8] {
            if n < 0x80 { return [UInt8(n)] }
            if n < 0x100 { return [0x81, UInt8(n)] }
            return [0x82, UInt8(n >> 8), UInt8(n & 0xff)]
        }
        let oid: [UInt8] = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x03, arc]
        let algorithm: [UInt8] = [0x30] + length(oid.count) + oid
        let bitString: [UInt8] = [0x03] + length(key.count + 1) + [0x00] + key
        let body = algorithm + bitString
        return [0x30] + length(body.count) + body
    }

    @Test(arguments: [(UInt8(0x12), 1952), (UInt8(0x13), 2592)])
    func mlDSAKeysEncodeAsBefore(arc: UInt8, size: Int) throws {
        let key = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        #expect(try PublicKeyInfo.mlDSA(oidLastArc: UInt(arc), key: key) == Self.handWritten(arc: arc, key: key))
    }
}
