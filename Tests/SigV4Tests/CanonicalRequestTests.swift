import Foundation
import Testing

@testable import SigV4

@Suite struct CanonicalRequestTests {
    /// Expected values are botocore's (`SigV4Auth._normalize_url_path`).
    @Test(arguments: [
        ("", "/"),
        ("/", "/"),
        ("//", "/"),
        ("/./", "/"),
        ("/a/..", "/"),
        ("/a/../..", "/"),
        ("/../a", "/a"),
        ("/a/./b/", "/a/b/"),
        ("//a//b//", "/a/b/"),
        ("/a b", "/a%20b"),
        ("/a%20b", "/a%2520b"),
        ("/~user/-._", "/~user/-._"),
        ("/\u{1234}", "/%E1%88%B4"),
        ("/a+b=c&d:e@f", "/a%2Bb%3Dc%26d%3Ae%40f"),
        ("/...", "/..."),
    ])
    func canonicalURINormalisesLikeBotocore(raw: String, expected: String) {
        #expect(CanonicalRequest.canonicalURI(raw) == expected)
    }

    @Test func canonicalURIWithoutNormalisationKeepsSegments() {
        #expect(CanonicalRequest.canonicalURI("//a/./b/../", normalize: false) == "//a/./b/../")
    }

    @Test(arguments: [
        ("", ""),
        ("a=1", "a=1"),
        ("b=2&a=1", "a=1&b=2"),
        ("a=2&a=1&a=10", "a=1&a=10&a=2"),
        ("flag", "flag="),
        ("flag=", "flag="),
        ("&&a=1&&", "a=1"),
        ("a=x%2fy", "a=x%2Fy"),
        ("a=x/y", "a=x%2Fy"),
        ("a b=c d", "a%20b=c%20d"),
        ("a=1+2", "a=1%2B2"),
        ("k=%zz", "k=%25zz"),
        ("k=%", "k=%25"),
        ("%E1%88%B4=bar", "%E1%88%B4=bar"),
        ("Param-3=Value3&Param=Value2&%E1%88%B4=Value1", "%E1%88%B4=Value1&Param=Value2&Param-3=Value3"),
        ("a=b=c", "a=b%3Dc"),
    ])
    func canonicalQuerySortsAndEncodes(raw: String, expected: String) {
        #expect(CanonicalRequest.canonicalQuery(raw) == expected)
    }

    @Test func headerValuesAreTrimmedAndJoined() {
        let canonical = CanonicalRequest(
            method: "GET",
            path: "/",
            headers: [
                (name: "Host", value: " example.com "),
                (name: "My-Header", value: "\t a \t  b  "),
                (name: "my-header", value: "c"),
                (name: "Unsigned", value: "ignored"),
            ],
            signedHeaders: ["host", "my-header", "missing"],
            payloadHash: "UNSIGNED-PAYLOAD"
        )
        #expect(canonical.string == "GET\n/\n\nhost:example.com\nmy-header:a b,c\nmissing:\n\nhost;my-header;missing\nUNSIGNED-PAYLOAD")
    }
}
