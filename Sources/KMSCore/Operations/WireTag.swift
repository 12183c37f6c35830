import Foundation

/// A tag on the wire.
struct WireTag: Codable, Sendable, Equatable {
    var tagKey: String
    var tagValue: String
    enum CodingKeys: String, CodingKey { case tagKey = "TagKey", tagValue = "TagValue" }
}
