import ArgumentParser
import Foundation
import KMSCore

enum ByokSupport {
    /// Reads a whole file; the error names the file only.
    static func read(_ path: String, what: String) throws(BYOKError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BYOKError("cannot read the \(what) \(path).")
        }
        guard !data.isEmpty else { throw BYOKError("the \(what) \(path) is empty.") }
        return Array(data)
    }

    /// The plaintext key material of `file` for a key type: raw bytes for symmetric and HMAC keys, PKCS#8 DER for
    /// private keys. Without a type: a file that parses as a private key is one, anything else is raw bytes
    /// (but PEM text that is not a usable private key is an error, never raw material).
    static func material(from file: [UInt8], type: ByokKeyType?) throws(BYOKError) -> [UInt8] {
        do {
            switch type {
            case .symmetric?, .hmac?:
                return file
            case .privateKey?:
                return try KeyFile.privateKeyPKCS8(file)
            case nil:
                if let pkcs8 = try? KeyFile.privateKeyPKCS8(file) { return pkcs8 }
                if KeyFile.looksLikePEM(file) { _ = try KeyFile.privateKeyPKCS8(file) }
                return file
            }
        } catch {
            throw BYOKError(error.description)
        }
    }

    /// Writes `message` and a newline to standard error.
    static func complain(_ message: String) {
        FileHandle.standardError.write(Data("coffer: \(message)\n".utf8))
    }

    /// Runs `body`, reporting failures as `coffer: ...` on standard error with exit status 1.
    static func reporting(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as AWSServiceError {
            complain(error.description)
            throw ExitCode(1)
        } catch let error as BYOKError {
            complain(error.description)
            throw ExitCode(1)
        } catch let error as KMSError {
            complain(error.message)
            throw ExitCode(1)
        }
    }

    /// `--valid-to`: epoch seconds, or ISO 8601 (`2026-01-31T12:00:00Z`, with fractional seconds or an offset;
    /// without a zone it is UTC; a bare date is midnight UTC).
    static func parseTimestamp(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(trimmed), seconds.isFinite, trimmed.first?.isNumber ?? false {
            return Date(timeIntervalSince1970: seconds)
        }
        let formats: [ISO8601DateFormatter.Options] = [
            [.withInternetDateTime],
            [.withInternetDateTime, .withFractionalSeconds],
            [.withFullDate, .withTime, .withColonSeparatorInTime, .withDashSeparatorInDate],
            [.withFullDate, .withDashSeparatorInDate],
        ]
        for options in formats {
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.formatOptions = options
            if let date = formatter.date(from: trimmed) { return date }
        }
        return nil
    }
}
