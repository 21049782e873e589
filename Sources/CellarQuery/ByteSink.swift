import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A buffered byte writer to a file descriptor (a file, or standard output for `-`):
/// values are formatted straight into one big buffer that is written with `write(2)` when
/// full. No allocation per value.
///
/// Not thread-safe: one writer owns it.
public final class ByteSink {
    public let path: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var capacity: Int
    /// No file: the buffer grows instead of being written (`init(memoryCapacity:)`).
    private let inMemory: Bool
    @usableFromInline var buffer: UnsafeMutablePointer<UInt8>
    @usableFromInline var count = 0
    /// Bytes written so far (flushed or buffered).
    public private(set) var totalBytes = 0

    /// Opens `path` for writing (created or truncated); `nil` or `-` is standard output.
    public init(path: String?, capacity: Int = 1 << 22) throws(QueryError) {
        if let path, path != "-" {
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw .output(path: path, reason: String(cString: strerror(errno))) }
            self.fd = fd
            self.path = path
            ownsDescriptor = true
        } else {
            fd = 1
            self.path = "standard output"
            ownsDescriptor = false
        }
        self.capacity = capacity
        inMemory = false
        buffer = .allocate(capacity: capacity)
    }

    /// An in-memory sink: the buffer grows as needed (doubling) and is never written; read it
    /// with `withBytes`, empty it with `removeAll`. For workers that format a chunk for an
    /// ordered writer.
    public init(memoryCapacity: Int) {
        fd = -1
        path = "memory"
        ownsDescriptor = false
        capacity = max(memoryCapacity, 1 << 12)
        inMemory = true
        buffer = .allocate(capacity: capacity)
    }

    /// The buffered bytes (in-memory sinks: everything since `removeAll`).
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(QueryError) -> R) throws(QueryError) -> R {
        try body(UnsafeRawBufferPointer(start: buffer, count: count))
    }

    /// Drops the buffered bytes without writing them.
    public func removeAll() {
        totalBytes += count
        count = 0
    }

    deinit {
        if ownsDescriptor { Glibc.close(fd) }
        buffer.deallocate()
    }

    /// Makes room for `n` more bytes (flushing, or growing an in-memory sink, if needed);
    /// `n` ≤ capacity for a file sink.
    @inlinable @inline(__always)
    public func reserve(_ n: Int) throws(QueryError) {
        if count + n > capacityLimit { try makeRoom(n) }
    }

    @usableFromInline func makeRoom(_ n: Int) throws(QueryError) {
        guard inMemory else { return try flush() }
        var newCapacity = capacity * 2
        while count + n > newCapacity { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: buffer, count: count)
        buffer.deallocate()
        buffer = grown
        capacity = newCapacity
    }

    @usableFromInline var capacityLimit: Int { capacity }

    /// Writes the buffered bytes. O(buffer).
    public func flush() throws(QueryError) {
        guard !inMemory else { return }
        var offset = 0
        while offset < count {
            let n = Glibc.write(fd, buffer + offset, count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw .output(path: path, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
        totalBytes += count
        count = 0
    }

    /// Flushes and closes the file (not standard output).
    public func close() throws(QueryError) {
        try flush()
    }

    /// Bytes written including the buffer.
    public var bytesWritten: Int { totalBytes + count }

    @inlinable @inline(__always)
    public func appendUnchecked(_ byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    /// Appends raw bytes (any length).
    public func append(_ bytes: UnsafeRawBufferPointer) throws(QueryError) {
        if bytes.count > capacity - count { try makeRoom(bytes.count) }
        if bytes.count > capacity - count {
            // Larger than the buffer: write through.
            let n = bytes.count
            var offset = 0
            while offset < n {
                let w = Glibc.write(fd, bytes.baseAddress! + offset, n - offset)
                if w < 0 {
                    if errno == EINTR { continue }
                    throw .output(path: path, reason: String(cString: strerror(errno)))
                }
                offset += w
            }
            totalBytes += n
            return
        }
        if let base = bytes.baseAddress { (buffer + count).update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count) }
        count += bytes.count
    }

    public func append(_ bytes: [UInt8]) throws(QueryError) {
        var failure: QueryError?
        bytes.withUnsafeBytes { raw in
            do { try append(raw) } catch let error as QueryError { failure = error } catch {}
        }
        if let failure { throw failure }
    }

    public func append(_ text: String) throws(QueryError) {
        try append(Array(text.utf8))
    }

    /// Appends a number in the shortest form `NumberFormat` gives (≤ 32 bytes).
    @inlinable @inline(__always)
    public func appendDouble(_ x: Double) throws(QueryError) {
        try reserve(NumberFormat.scratchBytes)
        count += NumberFormat.write(x, to: buffer + count)
    }

    @inlinable @inline(__always)
    public func appendInt(_ x: Int) throws(QueryError) {
        try reserve(NumberFormat.scratchBytes)
        count += NumberFormat.write(int: x, to: buffer + count)
    }
}
