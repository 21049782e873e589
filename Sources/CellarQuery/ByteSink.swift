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
    private let capacity: Int
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
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        if ownsDescriptor { Glibc.close(fd) }
        buffer.deallocate()
    }

    /// Makes room for `n` more bytes (flushing if needed); `n` ≤ capacity.
    @inlinable @inline(__always)
    public func reserve(_ n: Int) throws(QueryError) {
        if count + n > capacityLimit { try flush() }
    }

    @usableFromInline var capacityLimit: Int { capacity }

    /// Writes the buffered bytes. O(buffer).
    public func flush() throws(QueryError) {
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
        if bytes.count > capacity - count { try flush() }
        if bytes.count > capacity {
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
        try reserve(32)
        count += NumberFormat.write(x, to: buffer + count)
    }

    @inlinable @inline(__always)
    public func appendInt(_ x: Int) throws(QueryError) {
        try reserve(24)
        count += NumberFormat.write(int: x, to: buffer + count)
    }
}
