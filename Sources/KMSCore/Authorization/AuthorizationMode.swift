import Foundation
import Logging

/// How the server applies authorization decisions (`"authorization"` in the configuration file).
public enum AuthorizationMode: String, Sendable, Codable, CaseIterable {
    /// Denials are refused with AccessDeniedException, as AWS does (the default).
    case enforce
    /// Every request is evaluated; a would-be denial is logged (`kms.authz.would_deny`) and the request proceeds.
    case audit
    /// Nothing is evaluated: every authenticated identity may do everything to the keys it can name.
    case off
}
