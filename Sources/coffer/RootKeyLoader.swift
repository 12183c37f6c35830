import Foundation
import KMSCore

/// Finds the root key and proves it matches the store.
///
/// - With `rootKey.env`: the variable must hold base64 of 32 bytes.
/// - Otherwise the file (default `<dataDir>/root.key`): created with 32 random bytes and mode 0600 when the store
///   is new; a missing file for a store that already holds a root-key check value is a start-up error.
/// The store keeps an AES-GCM check value sealed under the root key; a different root key fails to open it.
enum RootKeyLoader {
    static let checkName = "root_key_check"

    /// Reads an existing root key (never creates one): from `rootKey.env`, `rootKey.file`, or `<dataDir>/root.key`.
    static func read(source: ServerConfiguration.RootKeySource?, dataDir: String) throws -> MaterialSealer {
        if let variable = source?.env {
            guard let text = ProcessInfo.processInfo.environment[variable] else {
                throw RootKeyError.missing("the environment variable \(variable) is not set.")
            }
            guard let decoded = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw RootKeyError.unreadable("the environment variable \(variable) is not base64.")
            }
            return try MaterialSealer(rootKey: Array(decoded))
        }
        let path = source?.file ?? (dataDir as NSString).appendingPathComponent("root.key")
        guard let data = FileManager.default.contents(atPath: path) else { throw RootKeyError.missing("cannot read \(path).") }
        return try MaterialSealer(rootKey: Array(data))
    }

    static func load(source: ServerConfiguration.RootKeySource?, dataDir: String, store: any KeyStore) async throws -> MaterialSealer {
        let check = try await store.metaValue(checkName)
        let bytes: [UInt8]
        let origin: String
        if let variable = source?.env {
            guard let text = ProcessInfo.processInfo.environment[variable] else {
                throw RootKeyError.missing("the environment variable \(variable) is not set.")
            }
            guard let decoded = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw RootKeyError.unreadable("the environment variable \(variable) is not base64.")
            }
            bytes = Array(decoded)
            origin = "environment variable \(variable)"
        } else {
            let path = source?.file ?? (dataDir as NSString).appendingPathComponent("root.key")
            origin = "file \(path)"
            if FileManager.default.fileExists(atPath: path) {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw RootKeyError.unreadable("cannot read \(path).")
                }
                bytes = Array(data)
            } else if check != nil {
                throw RootKeyError.missing(
                    "\(path) does not exist, but the store already holds keys sealed under a root key. Restore the root key file."
                )
            } else {
                bytes = SystemRandom().bytes(32)
                try createSecretFile(path, contents: bytes)
            }
        }
        let sealer = try MaterialSealer(rootKey: bytes)
        if let check {
            guard sealer.verifyCheckValue(check) else {
                throw RootKeyError.mismatch("the root key from \(origin) is not the one this store was created with.")
            }
        } else {
            // Insert-if-absent: of several nodes starting together on a new store, the first writes the check value
            // and the others verify their root key against it.
            let stored = try await store.insertMetaValueIfAbsent(checkName, try sealer.makeCheckValue())
            guard sealer.verifyCheckValue(stored) else {
                throw RootKeyError.mismatch("the root key from \(origin) is not the one another node created this store with.")
            }
        }
        return sealer
    }

    /// Writes a file readable by its owner only (0600), failing if it already exists.
    static func createSecretFile(_ path: String, contents: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw RootKeyError.unreadable("cannot create \(path) (errno \(errno)).") }
        defer { close(fd) }
        let written = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(fd) == 0 else { throw RootKeyError.unreadable("cannot write \(path).") }
    }
}
