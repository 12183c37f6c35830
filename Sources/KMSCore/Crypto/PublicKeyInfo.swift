import Crypto
import Foundation
import SwiftASN1

/// Minimal DER writing for the SubjectPublicKeyInfo of ML-DSA keys (OpenSSL 3.0 does not know ML-DSA).
/// SubjectPublicKeyInfo for the key types OpenSSL 3.0 cannot write (ML-DSA), through swift-asn1's DER serializer.
enum PublicKeyInfo {
    /// `SEQUENCE { SEQUENCE { OID 2.16.840.1.101.3.4.3.<arc> }, BIT STRING key }` (FIPS 204 / RFC 9881).
    static func mlDSA(oidLastArc: UInt, key: [UInt8]) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(ASN1ObjectIdentifier(elements: [2, 16, 840, 1, 101, 3, 4, 3, oidLastArc]))
            }
            try coder.serialize(ASN1BitString(bytes: key[...]))
        }
        return serializer.serializedBytes
    }
}
