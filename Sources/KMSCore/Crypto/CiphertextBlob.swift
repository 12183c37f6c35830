import Crypto
import Foundation
import SigV4

/// Coffer's symmetric ciphertext blob (docs/ciphertext-format.md), version 1 (single-Region keys) or 2 (multi-Region
/// keys):
///
/// ```
/// offset  size  field
/// 0       1     version = 0x01 or 0x02
/// 1       36    key ID (ASCII: a UUID or mrk-<32 hex>)
/// 37      32    key material ID (its 32 raw bytes; the KeyMaterialId is their 64 hex digits)
/// 69      16    salt for the per-ciphertext key
/// 85      12    AES-GCM nonce
/// 97      n     AES-256-GCM ciphertext
/// 97+n    16    AES-GCM tag
/// ```
///
/// The data key is `HKDF-SHA256(ikm = key material, salt = salt, info = "coffer/ciphertext/v<version>")`, 32 bytes.
/// The associated data is `header (bytes 0..<85) || u32be(len(binding)) || binding || encryption context encoding`,
/// where the binding is the key ARN (version 1) or, for multi-Region keys, the key ARN without its Region (version
/// 2: `arn:<partition>:kms::<account>:key/mrk-…`), so that related multi-Region keys in every Region open it. The blob
/// names its key and material, and any altered byte, another key, another account (or, for version 1, another Region),
/// or another encryption context fails authentication. Every version ever written keeps opening.
public struct CiphertextBlob: Sendable, Equatable {
    /// Single-Region keys, and multi-Region keys before version 2.
    public static let version: UInt8 = 1
    /// Multi-Region keys: bound to partition, account, key ID and material, not to the Region.
    public static let multiRegionVersion: UInt8 = 2
    static let headerSize = 1 + 36 + 32 + 16
    static let overhead = headerSize + 12 + 16

    public var version: UInt8
    public var keyID: KeyID
    public var materialID: KeyMaterialID
    var salt: [UInt8]
    var nonce: [UInt8]
    var ciphertext: [UInt8]
    var tag: [UInt8]

    /// Parses a blob; nil when it is not a Coffer blob (version 2 only for multi-Region key IDs).
    public init?(bytes: [UInt8]) {
        guard bytes.count >= Self.overhead, bytes[0] == Self.version || bytes[0] == Self.multiRegionVersion else { return nil }
        guard let keyID = KeyID(String(decoding: bytes[1..<37], as: UTF8.self)) else { return nil }
        guard bytes[0] == Self.version || keyID.isMultiRegion, let materialID = KeyMaterialID(bytes: bytes[37..<69]) else { return nil }
        self.version = bytes[0]
        self.keyID = keyID
        self.materialID = materialID
        self.salt = Array(bytes[69..<85])
        self.nonce = Array(bytes[85..<97])
        self.ciphertext = Array(bytes[97..<(bytes.count - 16)])
        self.tag = Array(bytes[(bytes.count - 16)...])
    }

    var header: [UInt8] {
        var out: [UInt8] = [version]
        out.append(contentsOf: keyID.rawValue.utf8)
        out.append(contentsOf: materialID.bytes)
        out.append(contentsOf: salt)
        return out
    }

    public var bytes: [UInt8] { header + nonce + ciphertext + tag }

    /// Encrypts `plaintext` under a symmetric key material: version 2 for a multi-Region key, else version 1.
    static func seal(
        _ plaintext: [UInt8], material: KeyMaterial, keyID: KeyID, keyARN: String, materialID: KeyMaterialID,
        context: [String: String]?, random: any RandomSource
    ) throws(KMSError) -> CiphertextBlob {
        var blob = CiphertextBlob(
            version: keyID.isMultiRegion ? Self.multiRegionVersion : Self.version, keyID: keyID, materialID: materialID,
            salt: random.bytes(16), nonce: random.bytes(12), ciphertext: [], tag: []
        )
        do {
            let key = blob.dataKey(material)
            let box = try AES.GCM.seal(
                plaintext, using: key, nonce: AES.GCM.Nonce(data: blob.nonce),
                authenticating: blob.associatedData(keyARN: keyARN, context: context)
            )
            blob.ciphertext = Array(box.ciphertext)
            blob.tag = Array(box.tag)
            return blob
        } catch {
            throw KMSError.internalFailure(error)
        }
    }

    /// Decrypts; any mismatch is `InvalidCiphertextException`.
    func open(material: KeyMaterial, keyARN: String, context: [String: String]?) throws(KMSError) -> [UInt8] {
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonce), ciphertext: ciphertext, tag: tag)
            let plain = try AES.GCM.open(box, using: dataKey(material), authenticating: associatedData(keyARN: keyARN, context: context))
            return Array(plain)
        } catch {
            throw KMSError(.invalidCiphertext, "")
        }
    }

    private init(version: UInt8, keyID: KeyID, materialID: KeyMaterialID, salt: [UInt8], nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        self.version = version
        self.keyID = keyID
        self.materialID = materialID
        self.salt = salt
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }

    static let dataKeyInfo = Array("coffer/ciphertext/v1".utf8)
    static let multiRegionDataKeyInfo = Array("coffer/ciphertext/v2".utf8)

    /// HKDF-SHA256 (RFC 5869) with a 32-byte output, which is one extract and a single expand block:
    /// `PRK = HMAC(salt, ikm)`, `OKM = HMAC(PRK, info || 0x01)`. Written out (on SigV4's `HMACSHA256`) because the
    /// generic `HKDF` and `HMAC` cost a measurable share of an Encrypt; a unit test checks it against
    /// `HKDF<SHA256>.deriveKey`.
    func dataKey(_ material: KeyMaterial) -> SymmetricKey {
        var extract = HMACSHA256(key: salt)
        material.withUnsafeBytes { extract.update($0) }
        let prk = extract.finalize()
        var expand = prk.withUnsafeBytes { HMACSHA256(key: $0) }
        expand.update(version == Self.multiRegionVersion ? Self.multiRegionDataKeyInfo : Self.dataKeyInfo)
        expand.update([0x01])
        return SymmetricKey(data: expand.finalize())
    }

    private func associatedData(keyARN: String, context: [String: String]?) -> [UInt8] {
        var aad = header
        let binding = version == Self.multiRegionVersion ? Self.regionlessARN(keyARN) : keyARN
        EncryptionContextEncoding.append(UInt32(binding.utf8.count), to: &aad)
        aad.append(contentsOf: binding.utf8)
        aad.append(contentsOf: EncryptionContextEncoding.encode(context))
        return aad
    }

    /// `arn:<partition>:kms:<region>:<account>:key/<id>` without its Region: `arn:<partition>:kms::<account>:key/<id>`.
    static func regionlessARN(_ arn: String) -> String {
        let parts = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6 else { return arn }
        return "\(parts[0]):\(parts[1]):\(parts[2])::\(parts[4]):\(parts[5])"
    }
}
