import Crypto
import Testing

@testable import SigV4

/// `HMACSHA256` against RFC 4231's published vectors and against swift-crypto's `HMAC<SHA256>`.
@Suite struct HMACSHA256Tests {
    static func bytes(_ hex: String) -> [UInt8] { Hex.decode(hex)! }

    /// RFC 4231 §4.2-4.7 (test case 5, a truncated output, is checked on its first 16 bytes).
    static let vectors: [(key: String, data: String, mac: String)] = [
        (String(repeating: "0b", count: 20), "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (String(repeating: "aa", count: 20), String(repeating: "dd", count: 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        (
            "0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"
        ),
        (String(repeating: "0c", count: 20), "546573742057697468205472756e636174696f6e", "a3b6167473100ee06e0c796c2955552b"),
        (
            String(repeating: "aa", count: 131),
            "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        ),
        (
            String(repeating: "aa", count: 131),
            "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c"
                + "6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265"
                + "666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
        ),
    ]

    @Test(arguments: vectors.indices)
    func rfc4231(_ index: Int) {
        let vector = Self.vectors[index]
        let mac = Array(HMACSHA256.authenticationCode(Self.bytes(vector.data), key: Self.bytes(vector.key)))
        #expect(Hex.encode(mac.prefix(vector.mac.count / 2)) == vector.mac)
    }

    @Test func matchesSwiftCryptoForEveryLengthAroundTheBlock() {
        for keyLength in [0, 1, 31, 32, 63, 64, 65, 128, 200] {
            let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            for messageLength in [0, 1, 55, 56, 63, 64, 65, 1000] {
                let message = (0..<messageLength).map { UInt8(truncatingIfNeeded: $0 &* 13) }
                let expected = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
                #expect(Array(HMACSHA256.authenticationCode(message, key: key)) == expected, "key \(keyLength), message \(messageLength)")
                // Prepared once, then copied and updated in two parts, as the signing-key cache uses it.
                let prepared = HMACSHA256(key: SymmetricKey(data: key))
                var copy = prepared
                copy.update(Array(message.prefix(messageLength / 2)))
                copy.update(Array(message.dropFirst(messageLength / 2)))
                #expect(Array(copy.finalize()) == expected)
                #expect(Array(prepared.finalize()) == Array(HMAC<SHA256>.authenticationCode(for: [UInt8](), using: SymmetricKey(data: key))))
            }
        }
    }
}
