import ArgumentParser
import Foundation
import KMSCore

enum ByokKeyType: String, CaseIterable, ExpressibleByArgument {
    case symmetric, hmac
    case privateKey = "private-key"
}
