import Foundation
import KMSTesting
import Testing

@testable import KMSCore

/// `KeyFile`: private keys in every common encoding become the same PKCS#8 DER; wrapping public keys are read
/// from DER, PEM or base64 text; anything else is refused.
@Suite struct KeyFileTests {
    // Generated with OpenSSL 3: `openssl genpkey` (PKCS#8) and `openssl pkey -traditional` (PKCS#1 / SEC1).
    static let rsaPKCS8PEM = """
    -----BEGIN PRIVATE KEY-----
    MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCdT6x66CMP8QuZ
    g3oZgRVQhBFG2N35a1NZFrDMaYkZQ0SGNxg24o7d87qK1n9QoDUiuKRIPy4SB+CY
    GHBiONzY47dyhuyghjVC/rzLvY3Bszxwlv/FX5Bwqsm5bVU+FHVQcLq85IDOxMxZ
    DYjk8ZBP13VOtE0FBaX4xSFEg6Leo+OU6cPXJMW6EoD1GUs5QMs+SL4HzCh7eZS0
    u0YTi/udbl9pcQOefRd/Pm/+qMLQ8M5BB2rm8eSFPa9Kgz8nlfvGR3BHKSSlpC5L
    PYdOsIPi4tA+G0BCAxfFA+CUk5NS9BRO/AIjktWyk02mb6NSrkhNlHV/VHzBq1ws
    5WUu45AHAgMBAAECggEAJZX0PXd6bSQoI9kskqxrVc4APL+zJZVVmDsaKfTrO1x9
    ol3GjNKL1Q8XWnXOfIqSt4WLRvHFhaxZJq3sKCOy7KVX3ubK4b2/Ow8XN8zF8mpr
    PfFuEg/3uFuuD/5F+Cu2Le6JR3mHJyARPRPFSgJHezQdBJ2Cq3kCg1JCVRbokq4Q
    eJ2J3cYICuIsaklgMvOMed2t9uYgJriwPgx6ALD91CZl96l2JZYt5gN2Z+PeR0mj
    4GWABKxy4NYTMN2PC+bGXxmi55Wka9kXCDDAAYR/nBgmJQRBqj+tx0PMfJjMJG0u
    vPGzwYz1n1amPjbPVbdY70usdIzwXwxQtvD/C/OEnQKBgQDbmcpdSf7Re+8fOY4x
    C0e987gXGO3PRM0hbMxkrsHgMr0bJbrVrJbbMjQfMpKJn1YKd7yd1+ROetiKOPbg
    n1H0CVi/QTkk6P0hgOlRzAt3jbTCucdig1DHaiLaIuOrE2D7BFi4nv4VFKI3bzts
    LGPlqW9c46UOA7Ofzr/SNmsrLQKBgQC3Yshy8mpR+P624OmM5RGgJaed8Ju1mIZT
    Pcj3ZYqoEH/woWaDoQQKOJDFS0by3cCLZe74adKuE7sqEoJCRhaPMOt8ra1LkEG8
    zGzX+1c7t/jsSPMowPi6deklgCjUC6lQd5kyVLljN/5R5lMpxpSybg152Rf6KoWM
    6z4wCSlYgwKBgDpInQ8Zfoo27IZLDlQx/D6MGwX2Vde3GQKQD8eBIm/Qx6QW5Xmk
    rv1KW88T6xSft4RbtzHlhPDXZfV5nPyNDIFKocVRGEuVkul7f3F4SGrYr2snR6X7
    2Eq0/r8Kl4ZmRE0bIDkP6bvKmCtCWHEjbvgbejUbLkmD7f6yLvMqAlOZAoGBAJcb
    FVHpv4OV6MPl5WuMII7WGBxC8vqaGCyk32BC0hKTregoBeF2Hm8RlvCKi4Z5BDuY
    nWUhRVDcvz72i1Bykgog5BkSvpVh41jfFNyOpJ13hOulXH77Krfxik+1H29BwJym
    P5xCRZOkwrDXWTU2BLZVilMZd/FRckPgXpiUI/ZjAoGAdA057HmCEReHGwhkCXLV
    2LLas+1+OJH0pxWMuPtDrr8qJoGAqWQxvtE5OnmORe4bztknj23im+QDyBr9tgW+
    Q4PZX8NnmleiOMKkqBJn8zohZPXepW5pmQ6WGLSa+RO7oVmqmZnyoLHreJlkprIH
    rNUAJoCt427kdUpcBfXLiGE=
    -----END PRIVATE KEY-----
    """
    static let rsaPKCS1PEM = """
    -----BEGIN RSA PRIVATE KEY-----
    MIIEowIBAAKCAQEAnU+seugjD/ELmYN6GYEVUIQRRtjd+WtTWRawzGmJGUNEhjcY
    NuKO3fO6itZ/UKA1IrikSD8uEgfgmBhwYjjc2OO3cobsoIY1Qv68y72NwbM8cJb/
    xV+QcKrJuW1VPhR1UHC6vOSAzsTMWQ2I5PGQT9d1TrRNBQWl+MUhRIOi3qPjlOnD
    1yTFuhKA9RlLOUDLPki+B8woe3mUtLtGE4v7nW5faXEDnn0Xfz5v/qjC0PDOQQdq
    5vHkhT2vSoM/J5X7xkdwRykkpaQuSz2HTrCD4uLQPhtAQgMXxQPglJOTUvQUTvwC
    I5LVspNNpm+jUq5ITZR1f1R8watcLOVlLuOQBwIDAQABAoIBACWV9D13em0kKCPZ
    LJKsa1XOADy/syWVVZg7Gin06ztcfaJdxozSi9UPF1p1znyKkreFi0bxxYWsWSat
    7CgjsuylV97myuG9vzsPFzfMxfJqaz3xbhIP97hbrg/+Rfgrti3uiUd5hycgET0T
    xUoCR3s0HQSdgqt5AoNSQlUW6JKuEHidid3GCAriLGpJYDLzjHndrfbmICa4sD4M
    egCw/dQmZfepdiWWLeYDdmfj3kdJo+BlgASscuDWEzDdjwvmxl8ZoueVpGvZFwgw
    wAGEf5wYJiUEQao/rcdDzHyYzCRtLrzxs8GM9Z9Wpj42z1W3WO9LrHSM8F8MULbw
    /wvzhJ0CgYEA25nKXUn+0XvvHzmOMQtHvfO4Fxjtz0TNIWzMZK7B4DK9GyW61ayW
    2zI0HzKSiZ9WCne8ndfkTnrYijj24J9R9AlYv0E5JOj9IYDpUcwLd420wrnHYoNQ
    x2oi2iLjqxNg+wRYuJ7+FRSiN287bCxj5alvXOOlDgOzn86/0jZrKy0CgYEAt2LI
    cvJqUfj+tuDpjOURoCWnnfCbtZiGUz3I92WKqBB/8KFmg6EECjiQxUtG8t3Ai2Xu
    +GnSrhO7KhKCQkYWjzDrfK2tS5BBvMxs1/tXO7f47EjzKMD4unXpJYAo1AupUHeZ
    MlS5Yzf+UeZTKcaUsm4NedkX+iqFjOs+MAkpWIMCgYA6SJ0PGX6KNuyGSw5UMfw+
    jBsF9lXXtxkCkA/HgSJv0MekFuV5pK79SlvPE+sUn7eEW7cx5YTw12X1eZz8jQyB
    SqHFURhLlZLpe39xeEhq2K9rJ0el+9hKtP6/CpeGZkRNGyA5D+m7ypgrQlhxI274
    G3o1Gy5Jg+3+si7zKgJTmQKBgQCXGxVR6b+DlejD5eVrjCCO1hgcQvL6mhgspN9g
    QtISk63oKAXhdh5vEZbwiouGeQQ7mJ1lIUVQ3L8+9otQcpIKIOQZEr6VYeNY3xTc
    jqSdd4TrpVx++yq38YpPtR9vQcCcpj+cQkWTpMKw11k1NgS2VYpTGXfxUXJD4F6Y
    lCP2YwKBgHQNOex5ghEXhxsIZAly1diy2rPtfjiR9KcVjLj7Q66/KiaBgKlkMb7R
    OTp5jkXuG87ZJ49t4pvkA8ga/bYFvkOD2V/DZ5pXojjCpKgSZ/M6IWT13qVuaZkO
    lhi0mvkTu6FZqpmZ8qCx63iZZKayB6zVACaAreNu5HVKXAX1y4hh
    -----END RSA PRIVATE KEY-----
    """
    static let ecPKCS8PEM = """
    -----BEGIN PRIVATE KEY-----
    MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgQlt6ykPkhVGhVShg
    0844dxCTlk6hn5mi+6qcWbXFqBqhRANCAARILFPXgWP5CX56Gi5MsS59qS4IrPfT
    uxn/5Ko5f5hAtM4X95X+tSCj+D8QD40jNudlKZtuqfUTW0HlXZ4W/QOp
    -----END PRIVATE KEY-----
    """
    static let ecSEC1PEM = """
    -----BEGIN EC PRIVATE KEY-----
    MHcCAQEEIEJbespD5IVRoVUoYNPOOHcQk5ZOoZ+ZovuqnFm1xagaoAoGCCqGSM49
    AwEHoUQDQgAESCxT14Fj+Ql+ehouTLEufakuCKz307sZ/+SqOX+YQLTOF/eV/rUg
    o/g/EA+NIzbnZSmbbqn1E1tB5V2eFv0DqQ==
    -----END EC PRIVATE KEY-----
    """
    static let ed25519PKCS8PEM = """
    -----BEGIN PRIVATE KEY-----
    MC4CAQAwBQYDK2VwBCIEIDeH5zFAmsRHL1Lt9uigt/DTNzHsm6vW9uwmmORz+Rkv
    -----END PRIVATE KEY-----
    """
    static let rsaPublicPEM = """
    -----BEGIN PUBLIC KEY-----
    MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnU+seugjD/ELmYN6GYEV
    UIQRRtjd+WtTWRawzGmJGUNEhjcYNuKO3fO6itZ/UKA1IrikSD8uEgfgmBhwYjjc
    2OO3cobsoIY1Qv68y72NwbM8cJb/xV+QcKrJuW1VPhR1UHC6vOSAzsTMWQ2I5PGQ
    T9d1TrRNBQWl+MUhRIOi3qPjlOnD1yTFuhKA9RlLOUDLPki+B8woe3mUtLtGE4v7
    nW5faXEDnn0Xfz5v/qjC0PDOQQdq5vHkhT2vSoM/J5X7xkdwRykkpaQuSz2HTrCD
    4uLQPhtAQgMXxQPglJOTUvQUTvwCI5LVspNNpm+jUq5ITZR1f1R8watcLOVlLuOQ
    BwIDAQAB
    -----END PUBLIC KEY-----
    """

    static let ecParametersPEM = """
    -----BEGIN EC PARAMETERS-----
    BggqhkjOPQMBBw==
    -----END EC PARAMETERS-----
    """

    /// The DER inside the first PEM block of `pem`.
    static func der(_ pem: String) -> [UInt8] {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return Array(Data(base64Encoded: body)!)
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var pkcs8PEM: String
        var traditionalPEM: String?
        var kind: KeyFile.PrivateKeyKind
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "RSA 2048", pkcs8PEM: rsaPKCS8PEM, traditionalPEM: rsaPKCS1PEM, kind: .rsa(bits: 2048)),
        Case(name: "EC P-256", pkcs8PEM: ecPKCS8PEM, traditionalPEM: ecSEC1PEM, kind: .ec(.nistP256)),
        Case(name: "Ed25519", pkcs8PEM: ed25519PKCS8PEM, traditionalPEM: nil, kind: .ed25519),
    ]

    @Test(arguments: cases)
    func everyEncodingGivesTheSamePKCS8(_ key: Case) throws {
        let expected = Self.der(key.pkcs8PEM)
        var inputs: [(String, [UInt8])] = [
            ("PKCS#8 PEM", Self.bytes(key.pkcs8PEM)),
            ("PKCS#8 PEM with a trailing newline", Self.bytes(key.pkcs8PEM + "\n")),
            ("PKCS#8 PEM with CRLF", Self.bytes(key.pkcs8PEM.replacingOccurrences(of: "\n", with: "\r\n"))),
            ("PKCS#8 PEM after other text", Self.bytes("Key for the import test\n\n" + key.pkcs8PEM)),
            ("PKCS#8 DER", expected),
        ]
        if let traditional = key.traditionalPEM {
            inputs.append(("traditional PEM", Self.bytes(traditional)))
            inputs.append(("traditional DER", Self.der(traditional)))
        }
        for (label, input) in inputs {
            #expect(try KeyFile.privateKeyPKCS8(input) == expected, "\(label)")
            #expect(try KeyFile.privateKeyKind(input) == key.kind, "\(label)")
        }
    }

    @Test func ecKeyAfterAnECParametersBlock() throws {
        let input = Self.bytes(Self.ecParametersPEM + "\n" + Self.ecSEC1PEM)
        #expect(try KeyFile.privateKeyPKCS8(input) == Self.der(Self.ecPKCS8PEM))
    }

    @Test func thePKCS8IsWhatTheServerAccepts() throws {
        for (pem, spec) in [(Self.rsaPKCS1PEM, KeySpec.rsa2048), (Self.ecSEC1PEM, .eccNistP256), (Self.ed25519PKCS8PEM, .eccNistEdwards25519)] {
            let pkcs8 = try KeyFile.privateKeyPKCS8(Self.bytes(pem))
            let canonical = try ImportWrapping.canonicalMaterial(KeyMaterial(unsafeBytes: pkcs8), for: spec)
            #expect(canonical == KeyMaterial(unsafeBytes: pkcs8))
        }
    }

    @Test(arguments: [WrappingAlgorithm.rsaesOAEPSHA256, .rsaesOAEPSHA1, .rsaAESKeyWrapSHA256, .rsaAESKeyWrapSHA1])
    func wrappedPKCS8UnwrapsWithTheWrappingKey(_ algorithm: WrappingAlgorithm) throws {
        let wrappingKey = try OpenSSLKey.generate(.rsa(bits: 2048))
        let spki = try KeyFile.publicKeySPKI(try wrappingKey.spki())
        let pkcs8 = try KeyFile.privateKeyPKCS8(Self.bytes(Self.ecSEC1PEM))
        let wrapped = try ImportWrapping.wrap(material: pkcs8, publicKeyDER: spki, algorithm: algorithm)
        #expect(wrapped.count == (algorithm.isKeyWrap ? 256 + 8 + (pkcs8.count + 7) / 8 * 8 : 256))
        let unwrapped = try ImportWrapping.unwrap(wrapped, privateKey: wrappingKey, algorithm: algorithm)
        #expect(unwrapped == KeyMaterial(unsafeBytes: pkcs8))
    }

    @Test(arguments: [
        ("empty", [UInt8]()),
        ("text", Array("not a key".utf8)),
        ("32 random bytes", Array((0..<32).map { UInt8(($0 * 37 + 11) & 0xFF) })),
        ("a bare SEQUENCE", [0x30, 0x00]),
        ("truncated DER", Array(der(rsaPKCS8PEM).dropLast(10))),
        ("DER with a trailing byte", der(ecPKCS8PEM) + [0x00]),
        ("a public key (DER)", der(rsaPublicPEM)),
        ("a public key (PEM)", Array(rsaPublicPEM.utf8)),
        ("EC parameters only", Array(ecParametersPEM.utf8)),
        ("PEM with broken base64", Array(ecPKCS8PEM.replacingOccurrences(of: "MIGHAgEA", with: "M!GHAgEA").utf8)),
        ("PEM without an END line", Array(ecPKCS8PEM.replacingOccurrences(of: "-----END PRIVATE KEY-----", with: "").utf8)),
        ("an encrypted PKCS#8 PEM", Array("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIBAA==\n-----END ENCRYPTED PRIVATE KEY-----\n".utf8)),
        ("a legacy encrypted PEM", Array(rsaPKCS1PEM.replacingOccurrences(
            of: "-----BEGIN RSA PRIVATE KEY-----\n",
            with: "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n").utf8)),
    ] as [(String, [UInt8])])
    func garbageIsNotAPrivateKey(_ label: String, _ input: [UInt8]) {
        #expect(throws: KeyFile.Failure.self, "\(label)") { try KeyFile.privateKeyPKCS8(input) }
    }

    @Test func errorsNeverQuoteTheFile() {
        let secretish = Array("-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n".utf8)
        do {
            _ = try KeyFile.privateKeyPKCS8(secretish)
            Issue.record("parsed garbage")
        } catch {
            #expect(!error.description.contains("SECRET"))
        }
    }

    @Test func publicKeyFromDERPEMAndBase64Text() throws {
        let der = Self.der(Self.rsaPublicPEM)
        let base64 = Data(der).base64EncodedString()
        #expect(try KeyFile.publicKeySPKI(der) == der)
        #expect(try KeyFile.publicKeySPKI(Self.bytes(Self.rsaPublicPEM)) == der)
        #expect(try KeyFile.publicKeySPKI(Self.bytes(base64)) == der)
        #expect(try KeyFile.publicKeySPKI(Self.bytes(base64 + "\n")) == der)
        // `aws ... --output text` of a long value, wrapped by hand
        let wrapped = stride(from: 0, to: base64.count, by: 64).map { start in
            String(base64.dropFirst(start).prefix(64))
        }.joined(separator: "\n")
        #expect(try KeyFile.publicKeySPKI(Self.bytes(wrapped)) == der)
    }

    @Test(arguments: [
        ("empty", [UInt8]()),
        ("text", Array("hello world".utf8)),
        ("base64 of garbage", Array("aGVsbG8gd29ybGQ=".utf8)),
        ("a private key PEM", Array(ecPKCS8PEM.utf8)),
        ("a private key DER", der(ecPKCS8PEM)),
    ] as [(String, [UInt8])])
    func garbageIsNotAPublicKey(_ label: String, _ input: [UInt8]) {
        #expect(throws: KeyFile.Failure.self, "\(label)") { try KeyFile.publicKeySPKI(input) }
    }
}
