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
            throw .invalidPattern(pattern, reason: Self.diagnose(icu))
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

    /// What is wrong with a pattern NSRegularExpression refused, and where: the Swift regex
    /// parser's message and the character it stopped at, with a caret under the pattern.
    static func diagnose(_ pattern: String) -> String {
        do {
            _ = try Regex(pattern)
            return "the regular expression engine refused it (check the syntax)"
        } catch {
            let message = "\(error)"
            guard let at = Self.errorOffset(error, in: pattern) else { return message }
            return "\(message) at character \(at + 1):\n  \(pattern)\n  \(String(repeating: " ", count: at))^"
        }
    }

    /// The offset (in characters) a regex parse error points at, when its location can be read.
    private static func errorOffset(_ error: Error, in pattern: String) -> Int? {
        for child in Mirror(reflecting: error).children where child.label == "location" {
            for part in Mirror(reflecting: child.value).children where part.label == "range" {
                if let range = part.value as? Range<String.Index>, range.lowerBound <= pattern.endIndex {
                    return pattern.distance(from: pattern.startIndex, to: range.lowerBound)
                }
            }
        }
        return nil
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
/// Groups: `plate`; `well` (`B03`, or a 1-based row-major well number such as `01` or `25`,
/// counted on `plateFormat`) or `row` (letter `B` or 1-based number `2`) + `col` (1-based) or
/// `wellIndex` (as a numeric `well`); `site` (default 1); `channel` (default `1`); `z`; `t`.
/// Without any well group, `fixedWell` (`--well`) is the well. Plate falls back to the folder
/// (see `PathParts`).
struct GroupKeyBuilder: Sendable {
    var plateFormat: PlateFormat = .wells96
    var defaultSite = 1
    /// Added to the file's site number: 1 for vendors that count fields from 0,
    /// so that Cellar's sites always start at 1.
    var siteOffset = 0
    var defaultChannel: ChannelID = "1"
    /// The well of every file when the pattern has no well group (0-based row, column).
    var fixedWell: (row: Int, column: Int)?

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
        if let w = g["well"] {
            if let p = WellName.parse(w) { return p }
            if let i = Int(w) { return plateFormat.position(ofWellIndex: i).map { ($0.row, $0.column) } }
            return nil
        }
        if let r = g["row"], let c = g["col"] ?? g["column"], let col = Int(c), col >= 1 {
            if let n = Int(r) { return n >= 1 ? (n - 1, col - 1) : nil }
            if let row = WellName.rowIndex(r) { return (row, col - 1) }
            return nil
        }
        if let w = g["wellIndex"] ?? g["wellindex"], let i = Int(w) {
            return plateFormat.position(ofWellIndex: i).map { ($0.row, $0.column) }
        }
        return fixedWell
    }

    /// Why `key` gives nil for groups `g` (for the debug log); nil when it does not.
    func explain(_ g: [String: String], parts: PathParts) -> String? {
        if key(g, parts: parts) != nil { return nil }
        let wells = "a \(plateFormat.rawValue)-well plate (1…\(plateFormat.rawValue))"
        if let w = g["well"] {
            if WellName.parse(w) == nil, let i = Int(w) { return "well number \(i) is not on \(wells); --plate-format?" }
            if WellName.parse(w) == nil { return "well '\(w)' is neither a well name like B03 nor a well number" }
        } else if let r = g["row"], let c = g["col"] ?? g["column"] {
            return "row '\(r)' and col '\(c)' do not name a well (rows A… or 1…, columns from 1)"
        } else if let w = g["wellIndex"] ?? g["wellindex"] {
            return "well index '\(w)' is not on \(wells); --plate-format?"
        } else if fixedWell == nil {
            return "the pattern captured no well (groups well, row + col, or wellIndex) and no --well was given"
        }
        if let s = g["site"], Int(s) == nil { return "site '\(s)' is not a number" }
        return "the groups \(g.keys.sorted()) do not make a field"
    }
}
