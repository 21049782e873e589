#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SystemPackage

/// A cheap identity of one version of a file: size + mtime (ns) + inode. No bytes are
/// read, so fingerprinting 100,000 files on a network share costs one `stat` each.
/// A file rewritten in place changes its mtime; one replaced by rename changes its inode;
/// either way the fingerprint changes and the file is ingested again.
public struct Fingerprint: Hashable, Sendable, Codable, CustomStringConvertible {
    public var size: Int64
    public var mtimeNanoseconds: Int64
    public var inode: UInt64

    public init(size: Int64, mtimeNanoseconds: Int64, inode: UInt64) {
        self.size = size; self.mtimeNanoseconds = mtimeNanoseconds; self.inode = inode
    }

    /// `<size>:<mtime ns>:<inode>`, the form to store in the database.
    public var description: String { "\(size):\(mtimeNanoseconds):\(inode)" }

    /// The current fingerprint of a regular file (symlinks followed); nil when it is
    /// missing or not a regular file.
    public init?(ofFileAt path: String) {
        guard let fp = FileStat.fingerprint(of: path) else { return nil }
        self = fp
    }

    /// Parses `description`'s form back.
    public init?(_ text: String) {
        let p = text.split(separator: ":")
        guard p.count == 3, let s = Int64(p[0]), let m = Int64(p[1]), let i = UInt64(p[2]) else { return nil }
        self.init(size: s, mtimeNanoseconds: m, inode: i)
    }
}

/// One regular file found under the root.
public struct ScannedFile: Hashable, Sendable, CustomStringConvertible {
    /// Absolute (root-joined) path, for opening.
    public var path: String
    /// Path relative to the root, `/`-separated: what layouts read.
    public var relativePath: String
    public var fingerprint: Fingerprint
    public var size: Int64 { fingerprint.size }
    public var mtimeNanoseconds: Int64 { fingerprint.mtimeNanoseconds }

    public init(path: String, relativePath: String, fingerprint: Fingerprint) {
        self.path = path; self.relativePath = relativePath; self.fingerprint = fingerprint
    }

    public var description: String { relativePath }

    /// Stats `path` (following a symlink) and returns it if it is a regular file.
    public static func stat(path: String, relativePath: String) -> ScannedFile? {
        guard let fp = FileStat.fingerprint(of: path) else { return nil }
        return ScannedFile(path: path, relativePath: relativePath, fingerprint: fp)
    }
}

/// Which names the scanner and watcher never hand on: hidden (`.name`), temporary
/// (`.tmp`, `.temp`, `.part`, `.partial`, `.crdownload`, `~`) and thumbnails (`_thumb`).
public enum FileFilter {
    public static func isIgnored(name: String) -> Bool {
        if name.hasPrefix(".") || name.hasSuffix("~") { return true }
        let lower = name.lowercased()
        for suffix in [".tmp", ".temp", ".part", ".partial", ".crdownload", ".swp"] where lower.hasSuffix(suffix) {
            return true
        }
        return lower.contains("_thumb") || lower == "thumbs.db"
    }

    /// Whether the name looks like an image a layout should recognise (`.tif`, `.tiff`,
    /// `.png`, `.jpg`, `.jpeg`, `.c01`, `.flex`, `.dib`). Other files (`.HTD`, `.xml`,
    /// `.db`, …) are reported apart as `otherFiles`.
    public static func isImageName(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: ".") else { return false }
        let ext = name[name.index(after: dot)...].lowercased()
        return ["tif", "tiff", "png", "jpg", "jpeg", "c01", "flex", "dib"].contains(ext)
    }
}

/// What a scan found.
public struct ScanResult: Sendable {
    /// Image files the layout recognised, sorted by relative path.
    public var matched: [(file: ScannedFile, key: FileKey)] = []
    /// Image-named files the layout did not recognise (relative paths, sorted).
    public var unmatched: [String] = []
    /// Non-image files (metadata, databases), relative paths, sorted.
    public var otherFiles: [String] = []
    /// Hidden, temporary and thumbnail entries skipped.
    public var skipped = 0
    /// Directories reached twice (symlink loops or links to an ancestor), not re-entered.
    public var repeatedDirectories: [String] = []
    /// Entries that could not be read (permission, vanished), with the reason.
    public var errors: [String] = []

    /// Every image file found (matched or not), sorted: for layout auto-detection.
    public var imagePaths: [String] {
        (matched.map(\.file.relativePath) + unmatched).sorted()
    }
}

/// Recursive, sorted, deterministic directory scan.
///
/// Follows symbolic links (to files and directories) but enters each directory
/// (device, inode) at most once, so a symlink loop cannot hang it. Skips hidden,
/// temporary and thumbnail entries (`FileFilter`); a directory named like an image is
/// a directory. Cost: one `stat` per entry plus one regex match per image name.
public struct Scanner: Sendable {
    public let root: String
    public let layout: Layout?

    /// `layout` nil: every image file lands in `unmatched` (for auto-detection, then
    /// `classify`).
    public init(root: String, layout: Layout?) {
        self.root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.layout = layout
    }

    /// The root folder's own name (plate fallback for layouts).
    public var rootName: String { FilePath(root).lastComponent?.string ?? root }

    /// Walks the tree and classifies every file.
    public func scan() -> ScanResult {
        var result = ScanResult()
        var files: [ScannedFile] = []
        walk(into: &files, result: &result)
        classify(files, into: &result)
        return result
    }

    /// Walks the tree and returns every non-skipped regular file, sorted by relative path.
    public func listFiles() -> (files: [ScannedFile], result: ScanResult) {
        var result = ScanResult()
        var files: [ScannedFile] = []
        walk(into: &files, result: &result)
        return (files, result)
    }

    /// Sorts files into matched / unmatched / other by `layout`.
    public func classify(_ files: [ScannedFile], into result: inout ScanResult) {
        let name = rootName
        for f in files {
            let fileName = f.relativePath.split(separator: "/").last.map(String.init) ?? f.relativePath
            if !FileFilter.isImageName(fileName) {
                result.otherFiles.append(f.relativePath)
            } else if let key = layout?.key(for: f.relativePath, rootName: name) {
                result.matched.append((f, key))
            } else {
                result.unmatched.append(f.relativePath)
            }
        }
    }

    func walk(into files: inout [ScannedFile], result: inout ScanResult) {
        var visited = Set<DirID>()
        if let id = FileStat.directoryID(of: root) { visited.insert(id) }
        var stack: [String] = [""]  // relative directory paths, "" = root
        while let rel = stack.popLast() {
            let dirPath = rel.isEmpty ? root : root + "/" + rel
            let names: [String]
            do { names = try Self.listDirectory(dirPath) } catch {
                result.errors.append("\(rel.isEmpty ? "." : rel): \(error)")
                continue
            }
            var subdirs: [String] = []
            for name in names.sorted() {
                if FileFilter.isIgnored(name: name) { result.skipped += 1; continue }
                let childRel = rel.isEmpty ? name : rel + "/" + name
                let childPath = dirPath + "/" + name
                var st = stat()
                guard stat(childPath, &st) == 0 else {
                    result.errors.append("\(childRel): \(Errno(rawValue: errno))")
                    continue
                }
                switch st.st_mode & S_IFMT {
                case S_IFDIR:
                    let id = DirID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
                    if visited.insert(id).inserted { subdirs.append(childRel) }
                    else { result.repeatedDirectories.append(childRel) }
                case S_IFREG:
                    files.append(ScannedFile(path: childPath, relativePath: childRel,
                                             fingerprint: FileStat.fingerprint(st)))
                default:
                    continue  // sockets, fifos, devices
                }
            }
            stack.append(contentsOf: subdirs.reversed())
        }
        files.sort { $0.relativePath < $1.relativePath }
        result.repeatedDirectories.sort()
    }

    /// Entry names of one directory (without `.` and `..`).
    static func listDirectory(_ path: String) throws(Errno) -> [String] {
        guard let dir = opendir(path) else { throw Errno(rawValue: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}

struct DirID: Hashable { let device: UInt64; let inode: UInt64 }

/// Thin `stat(2)` helpers.
enum FileStat {
    static func fingerprint(_ st: stat) -> Fingerprint {
        Fingerprint(size: Int64(st.st_size),
                    mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                    inode: UInt64(st.st_ino))
    }

    /// Fingerprint of a regular file (symlinks followed); nil when missing or not regular.
    static func fingerprint(of path: String) -> Fingerprint? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFREG else { return nil }
        return fingerprint(st)
    }

    static func directoryID(of path: String) -> DirID? {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { return nil }
        return DirID(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }

    static func isDirectory(_ path: String) -> Bool { directoryID(of: path) != nil }
}

/// `ignore` globs of `cellar.toml` / `--ignore`: a file whose path relative to the root
/// matches one is not looked at (shell wildcards, `*` also matching `/`; e.g.
/// `*_groundtruth/*`, `*.png`, `thumbs/*`). Case-sensitive, as file systems are.
struct IgnoreRules: Sendable, CustomStringConvertible {
    let patterns: [String]
    init(_ patterns: [String]) { self.patterns = patterns }
    var isEmpty: Bool { patterns.isEmpty }
    /// O(patterns × path length).
    func matches(_ relativePath: String) -> Bool {
        patterns.contains { fnmatch($0, relativePath, 0) == 0 }
    }
    var description: String { patterns.map { "\"\($0)\"" }.joined(separator: ", ") }
}
