import Crypto
import Foundation

/// Encrypts key material at rest with AES-256-GCM under the root key.
///
/// Sealed format (version 1): `0x01 || nonce (12) || ciphertext || tag (16)`, with associated data
/// `"coffer/material/v1" || 0x00 || keyARN || 0x00 || materialID`, so a sealed row copied onto another key
/// (or another material slot) fails to open.
public struct MaterialSealer: Sendable {
    private let rootKey: SymmetricKey
    private static let version: UInt8 = 1
    private static let checkPlaintext = Array("coffer root key check v1".utf8)

    /// - Throws: `RootKeyError.wrongLength` unless the root key is exactly 32 bytes.
    public init(rootKey bytes: [UInt8]) throws(RootKeyError) {
        guard bytes.count == 32 else { throw RootKeyError.wrongLength(bytes.count) }
        self.rootKey = SymmetricKey(data: bytes)
    }

    /// Seals material for one (key, material) slot.
    public func seal(_ material: KeyMaterial, keyARN: String, materialID: KeyMaterialID) throws(KMSError) -> [UInt8] {
        try seal(material, associatedData: Self.associatedData(keyARN: keyARN, materialID: materialID))
    }

    /// Opens material sealed for the same (key, material) slot.
    /// - Throws: `KMSInternalException` when the bytes were altered, moved, or sealed under another root key.
    public func open(_ sealed: [UInt8], keyARN: String, materialID: KeyMaterialID) throws(KMSError) -> KeyMaterial {
        try open(sealed, associatedData: Self.associatedData(keyARN: keyARN, materialID: materialID))
    }

    /// A value stored once per store, proving which root key the store was created under.
    public func makeCheckValue() throws(KMSError) -> [UInt8] {
        try seal(KeyMaterial(unsafeBytes: Self.checkPlaintext), associatedData: Array("coffer/root-key-check".utf8))
    }

    /// True when `value` was made by `makeCheckValue()` under this root key.
    public func verifyCheckValue(_ value: [UInt8]) -> Bool {
        guard let opened = try? open(value, associatedData: Array("coffer/root-key-check".utf8)) else { return false }
        return opened == KeyMaterial(unsafeBytes: Self.checkPlaintext)
    }

    /// Seals bytes for another purpose (import tokens, wrapping keys); `purpose` is the associated data.
    func seal(bytes: [UInt8], purpose: [UInt8]) throws(KMSError) -> [UInt8] {
        try seal(KeyMaterial(unsafeBytes: bytes), associatedData: purpose)
    }

    /// Opens what `seal(bytes:purpose:)` sealed with the same purpose; nil on any mismatch.
    func open(bytes: [UInt8], purpose: [UInt8]) -> KeyMaterial? {
        try? open(bytes, associatedData: purpose)
    }

    /// The material ID enters as its 64 hex digits, as it always has.
    static func associatedData(keyARN: String, materialID: KeyMaterialID) -> [UInt8] {
        var aad = Array("coffer/material/v1".utf8)
        aad.append(0)
        aad.append(contentsOf: keyARN.utf8)
        aad.append(0)
        aad.append(contentsOf: materialID.hex.utf8)
        return aad
    }

    private func seal(_ material: KeyMaterial, associatedData: [UInt8]) throws(KMSError) -> [UInt8] {
        do {
            let box = try material.withUnsafeBytes { bytes in
                try AES.GCM.seal(Data(bytes), using: rootKey, authenticating: associatedData)
            }
            var out: [UInt8] = [Self.version]
            out.append(contentsOf: box.nonce)
            out.append(contentsOf: box.ciphertext)
            out.append(contentsOf: box.tag)
            return out
        } catch {
            throw KMSError.internalFailure(error)
        }
    }

    private func open(_ sealed: [UInt8], associatedData: [UInt8]) throws(KMSError) -> KeyMaterial {
        guard sealed.count >= 1 + 12 + 16, sealed[0] == Self.version else { throw KMSError.internalFailure("sealed material has an unknown format") }
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: sealed[1..<13]),
                ciphertext: sealed[13..<(sealed.count - 16)],
                tag: sealed[(sealed.count - 16)...]
            )
            let plain = try AES.GCM.open(box, using: rootKey, authenticating: associatedData)
            return KeyMaterial(unsafeBytes: plain)
        } catch {
            throw KMSError.internalFailure("sealed material does not open under the root key: \(error)")
        }
    }
}

/// Start-up errors about the root key. Printed to stderr; the server refuses to start.
public enum RootKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case wrongLength(Int)
    case missing(String)
    case mismatch(String)
    case unreadable(String)

    public var description: String {
        switch self {
        case .wrongLength(let n): return "The root key must be exactly 32 bytes; got \(n)."
        case .missing(let detail): return "The root key is missing: \(detail)"
        case .mismatch(let detail): return "The root key does not match this store: \(detail)"
        case .unreadable(let detail): return "The root key cannot be read: \(detail)"
        }
    }
}
