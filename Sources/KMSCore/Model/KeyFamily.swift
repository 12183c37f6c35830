/// The key type family of a key spec (`KeySpecRules.family`). UpdateAlias requires the old and the new key to
/// share it; GetPublicKey serves only asymmetric keys.
public enum KeyFamily: Sendable, Hashable {
    case symmetric
    case hmac
    case asymmetric
}
