import Foundation
import Testing

@testable import SigV4

@Suite struct AuthorizationHeaderTests {
    @Test func parsesBotocoreHeader() throws {
        let header = try AuthorizationHeader(
            parsing: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                + "SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"
        )
        #expect(header.credential == CredentialScope(accessKeyID: "AKIDEXAMPLE", date: "20150830", region: "us-east-1", service: "service"))
        #expect(header.credential.scope == "20150830/us-east-1/service/aws4_request")
        #expect(header.signedHeaders == ["host", "my-header1", "x-amz-date"])
        #expect(Hex.encode(header.signature) == "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea")
    }

    @Test(arguments: [
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kms/aws4_request,SignedHeaders=host;x-amz-date,Signature=\(String(repeating: "0", count: 64))",
        "  AWS4-HMAC-SHA256   Signature=\(String(repeating: "0", count: 64)) ,  SignedHeaders=host;x-amz-date,Credential=AKID/20150830/us-east-1/kms/aws4_request  ",
        "AWS4-HMAC-SHA256\tCredential=AKID/20150830/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(String(repeating: "0", count: 64)), Extra=ignored",
    ])
    func toleratesSpacingOrderAndUnknownComponents(_ value: String) throws {
        let header = try AuthorizationHeader(parsing: value)
        #expect(header.credential.accessKeyID == "AKID")
        #expect(header.signedHeaders == ["host", "x-amz-date"])
        #expect(header.signature == [UInt8](repeating: 0, count: 32))
    }

    @Test func headerValueRoundTrips() throws {
        let value = "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=\(String(repeating: "7f", count: 32))"
        #expect(try AuthorizationHeader(parsing: value).headerValue == value)
    }
}
