/// TagResource, UntagResource, ListResourceTags and the tag rules shared with CreateKey.
public struct TagResourceRequest: Decodable, Sendable {
    var keyID: String
    var tags: [WireTag]
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", tags = "Tags" }
}

public struct UntagResourceRequest: Decodable, Sendable {
    var keyID: String
    var tagKeys: [String]
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", tagKeys = "TagKeys" }
}

public struct ListResourceTagsRequest: Decodable, Sendable {
    var keyID: String
    var limit: Int?
    var marker: String?
    enum CodingKeys: String, CodingKey { case keyID = "KeyId", limit = "Limit", marker = "Marker" }
}

public struct ListResourceTagsResponse: Encodable, Sendable {
    var tags: [WireTag]
    var nextMarker: String?
    var truncated: Bool
    enum CodingKeys: String, CodingKey { case tags = "Tags", nextMarker = "NextMarker", truncated = "Truncated" }
}

enum TagRules {
    static let maximumTags = 50

    /// Checks tags supplied in one request: no duplicates, no `aws:` prefix in any case (`AWS:`, `Aws:`; issue 14).
    static func validate(_ tags: [WireTag]) throws(KMSError) -> [Tag] {
        var seen = Set<String>()
        for tag in tags {
            if tag.tagKey.utf8.count >= 4, tag.tagKey.prefix(4).lowercased() == "aws:" {
                throw KMSError(.tag, "Tags beginning with aws: are reserved")
            }
            if !seen.insert(tag.tagKey).inserted { throw KMSError(.tag, "Duplicate tag keys") }
        }
        if tags.count > maximumTags { throw KMSError(.tag, "Too many tags") }
        return tags.map { Tag(key: $0.tagKey, value: $0.tagValue) }
    }

    /// Adds or overwrites tags.
    static func merge(_ new: [Tag], into existing: [Tag]) throws(KMSError) -> [Tag] {
        var result = existing
        for tag in new {
            if let index = result.firstIndex(where: { $0.key == tag.key }) {
                result[index].value = tag.value
            } else {
                result.append(tag)
            }
        }
        if result.count > maximumTags { throw KMSError(.tag, "Too many tags") }
        return result
    }
}

extension KMSService {
    /// [TagResource](https://docs.aws.amazon.com/kms/latest/APIReference/API_TagResource.html)
    public func tagResource(_ request: TagResourceRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        var facts = RequestFacts()
        facts.setRequestTags(request.tags.map { Tag(key: $0.tagKey, value: $0.tagValue) })
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .tagResource, allowAlias: false, facts: facts)
        let tags = try TagRules.validate(request.tags)
        _ = try await updateKey(key, for: .tagResource) { (record: inout KeyRecord) throws(KMSError) in
            record.tags = try TagRules.merge(tags, into: record.tags)
        }
        return EmptyResponse()
    }

    /// [UntagResource](https://docs.aws.amazon.com/kms/latest/APIReference/API_UntagResource.html)
    public func untagResource(_ request: UntagResourceRequest, caller: Caller) async throws(KMSError) -> EmptyResponse {
        var facts = RequestFacts()
        facts.set("aws:TagKeys", request.tagKeys)
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .untagResource, allowAlias: false, facts: facts)
        if request.tagKeys.contains(where: { $0.hasPrefix("aws:") }) {
            throw KMSError(.tag, "Tags beginning with aws: are reserved")
        }
        let removed = Set(request.tagKeys)
        _ = try await updateKey(key, for: .untagResource) { (record: inout KeyRecord) throws(KMSError) in
            record.tags.removeAll { removed.contains($0.key) }
        }
        return EmptyResponse()
    }

    /// [ListResourceTags](https://docs.aws.amazon.com/kms/latest/APIReference/API_ListResourceTags.html)
    public func listResourceTags(_ request: ListResourceTagsRequest, caller: Caller) async throws(KMSError) -> ListResourceTagsResponse {
        let key = try await authorizedKey(request.keyID, caller: caller, operation: .listResourceTags, allowAlias: false)
        let limit = Pagination.limit(request.limit, default: 50, max: 50)
        var start = 0
        if let marker = request.marker {
            guard let offset = Int(marker), offset >= 0, offset <= key.tags.count else {
                throw KMSError(.invalidMarker, "Invalid marker '\(marker)'")
            }
            start = offset
        }
        let page = key.tags[start...].prefix(limit)
        let end = start + page.count
        let truncated = end < key.tags.count
        return ListResourceTagsResponse(
            tags: page.map { WireTag(tagKey: $0.key, tagValue: $0.value) },
            nextMarker: truncated ? String(end) : nil,
            truncated: truncated
        )
    }
}
