#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import KMSCore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The audit log (docs/audit.md): one CloudTrail-shaped JSON line per request and per background event, hash-chained,
/// appended to a file that rotates by size. Requests hand their event over; one writer task (a Service) writes
/// whatever is pending in one `write(2)` (group commit).
/// - sync: a request is answered only after its event is in the file; if writing fails, it is answered
///   KMSInternalException, and while the last write failed new requests are refused before they act.
/// - async: a bounded buffer; a full buffer drops events, counted in metrics and logged.
public final class AuditLog: Sendable, ServiceEventSink, Service {
    public enum Mode: String, Sendable, Decodable {
        case sync
        case async
    }

    public struct Configuration: Sendable {
        public var path: String
        public var mode: Mode
        public var maxFileBytes: Int
        public var bufferEvents: Int

        public init(path: String, mode: Mode = .sync, maxFileBytes: Int = 100 << 20, bufferEvents: Int = 10_000) {
            self.path = path
            self.mode = mode
            self.maxFileBytes = maxFileBytes
            self.bufferEvents = bufferEvents
        }
    }

    public struct OpenError: Error, CustomStringConvertible {
        public var description: String
    }

    private struct Entry {
        var body: [UInt8]
        var done: CheckedContinuation<Bool, Never>?
    }

    private struct State {
        var pending: [Entry] = []
        var wake: CheckedContinuation<Void, Never>?
        var stopping = false
        var finished = false
        var failing = false
        var lastDropWarning: ContinuousClock.Instant?
    }

    public let configuration: Configuration
    private let logger: Logger
    private let state = Mutex(State())
    private let file: Mutex<AuditFile>

    private let written = Counter(label: "coffer_audit_events_total")
    private let failures = Counter(label: "coffer_audit_write_failures_total")
    private let dropped = Counter(label: "coffer_audit_events_dropped_total")

    /// Opens (creating) the file for appending and picks up the chain where the file, or its last rotated file, ends.
    public init(configuration: Configuration, logger: Logger) throws(OpenError) {
        self.configuration = configuration
        self.logger = logger
        self.file = Mutex(try AuditFile(path: configuration.path, maxBytes: configuration.maxFileBytes, logger: logger))
    }

    /// Events waiting to be written.
    public var queueDepth: Int { state.withLock { $0.pending.count } }

    /// True while the last write failed (sync mode then refuses requests before they act).
    public var isFailing: Bool { state.withLock { $0.failing } }

    /// Hands over a request's event. sync: returns once written (true) or failed (false). async: returns at once;
    /// false when the buffer was full and the event dropped.
    func record(_ body: [UInt8]) async -> Bool {
        switch configuration.mode {
        case .sync:
            return await withCheckedContinuation { continuation in
                enqueue(Entry(body: body, done: continuation))
            }
        case .async:
            return enqueue(Entry(body: body, done: nil))
        }
    }

    /// Background events never wait; in async mode they share the buffer's bound.
    public func record(_ event: ServiceEvent) {
        let eventID = UsageRecorder.eventID(forRequest: "service-event/\(event.name.rawValue)/\(event.keyARN)/\(event.time.timeIntervalSince1970)")
        _ = enqueue(Entry(body: AuditRecord.serviceEvent(event, eventID: eventID), done: nil))
    }

    @discardableResult
    private func enqueue(_ entry: Entry) -> Bool {
        enum Outcome { case queued(CheckedContinuation<Void, Never>?), full, finished }
        let bounded = configuration.mode == .async
        let outcome = state.withLock { state -> Outcome in
            if state.finished { return .finished }
            if bounded && state.pending.count >= configuration.bufferEvents { return .full }
            state.pending.append(entry)
            let wake = state.wake
            state.wake = nil
            return .queued(wake)
        }
        switch outcome {
        case .queued(let wake):
            wake?.resume()
            return true
        case .full:
            dropped.increment()
            let warn = state.withLock { state -> Bool in
                let now = ContinuousClock.now
                if let last = state.lastDropWarning, now - last < .seconds(10) { return false }
                state.lastDropWarning = now
                return true
            }
            if warn {
                logger.warning("kms.audit.dropped", metadata: ["kms.audit.buffer_events": "\(configuration.bufferEvents)"])
            }
            return false
        case .finished:
            entry.done?.resume(returning: false)
            return false
        }
    }

    public func run() async {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await writeUntilStopped()
            } onCancel: {
                self.stop()
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    private func stop() {
        let wake = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.stopping = true
            let wake = state.wake
            state.wake = nil
            return wake
        }
        wake?.resume()
    }

    private func writeUntilStopped() async {
        while let batch = await nextBatch() {
            let ok = file.withLock { $0.append(batch.map(\.body)) }
            state.withLock { $0.failing = !ok }
            if ok {
                written.increment(by: batch.count)
            } else {
                failures.increment()
            }
            for entry in batch { entry.done?.resume(returning: ok) }
        }
        file.withLock { $0.close() }
    }

    /// The pending events, waiting for some; nil once stopping and nothing is left (then no more are accepted).
    private func nextBatch() async -> [Entry]? {
        while true {
            enum Next { case batch([Entry]), done, wait }
            let next = state.withLock { state -> Next in
                if !state.pending.isEmpty {
                    let batch = state.pending
                    state.pending = []
                    return .batch(batch)
                }
                if state.stopping {
                    state.finished = true
                    return .done
                }
                return .wait
            }
            switch next {
            case .batch(let batch): return batch
            case .done: return nil
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        if !state.pending.isEmpty || state.stopping { return true }
                        state.wake = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }
}

/// The open audit file and the chain's head. Used by the writer only (under the log's lock).
struct AuditFile: ~Copyable {
    let path: String
    let maxBytes: Int
    let logger: Logger
    private var descriptor: Int32
    private var size: Int
    private(set) var sequence: UInt64
    private(set) var head: String

    init(path: String, maxBytes: Int, logger: Logger) throws(AuditLog.OpenError) {
        self.path = path
        self.maxBytes = maxBytes
        self.logger = logger
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw AuditLog.OpenError(description: "Cannot open the audit file \(path) for appending: \(String(cString: strerror(errno))).")
        }
        self.descriptor = descriptor
        self.size = max(0, Int(lseek(descriptor, 0, SEEK_END)))
        let tail = Self.chainHead(path: path)
        self.sequence = tail?.sequence ?? 0
        self.head = tail?.hash ?? AuditChain.genesis
        if let tail, tail.endsMidLine {
            // A crash cut the last line short: start on a fresh line (verify reports the cut line).
            _ = Self.writeAll(descriptor, Array("\n".utf8))
            logger.warning("kms.audit.truncated_line", metadata: ["kms.audit.file": "\(path)"])
        }
    }

    /// Seals and appends events in one write; on failure nothing is kept (the file is cut back) and the chain's head
    /// does not move.
    mutating func append(_ bodies: [[UInt8]]) -> Bool {
        guard descriptor >= 0 else { return false }
        var out: [UInt8] = []
        out.reserveCapacity(bodies.reduce(0) { $0 + $1.count + 200 })
        var sequence = self.sequence
        var head = self.head
        for body in bodies {
            sequence += 1
            let sealed = AuditChain.seal(body, sequence: sequence, previous: head)
            head = sealed.hash
            out.append(contentsOf: sealed.line)
            out.append(0x0A)
        }
        guard Self.writeAll(descriptor, out) else {
            let reason = String(cString: strerror(errno))
            _ = ftruncate(descriptor, off_t(size))
            logger.error("kms.audit.write_failed", metadata: ["kms.audit.file": "\(path)", "kms.cause": "\(reason)"])
            return false
        }
        self.sequence = sequence
        self.head = head
        size += out.count
        if size >= maxBytes { rotate() }
        return true
    }

    /// Renames the full file `<path>.<last sequence, 12 digits>` and starts a new one.
    private mutating func rotate() {
        let digits = String(sequence)
        let rotated = path + "." + String(repeating: "0", count: max(0, 12 - digits.count)) + digits
        guard rename(path, rotated) == 0 else {
            logger.error("kms.audit.rotate_failed", metadata: ["kms.audit.file": "\(path)", "kms.cause": "\(String(cString: strerror(errno)))"])
            return
        }
        let fresh = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fresh >= 0 else {
            logger.error("kms.audit.reopen_failed", metadata: ["kms.audit.file": "\(path)", "kms.cause": "\(String(cString: strerror(errno)))"])
            return
        }
        Glibc.close(descriptor)
        descriptor = fresh
        size = 0
        logger.info("kms.audit.rotated", metadata: ["kms.audit.file": "\(rotated)"])
    }

    mutating func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += count
        }
        return true
    }

    /// The last intact record of the file, or of the newest rotated file when the file has none.
    static func chainHead(path: String) -> (sequence: UInt64, hash: String, endsMidLine: Bool)? {
        if let found = lastRecord(in: path) { return found }
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + "."
        let rotated = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.count == prefix.count + 12 && $0.dropFirst(prefix.count).allSatisfy(\.isNumber) }
            .sorted()
        for name in rotated.reversed() {
            if let found = lastRecord(in: (directory as NSString).appendingPathComponent(name)) {
                return (found.sequence, found.hash, false)
            }
        }
        return nil
    }

    private static func lastRecord(in path: String) -> (sequence: UInt64, hash: String, endsMidLine: Bool)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let end = try? handle.seekToEnd(), end > 0 else { return nil }
        let window: UInt64 = 4 << 20
        let start = end > window ? end - window : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return nil }
        let bytes = Array(data)
        let endsMidLine = bytes.last != 0x0A
        for (_, line) in AuditChain.lines(bytes).reversed() {
            if case .success(let record) = AuditChain.open(line) { return (record.sequence, record.hash, endsMidLine) }
        }
        return nil
    }
}
