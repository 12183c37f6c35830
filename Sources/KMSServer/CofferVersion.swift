/// The release of this build (`coffer --version`, `coffer_build_info`).
public enum CofferVersion {
    public static let current = "0.12.0"
}
