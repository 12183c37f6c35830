import Foundation
import KMSTesting
import Testing
import SigV4

@testable import KMSCore

/// Known-answer tests of Coffer's cryptographic primitives against Wycheproof vectors
/// (subsets vendored in `Vectors/`, see `Vectors/README.md`).
@Suite("Crypto known-answer vectors")
struct CryptoVectorTests {
    // MARK: HMAC

    @Test("HMAC matches Wycheproof", arguments: [
        ("hmac_sha224_subset.json", MacAlgorithm.hmacSHA224),
        ("hmac_sha256_subset.json", MacAlgorithm.hmacSHA256),
        ("hmac_sha384_subset.json", MacAlgorithm.hmacSHA384),
        ("hmac_sha512_subset.json", MacAlgorithm.hmacSHA512),
    ])
    func hmac(file: String, algorithm: MacAlgorithm) throws {
        let doc = try VectorFile.load(file)
        var valid = 0
        var invalid = 0
        for group in doc.testGroups {
            for test in group.tests {
                let key = KeyMaterial(unsafeBytes: try VectorFile.hex(test.key))
                let tag = try KMSService.hmac(algorithm, material: key, message: try VectorFile.hex(test.msg))
                let expected = try VectorFile.hex(test.tag)
                #expect(tag.count == (group.tagSize ?? 0) / 8, "tcId \(test.tcId): tag length")
                if test.result == "valid" {
                    valid += 1
                    #expect(tag == expected, "tcId \(test.tcId): HMAC differs")
                } else {
                    invalid += 1
                    #expect(tag != expected, "tcId \(test.tcId): a modified tag matched")
                    #expect(!ConstantTime.equals(tag, expected), "tcId \(test.tcId)")
                }
            }
        }
        #expect(valid >= 8, "too few valid vectors in \(file)")
        _ = invalid
    }

    // MARK: ECDSA

    @Test("ECDSA DER verification matches Wycheproof", arguments: [
        ("ecdsa_secp256r1_sha256_subset.json", EllipticCurve.nistP256),
        ("ecdsa_secp256k1_sha256_subset.json", .secgP256k1),
    ])
    func ecdsa(file: String, curve: EllipticCurve) throws {
        let doc = try VectorFile.load(file)
        let sha256 = DigestAlgorithm.sha256
        var counts = (valid: 0, invalid: 0)
        for group in doc.testGroups {
            let key = try OpenSSLKey.publicKey(spki: try VectorFile.hex(try #require(group.publicKeyDer)))
            #expect(key.kind == .ec(curve))
            for test in group.tests {
                let digest = sha256.hash(try VectorFile.hex(test.msg))
                #expect(digest.count == 32)
                let ok = key.verify(signature: try VectorFile.hex(try #require(test.sig)), digest: digest, algorithm: sha256, padding: .none)
                #expect(ok == (test.result == "valid"), "tcId \(test.tcId) (\(test.comment ?? "")): expected \(test.result)")
                if test.result == "valid" { counts.valid += 1 } else { counts.invalid += 1 }
            }
        }
        #expect(counts.valid >= 5 && counts.invalid >= 10)
    }

    // MARK: RSA

    @Test("RSA-OAEP SHA-256 decryption matches Wycheproof")
    func rsaOAEP() throws {
        let doc = try VectorFile.load("rsa_oaep_2048_sha256_mgf1sha256_subset.json")
        let sha256 = DigestAlgorithm.sha256
        let sha1 = DigestAlgorithm.sha1
        var count = 0
        for group in doc.testGroups {
            let key = try OpenSSLKey.privateKey(pkcs8: try VectorFile.hex(try #require(group.privateKeyPkcs8)))
            #expect(key.kind == .rsa(bits: 2048))
            for test in group.tests {
                let ct = try VectorFile.hex(try #require(test.ct))
                #expect(test.result == "valid")
                let plain = try key.decryptOAEP(ct, digest: sha256)
                #expect(plain == (try VectorFile.hex(test.msg)), "tcId \(test.tcId)")
                // Negative cases derived from the vector: one altered byte, or the wrong OAEP hash.
                var altered = ct
                altered[ct.count / 2] ^= 0x01
                #expect(throws: OpenSSLKey.Failure.self, "tcId \(test.tcId) altered") { try key.decryptOAEP(altered, digest: sha256) }
                #expect(throws: OpenSSLKey.Failure.self, "tcId \(test.tcId) SHA-1") { try key.decryptOAEP(ct, digest: sha1) }
                count += 1
            }
        }
        #expect(count >= 5)
    }

    @Test("RSA-PSS SHA-256 (salt 32) verification matches Wycheproof")
    func rsaPSS() throws {
        let doc = try VectorFile.load("rsa_pss_2048_sha256_mgf1_32_subset.json")
        let sha256 = DigestAlgorithm.sha256
        let sha384 = DigestAlgorithm.sha384
        var count = 0
        for group in doc.testGroups {
            #expect(group.sLen == 32)
            let key = try OpenSSLKey.publicKey(spki: try VectorFile.hex(try #require(group.publicKeyDer)))
            #expect(key.kind == .rsa(bits: 2048))
            for test in group.tests {
                let msg = try VectorFile.hex(test.msg)
                let sig = try VectorFile.hex(try #require(test.sig))
                let digest = sha256.hash(msg)
                let ok = key.verify(signature: sig, digest: digest, algorithm: sha256, padding: .pss)
                #expect(ok == (test.result == "valid"), "tcId \(test.tcId)")
                // Derived negatives: another message, an altered signature, PKCS#1 v1.5 padding, another hash.
                let other = sha256.hash(msg + [0x00])
                #expect(!key.verify(signature: sig, digest: other, algorithm: sha256, padding: .pss), "tcId \(test.tcId) other msg")
                var altered = sig
                altered[0] ^= 0x80
                #expect(!key.verify(signature: altered, digest: digest, algorithm: sha256, padding: .pss), "tcId \(test.tcId) altered")
                #expect(!key.verify(signature: sig, digest: digest, algorithm: sha256, padding: .pkcs1), "tcId \(test.tcId) pkcs1")
                let digest384 = sha384.hash(msg)
                #expect(!key.verify(signature: sig, digest: digest384, algorithm: sha384, padding: .pss), "tcId \(test.tcId) sha384")
                count += 1
            }
        }
        #expect(count >= 5)
    }

    @Test("Digests match their known values")
    func digests() throws {
        // FIPS 180-2 "abc" examples.
        let abc = Array("abc".utf8)
        let sha256 = DigestAlgorithm.sha256
        let sha224 = DigestAlgorithm.sha224
        #expect(sha256.hash(abc)
            == (try VectorFile.hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")))
        #expect(sha224.hash(abc)
            == (try VectorFile.hex("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")))
    }
}

// MARK: - Vector files

/// The subset of the Wycheproof JSON schema these tests read.
private struct VectorFile: Decodable {
    struct Group: Decodable {
        var publicKeyDer: String?
        var privateKeyPkcs8: String?
        var tagSize: Int?
        var sLen: Int?
        var tests: [Case]
    }

    struct Case: Decodable {
        var tcId: Int
        var comment: String?
        var key: String = ""
        var msg: String
        var tag: String = ""
        var sig: String?
        var ct: String?
        var result: String

        enum CodingKeys: String, CodingKey { case tcId, comment, key, msg, tag, sig, ct, result }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            tcId = try c.decode(Int.self, forKey: .tcId)
            comment = try c.decodeIfPresent(String.self, forKey: .comment)
            key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
            msg = try c.decode(String.self, forKey: .msg)
            tag = try c.decodeIfPresent(String.self, forKey: .tag) ?? ""
            sig = try c.decodeIfPresent(String.self, forKey: .sig)
            ct = try c.decodeIfPresent(String.self, forKey: .ct)
            result = try c.decode(String.self, forKey: .result)
        }
    }

    var source: String
    var testGroups: [Group]

    struct BadHex: Error {}

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Vectors")

    static func load(_ name: String) throws -> VectorFile {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        let file = try JSONDecoder().decode(VectorFile.self, from: data)
        #expect(file.source.contains("wycheproof"))
        #expect(!file.testGroups.isEmpty)
        return file
    }

    static func hex(_ text: String) throws -> [UInt8] {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { throw BadHex() }
        func value(_ c: UInt8) throws -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - 48
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - 87
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - 55
            default: throw BadHex()
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            out.append(try value(digits[index]) << 4 | value(digits[index + 1]))
            index += 2
        }
        return out
    }
}
