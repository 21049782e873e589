#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The first bytes and size of a file, read with plain POSIX calls so the
/// format can be told before any decoder touches it.
struct FileHeader {
    var bytes: [UInt8]
    var size: Int

    /// Reads up to `count` leading bytes. Throws `.notFound`, `.empty`, `.io`.
    init(path: String, count: Int = 16) throws(ImageError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT || code == ENOTDIR { throw ImageError(path: path, kind: .notFound) }
            throw ImageError(path: path, kind: .io(String(cString: strerror(code))))
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw ImageError(path: path, kind: .notAnImage("it is a directory"))
        }
        size = Int(info.st_size)
        if size == 0 { throw ImageError(path: path, kind: .empty) }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw ImageError(path: path, kind: .notFound) }  // deleted since stat
            throw ImageError(path: path, kind: .io("cannot open: \(String(cString: strerror(code)))"))
        }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
        guard n >= 0 else { throw ImageError(path: path, kind: .io(String(cString: strerror(errno)))) }
        bytes = Array(buffer.prefix(n))
    }

    enum Format { case tiff, bigTIFF, png }

    var format: Format? {
        if bytes.count >= 8, bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        guard bytes.count >= 4 else { return nil }
        let order = (bytes[0], bytes[1])
        guard order == (0x49, 0x49) || order == (0x4D, 0x4D) else { return nil }
        let magic = littleEndian ? UInt16(bytes[2]) | UInt16(bytes[3]) << 8 : UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        switch magic {
        case 42: return .tiff
        case 43: return .bigTIFF
        default: return nil
        }
    }

    var littleEndian: Bool { bytes.first == 0x49 }

    /// Offset of the first TIFF directory, from the header.
    var firstDirectoryOffset: UInt64? {
        switch format {
        case .tiff where bytes.count >= 8: return integer(at: 4, size: 4)
        case .bigTIFF where bytes.count >= 16: return integer(at: 8, size: 8)
        default: return nil
        }
    }

    private func integer(at offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<size {
            let byte = UInt64(bytes[offset + (littleEndian ? size - 1 - i : i)])
            value = value << 8 | byte
        }
        return value
    }
}

/// A short description of leading bytes for "not an image" errors.
func describeMagic(_ bytes: [UInt8]) -> String {
    let printable = bytes.prefix(8).allSatisfy { $0 >= 0x20 && $0 < 0x7f || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }
    if printable, !bytes.isEmpty { return "starts with text \"\(String(decoding: bytes.prefix(8).filter { $0 >= 0x20 }, as: UTF8.self))\"" }
    return "starts with bytes " + bytes.prefix(4).map { String($0, radix: 16).leftPadded(2) }.joined(separator: " ")
}

extension String {
    func leftPadded(_ width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
