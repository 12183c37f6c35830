import ArgumentParser
import KMSCore

/// `--key-material-id`: parsed once, on the command line, as 64 lower-case hex digits (what AWS's model requires).
extension KeyMaterialID: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(hex: argument)
    }
}
