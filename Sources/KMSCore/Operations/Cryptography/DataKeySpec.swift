import Foundation

public enum DataKeySpec: String, Sendable, Codable {
    case aes256 = "AES_256", aes128 = "AES_128"
}
