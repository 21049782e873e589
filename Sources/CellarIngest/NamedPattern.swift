import Foundation

/// Errors in a layout's pattern or name.
public enum LayoutError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidPattern(String, reason: String)
    case missingGroups(String, needed: String)
    case unknownLayout(String, known: [String])

    public var description: String {
        switch self {
        case let .invalidPattern(p, reason):
            "invalid layout pattern \(p): \(reason)"
        case let .missingGroups(p, needed):
            "layout pattern \(p) needs named groups \(needed)"
        case let .unknownLayout(n, known):
            "unknown layout '\(n)': use one of \(known.joined(separator: ", ")), auto or regex (with a pattern)"
        }
    }
}

/// A whole-string regular expression with named groups (ICU syntax through
/// NSRegularExpression; Python's `(?P<name>…)` is accepted too), matched
/// case-insensitively.
struct NamedPattern: Sendable {
    let source: String
    // NSRegularExpression is immutable after creation and documented thread-safe
    // for matching; swift-corelibs-foundation marks it Sendable.
    let regex: NSRegularExpression
    let groupNames: [String]

    init(_ pattern: String) throws(LayoutError) {
        let icu = pattern.replacingOccurrences(of: "(?P<", with: "(?<")
        source = pattern
        do {
            regex = try NSRegularExpression(pattern: "^(?:\(icu))$", options: [.caseInsensitive])
        } catch {
            throw .invalidPattern(pattern, reason: "\(error.localizedDescription)")
        }
        groupNames = Self.names(in: icu)
    }

    /// Named group values of a whole-string match, or nil when `s` does not match.
    /// Groups that did not participate are absent.
    func match(_ s: String) -> [String: String]? {
        let ns = s as NSString
        guard let m = regex.firstMatch(in: s, options: [], range: NSRange(location: 0, length: ns.length))
        else { return nil }
        var out: [String: String] = [:]
        for name in groupNames {
            let r = m.range(withName: name)
            if r.location != NSNotFound { out[name] = ns.substring(with: r) }
        }
        return out
    }

    /// Names of `(?<name>` groups in an ICU pattern (not `(?<=` / `(?<!` look-behinds).
    static func names(in pattern: String) -> [String] {
        var names: [String] = []
        let chars = Array(pattern)
        var i = 0
        while i + 3 < chars.count {
            if chars[i] == "\\" { i += 2; continue }
            if chars[i] == "(", chars[i + 1] == "?", chars[i + 2] == "<",
               chars[i + 3] != "=", chars[i + 3] != "!" {
                var j = i + 3
                var name = ""
                while j < chars.count, chars[j] != ">" { name.append(chars[j]); j += 1 }
                if !name.isEmpty { names.append(name) }
                i = j
            }
            i += 1
        }
        return names
    }
}

/// Turns named groups into a `FileKey`; shared by the presets and custom patterns.
///
/// Groups: `plate`; `well` (`B03`) or `row` (letter `B` or 1-based number `2`) + `col`
/// (1-based) or `wellIndex` (1-based, row-major by `plateFormat`); `site` (default 1);
/// `channel` (default `1`); `z`; `t`. Plate falls back to the folder (see `PathParts`).
struct GroupKeyBuilder: Sendable {
    var plateFormat: PlateFormat = .wells96
    var defaultSite = 1
    /// Added to the file's site number: 1 for vendors that count fields from 0,
    /// so that Cellar's sites always start at 1.
    var siteOffset = 0
    var defaultChannel: ChannelID = "1"

    func key(_ g: [String: String], parts: PathParts, channel: ChannelID? = nil) -> FileKey? {
        guard let (row, col) = position(g) else { return nil }
        let plate = g["plate"].flatMap { $0.isEmpty ? nil : $0 } ?? parts.folderPlate
        let site: Int
        if let s = g["site"] { guard let v = Int(s) else { return nil }; site = v + siteOffset } else { site = defaultSite }
        let ch = channel ?? g["channel"].flatMap { $0.isEmpty ? nil : ChannelID($0) } ?? defaultChannel
        return FileKey(plate: plate, row: row, column: col, site: site, channel: ch,
                       z: g["z"].flatMap { Int($0) }, timepoint: g["t"].flatMap { Int($0) })
    }

    func position(_ g: [String: String]) -> (Int, Int)? {
        if let w = g["well"], let p = WellName.parse(w) { return p }
        if let r = g["row"], let c = g["col"] ?? g["column"], let col = Int(c), col >= 1 {
            if let n = Int(r) { return n >= 1 ? (n - 1, col - 1) : nil }
            if let row = WellName.rowIndex(r) { return (row, col - 1) }
            return nil
        }
        if let w = g["wellIndex"] ?? g["wellindex"], let i = Int(w) {
            return plateFormat.position(ofWellIndex: i).map { ($0.row, $0.column) }
        }
        return nil
    }
}
