import Foundation
import Testing

@testable import SigV4

@Suite struct EncodingTests {
    @Test func hexRoundTrips() {
        let bytes: [UInt8] = Array(0...255)
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        #expect(Hex.decode("ABcd") == [0xAB, 0xCD])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("") == [])
    }

    @Test func uriEncodingUsesTheUnreservedSet() {
        #expect(URIEncoding.encode("AZaz09-._~") == "AZaz09-._~")
        #expect(URIEncoding.encode("a/b c") == "a%2Fb%20c")
        #expect(URIEncoding.encode("a/b", keepSlash: true) == "a/b")
        #expect(URIEncoding.encode("\u{E9}") == "%C3%A9")
    }

    @Test func constantTimeEquality() {
        #expect(ConstantTime.equals("token", "token"))
        #expect(!ConstantTime.equals("token", "tokeN"))
        #expect(!ConstantTime.equals("token", "token2"))
        #expect(!ConstantTime.equals("", "x"))
        #expect(ConstantTime.equals("", ""))
    }

    @Test func trimAllCollapsesWhitespace() {
        #expect(HeaderFields.trimmed("  a   b \t c  ") == "a b c")
        #expect(HeaderFields.trimmed("\"a   b   c\"") == "\"a b c\"")
        #expect(HeaderFields.trimmed("   ") == "")
    }
}
