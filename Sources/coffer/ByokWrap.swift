import ArgumentParser
import Foundation
import KMSCore

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
