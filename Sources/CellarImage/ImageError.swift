/// Why an image file could not be read or written. The description names
/// the file and the cause, e.g.
/// `cannot read B03_s2_w1.tif: TIFF compression 34712 (JPEG 2000) not supported`.
public struct ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No file at the path.
        case notFound
        /// The file has zero bytes (often: still being created).
        case empty
        /// The file ends before its data does (cut off, or still being written).
        case truncated(String)
        /// Neither TIFF nor PNG, judged by the first bytes.
        case notAnImage(String)
        /// A valid file Cellar cannot decode (compression, bit depth, layout).
        case unsupported(String)
        /// Larger than the configured limit; refused before allocating.
        case tooLarge(width: Int, height: Int, limit: Int)
        /// The page requested is not in the file.
        case noSuchPage(requested: Int, pages: Int)
        /// The library reported the file as damaged.
        case corrupt(String)
        /// The operating system refused (permission, disk full, ...).
        case io(String)
    }

    public var path: String
    public var kind: Kind
    /// Whether the error happened while writing rather than reading.
    public var writing: Bool

    public init(path: String, kind: Kind, writing: Bool = false) {
        self.path = path
        self.kind = kind
        self.writing = writing
    }

    /// Whether waiting may help: the file might still be being written.
    public var mayBeIncomplete: Bool {
        switch kind {
        case .empty, .truncated, .corrupt, .notFound: true
        default: false
        }
    }

    public var reason: String {
        switch kind {
        case .notFound: "no such file"
        case .empty: "file is empty (0 bytes)"
        case .truncated(let detail): "file is truncated: \(detail)"
        case .notAnImage(let detail): "not a TIFF or PNG image (\(detail))"
        case .unsupported(let detail): detail
        case .tooLarge(let w, let h, let limit): "image is \(w) × \(h) pixels, over the limit of \(limit) per side"
        case .noSuchPage(let requested, let pages): "page \(requested) requested but the file has \(pages) page(s)"
        case .corrupt(let detail): "damaged file: \(detail)"
        case .io(let detail): detail
        }
    }

    public var description: String {
        "cannot \(writing ? "write" : "read") \(path): \(reason)"
    }
}
