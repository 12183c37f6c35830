import Crypto
import KMSCore
import SigV4

/// The audit file's tamper evidence (docs/audit.md). Each line is `B,"cofferHash":"H"}`: `B` is the event ending with
/// `"cofferChain":{"sequence":N,"previous":"P"}`, `H` the lowercase hex SHA-256 of `B`'s bytes, `P` the previous
/// record's `H` (64 zeros before the first record), `N` the previous record's plus one. Editing, inserting, removing
/// or reordering lines breaks the chain at the first line touched.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)
    static let hashMember = Array(",\"cofferHash\":\"".utf8)
    /// `,"cofferHash":"` + 64 hex digits + `"}`.
    static let trailerLength = hashMember.count + 64 + 2

    /// A verified line.
    public struct Record: Sendable {
        public var sequence: UInt64
        public var previous: String
        public var hash: String
        /// The event, chain members included.
        public var event: JSONValue
    }

    /// Appends the chain members and the hash to an event (given without its closing brace).
    static func seal(_ body: [UInt8], sequence: UInt64, previous: String) -> (line: [UInt8], hash: String) {
        var line = body
        line.reserveCapacity(body.count + 64 + 40 + trailerLength + 1)
        line.append(contentsOf: Array(",\"cofferChain\":{\"sequence\":\(sequence),\"previous\":\"\(previous)\"}".utf8))
        let hash = Hex.encode(Array(SHA256.hash(data: line)))
        line.append(contentsOf: hashMember)
        line.append(contentsOf: Array(hash.utf8))
        line.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "}")])
        return (line, hash)
    }

    /// Checks one line on its own (its hash and shape); the links between lines are the caller's to check.
    /// - Returns: the record, or why the line is broken.
    public static func open(_ line: ArraySlice<UInt8>) -> Result<Record, Failure> {
        guard line.count > trailerLength, line.last == UInt8(ascii: "}") else { return .failure(Failure("not a chained audit record")) }
        let hashStart = line.endIndex - 2 - 64
        let bodyEnd = hashStart - hashMember.count
        guard Array(line[bodyEnd..<hashStart]) == hashMember, line[line.endIndex - 2] == UInt8(ascii: "\"") else {
            return .failure(Failure("not a chained audit record"))
        }
        let stated = String(decoding: line[hashStart..<(hashStart + 64)], as: UTF8.self)
        let body = Array(line[line.startIndex..<bodyEnd])
        let computed = Hex.encode(Array(SHA256.hash(data: body)))
        guard computed == stated else { return .failure(Failure("hash mismatch: the record was altered")) }
        guard let event = try? JSONParser.parse(body + [UInt8(ascii: "}")]),
            case .number(let sequence, _)? = event["cofferChain"]?["sequence"], sequence >= 1, sequence == sequence.rounded(),
            case .string(let previous)? = event["cofferChain"]?["previous"]
        else { return .failure(Failure("malformed chain members")) }
        return .success(Record(sequence: UInt64(sequence), previous: previous, hash: stated, event: event))
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    /// Verifies files in chain order: each line's hash, and each record's link to the one before (across files).
    public struct Verifier {
        public private(set) var records = 0
        public private(set) var first: UInt64?
        public private(set) var last: (sequence: UInt64, hash: String)?

        public init() {}

        /// Checks the next line; throws the reason it breaks the chain.
        public mutating func check(_ line: ArraySlice<UInt8>) throws(Failure) -> Record {
            let record: Record
            switch AuditChain.open(line) {
            case .success(let opened): record = opened
            case .failure(let failure): throw failure
            }
            if let last {
                guard record.sequence == last.sequence + 1 else {
                    throw Failure("sequence \(record.sequence) follows \(last.sequence): records are missing or out of order")
                }
                guard record.previous == last.hash else { throw Failure("previous hash does not match the record before") }
            } else if record.sequence == 1 && record.previous != AuditChain.genesis {
                throw Failure("the first record does not start the chain")
            }
            if first == nil { first = record.sequence }
            last = (record.sequence, record.hash)
            records += 1
            return record
        }
    }

    /// Splits a file's bytes into lines (without their newline), with 1-based line numbers.
    public static func lines(_ bytes: [UInt8]) -> [(number: Int, line: ArraySlice<UInt8>)] {
        var result: [(Int, ArraySlice<UInt8>)] = []
        var start = bytes.startIndex
        var number = 1
        for index in bytes.indices where bytes[index] == 0x0A {
            result.append((number, bytes[start..<index]))
            start = index + 1
            number += 1
        }
        if start < bytes.endIndex { result.append((number, bytes[start..<bytes.endIndex])) }
        return result
    }
}
