import ArgumentParser
import Foundation
import KMSCore

/// `coffer byok`: bring-your-own-key helpers for KMS keys with origin EXTERNAL (Coffer or AWS KMS).
struct Byok: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "byok",
        abstract: "Wrap and import your own key material (KMS keys with origin EXTERNAL).",
        subcommands: [ByokWrap.self, ByokImport.self]
    )
}

// MARK: - Argument types

/// The wrapping algorithms a client can use outside China Regions.
enum ByokWrappingAlgorithm: String, CaseIterable, ExpressibleByArgument {
    case rsaesOAEPSHA1 = "RSAES_OAEP_SHA_1"
    case rsaesOAEPSHA256 = "RSAES_OAEP_SHA_256"
    case rsaAESKeyWrapSHA1 = "RSA_AES_KEY_WRAP_SHA_1"
    case rsaAESKeyWrapSHA256 = "RSA_AES_KEY_WRAP_SHA_256"

    var algorithm: WrappingAlgorithm {
        switch self {
        case .rsaesOAEPSHA1: return .rsaesOAEPSHA1
        case .rsaesOAEPSHA256: return .rsaesOAEPSHA256
        case .rsaAESKeyWrapSHA1: return .rsaAESKeyWrapSHA1
        case .rsaAESKeyWrapSHA256: return .rsaAESKeyWrapSHA256
        }
    }
}

enum ByokWrappingKeySpec: String, CaseIterable, ExpressibleByArgument {
    case rsa2048 = "RSA_2048", rsa3072 = "RSA_3072", rsa4096 = "RSA_4096"
}

enum ByokKeyType: String, CaseIterable, ExpressibleByArgument {
    case symmetric, hmac
    case privateKey = "private-key"
}

enum ByokExpirationModel: String, CaseIterable, ExpressibleByArgument {
    case expires = "KEY_MATERIAL_EXPIRES"
    case doesNotExpire = "KEY_MATERIAL_DOES_NOT_EXPIRE"
}

enum ByokImportType: String, CaseIterable, ExpressibleByArgument {
    case new = "NEW_KEY_MATERIAL"
    case existing = "EXISTING_KEY_MATERIAL"
}

// MARK: - Shared helpers

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

// MARK: - coffer byok wrap

/// `coffer byok wrap`: wraps key material offline with a wrapping public key from GetParametersForImport.
struct ByokWrap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wrap",
        abstract: "Wrap key material with a wrapping public key (offline).",
        discussion: """
            Produces the EncryptedKeyMaterial of ImportKeyMaterial: RSA-OAEP of the material (RSAES_OAEP_*), or \
            RSA-OAEP of an ephemeral AES-256 key followed by AES key wrap with padding of the material \
            (RSA_AES_KEY_WRAP_*). Private keys (PEM or DER; PKCS#8, PKCS#1 or SEC1) are converted to PKCS#8 DER first.
            """
    )

    @Option(name: .customLong("public-key"), help: ArgumentHelp(
        "The wrapping public key: DER SubjectPublicKeyInfo, PEM, or the base64 text of GetParametersForImport's PublicKey.",
        valueName: "file"))
    var publicKey: String

    @Option(name: .customLong("wrapping-algorithm"), help: ArgumentHelp(
        "The algorithm chosen in GetParametersForImport.", valueName: "algorithm"))
    var wrappingAlgorithm: ByokWrappingAlgorithm

    @Option(name: .customLong("key-file"), help: ArgumentHelp(
        "The key material: raw bytes (symmetric, HMAC) or a private key (PEM or DER).", valueName: "file"))
    var keyFile: String

    @Option(name: .customLong("key-type"), help: ArgumentHelp(
        "How to read --key-file (default: a private key if it parses as one, else raw bytes).", valueName: "type"))
    var keyType: ByokKeyType?

    @Option(name: .customLong("out"), help: ArgumentHelp(
        "Where to write the EncryptedKeyMaterial (default: standard output).", valueName: "file"))
    var out: String?

    @Flag(name: .customLong("base64"), help: "Write base64 text instead of binary.")
    var base64 = false

    func validate() throws {
        if out == nil && !base64 && isatty(STDOUT_FILENO) == 1 {
            throw ValidationError("Refusing to write binary to a terminal; pass --out FILE or --base64.")
        }
    }

    func run() async throws {
        try await ByokSupport.reporting {
            let spki: [UInt8]
            do {
                spki = try KeyFile.publicKeySPKI(try ByokSupport.read(publicKey, what: "public key file"))
            } catch let error as KeyFile.Failure {
                throw BYOKError(error.description)
            }
            let material = try ByokSupport.material(from: try ByokSupport.read(keyFile, what: "key file"), type: keyType)
            let wrapped = try ImportWrapping.wrap(material: material, publicKeyDER: spki, algorithm: wrappingAlgorithm.algorithm)
            let output = base64 ? Data((Data(wrapped).base64EncodedString() + "\n").utf8) : Data(wrapped)
            if let out {
                do {
                    try output.write(to: URL(fileURLWithPath: out))
                } catch {
                    throw BYOKError("cannot write \(out).")
                }
            } else {
                FileHandle.standardOutput.write(output)
            }
        }
    }
}

// MARK: - coffer byok import

/// `coffer byok import`: DescribeKey, GetParametersForImport, local wrapping, ImportKeyMaterial.
struct ByokImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import key material into a KMS key in one step (Coffer or AWS KMS).",
        discussion: """
            Calls DescribeKey (to learn the key spec), GetParametersForImport, wraps the material locally and calls \
            ImportKeyMaterial; prints the result (KeyId, KeyMaterialId) as JSON. Credentials, region and endpoint \
            come from the standard AWS environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, \
            AWS_REGION or AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_KMS or AWS_ENDPOINT_URL (default \
            https://kms.<region>.amazonaws.com).
            """
    )

    @Option(name: .customLong("key-id"), help: ArgumentHelp("The KMS key (key ID or key ARN).", valueName: "key"))
    var keyID: String

    @Option(name: .customLong("key-file"), help: ArgumentHelp(
        "The key material: raw bytes for symmetric and HMAC keys; a private key (PEM or DER; PKCS#8, PKCS#1 or SEC1) for asymmetric keys.",
        valueName: "file"))
    var keyFile: String

    @Option(name: .customLong("wrapping-algorithm"), help: ArgumentHelp(
        "Default: RSA_AES_KEY_WRAP_SHA_256 for private keys, RSAES_OAEP_SHA_256 otherwise.", valueName: "algorithm"))
    var wrappingAlgorithm: ByokWrappingAlgorithm?

    @Option(name: .customLong("wrapping-key-spec"), help: ArgumentHelp("The wrapping key size.", valueName: "spec"))
    var wrappingKeySpec: ByokWrappingKeySpec = .rsa4096

    @Option(name: .customLong("expiration-model"), help: ArgumentHelp(
        "Default: KEY_MATERIAL_EXPIRES with --valid-to, else KEY_MATERIAL_DOES_NOT_EXPIRE.", valueName: "model"))
    var expirationModel: ByokExpirationModel?

    @Option(name: .customLong("valid-to"), help: ArgumentHelp(
        "When the key material expires: ISO 8601 (2026-01-31T12:00:00Z) or epoch seconds.", valueName: "time"))
    var validTo: String?

    @Option(name: .customLong("import-type"), help: ArgumentHelp("Symmetric keys only.", valueName: "type"))
    var importType: ByokImportType?

    @Option(name: .customLong("key-material-description"), help: ArgumentHelp("Symmetric keys only.", valueName: "text"))
    var keyMaterialDescription: String?

    @Option(name: .customLong("key-material-id"), help: ArgumentHelp(
        "Symmetric keys only: the ID of the material being reimported.", valueName: "id"))
    var keyMaterialID: String?

    @Option(name: .customLong("endpoint-url"), help: ArgumentHelp("The KMS endpoint.", valueName: "url"))
    var endpointURL: String?

    @Option(help: ArgumentHelp("The AWS Region.", valueName: "region"))
    var region: String?

    func validate() throws {
        if let validTo, ByokSupport.parseTimestamp(validTo) == nil {
            throw ValidationError("--valid-to must be ISO 8601 (e.g. 2026-01-31T12:00:00Z) or epoch seconds.")
        }
        if expirationModel == .expires && validTo == nil {
            throw ValidationError("--expiration-model KEY_MATERIAL_EXPIRES needs --valid-to.")
        }
        if expirationModel == .doesNotExpire && validTo != nil {
            throw ValidationError("--valid-to cannot be used with --expiration-model KEY_MATERIAL_DOES_NOT_EXPIRE.")
        }
    }

    func run() async throws {
        try await ByokSupport.reporting {
            let file = try ByokSupport.read(keyFile, what: "key file")
            let configuration = try AWSClientConfiguration.resolve(
                endpointURL: endpointURL, region: region, environment: ProcessInfo.processInfo.environment
            )
            let client = KMSClient(configuration: configuration)

            let described = try await client.call(
                "DescribeKey", KMSWire.DescribeKeyRequest(KeyId: keyID), as: KMSWire.DescribeKeyResponse.self
            )
            let metadata = described.KeyMetadata
            let keySpec = metadata.KeySpec ?? metadata.CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT"
            let keyType: ByokKeyType =
                keySpec == "SYMMETRIC_DEFAULT" ? .symmetric : keySpec.hasPrefix("HMAC_") ? .hmac : .privateKey
            let material = try ByokSupport.material(from: file, type: keyType)
            let target = metadata.Arn ?? keyID

            let algorithm = wrappingAlgorithm ?? (keyType == .privateKey ? .rsaAESKeyWrapSHA256 : .rsaesOAEPSHA256)
            let parameters = try await client.call(
                "GetParametersForImport",
                KMSWire.GetParametersForImportRequest(KeyId: target, WrappingAlgorithm: algorithm.rawValue, WrappingKeySpec: wrappingKeySpec.rawValue),
                as: KMSWire.GetParametersForImportResponse.self
            )
            let wrapped: [UInt8]
            do {
                let spki = try KeyFile.publicKeySPKI(Array(parameters.PublicKey))
                wrapped = try ImportWrapping.wrap(material: material, publicKeyDER: spki, algorithm: algorithm.algorithm)
            } catch let error as KeyFile.Failure {
                throw BYOKError("GetParametersForImport returned an unusable wrapping key: \(error.description)")
            }

            let validToDate = validTo.flatMap(ByokSupport.parseTimestamp)
            let model = expirationModel ?? (validToDate == nil ? .doesNotExpire : .expires)
            let request = KMSWire.ImportKeyMaterialRequest(
                KeyId: target,
                ImportToken: parameters.ImportToken,
                EncryptedKeyMaterial: Data(wrapped),
                ExpirationModel: model.rawValue,
                ValidTo: validToDate.map { $0.timeIntervalSince1970.rounded(.down) },
                ImportType: importType?.rawValue,
                KeyMaterialDescription: keyMaterialDescription,
                KeyMaterialId: keyMaterialID
            )
            let result = try await client.call("ImportKeyMaterial", request, as: KMSWire.ImportKeyMaterialResponse.self)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let json = try encoder.encode(result)
            FileHandle.standardOutput.write(json + Data("\n".utf8))
        }
    }
}
