/// A channel as the file name names it, normalised so that the vendor's letter prefix
/// does not matter: `w1`, `W1`, `ch1`, `C01`, `d1` and `1` are all channel `1`;
/// `DAPI` stays `DAPI`. Comparison is case-insensitive (`dapi` == `DAPI`).
///
/// Ordering ("lowest channel"): numeric channels in numeric order first, then named
/// channels in case-insensitive alphabetical order.
public struct ChannelID: Hashable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The normalised name (`1`, `0`, `DAPI`, `cherry`).
    public let name: String
    /// Numeric value when the channel is a number after the prefix is removed.
    public var number: Int? { Int(name) }

    /// Normalises `raw`: strips one vendor prefix (`w`, `ch`, `c`, `d`, case-insensitive)
    /// when digits follow, then leading zeros (`C01` → `1`, `d0` → `0`, `w2` → `2`).
    public init(_ raw: String) {
        let trimmed = raw.trimmingWhitespace()
        var digits = Substring(trimmed)
        let lower = trimmed.lowercased()
        for prefix in ["ch", "w", "c", "d"] where lower.hasPrefix(prefix) {
            let rest = trimmed.dropFirst(prefix.count)
            if !rest.isEmpty, rest.allSatisfy(\.isASCIIDigit) { digits = rest }
            break
        }
        if !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) {
            let stripped = digits.drop { $0 == "0" }
            name = stripped.isEmpty ? "0" : String(stripped)
        } else {
            name = trimmed
        }
    }

    public init(stringLiteral value: String) { self.init(value) }

    public var description: String { name }

    public static func == (a: ChannelID, b: ChannelID) -> Bool {
        a.name.lowercased() == b.name.lowercased()
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(name.lowercased()) }

    public static func < (a: ChannelID, b: ChannelID) -> Bool {
        switch (a.number, b.number) {
        case let (x?, y?): return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a.name.lowercased() < b.name.lowercased()
        }
    }

    /// Whether the name says it is a DNA stain (`DAPI`, `Hoechst`, `DNA`, `nuclei`, `H33342`).
    public var looksLikeDNA: Bool {
        let l = name.lowercased()
        return ["dapi", "hoechst", "dna", "nuc", "h33342", "h3334"].contains { l.contains($0) }
    }
}

/// Plate formats; wells are numbered row-major (A01, A02, …) for well indices (ScanR).
public enum PlateFormat: Int, Sendable, CaseIterable {
    case wells96 = 96, wells384 = 384, wells1536 = 1536

    public var rows: Int { switch self { case .wells96: 8; case .wells384: 16; case .wells1536: 32 } }
    public var columns: Int { switch self { case .wells96: 12; case .wells384: 24; case .wells1536: 48 } }

    /// Row and column (0-based) of a 1-based row-major well index, nil when out of range.
    public func position(ofWellIndex index: Int) -> (row: Int, column: Int)? {
        guard index >= 1, index <= rawValue else { return nil }
        return ((index - 1) / columns, (index - 1) % columns)
    }
}

/// The well and field a file belongs to, without the channel: the unit the pipeline
/// segments. Row and column are **0-based** (`A01` is row 0, column 0; `P24` is row 15,
/// column 23); `wellName` gives the usual spelling. `site`, `z` and `timepoint` are the
/// numbers the file name carries (ArrayScan `f00` is site 0, ImageXpress without `_s` is
/// site 1); `z`/`timepoint` are nil when the layout has none.
public struct FieldID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var plate: String
    public var row: Int
    public var column: Int
    public var site: Int
    public var z: Int?
    public var timepoint: Int?

    public init(plate: String, row: Int, column: Int, site: Int, z: Int? = nil, timepoint: Int? = nil) {
        self.plate = plate; self.row = row; self.column = column
        self.site = site; self.z = z; self.timepoint = timepoint
    }

    /// `B03` for row 1, column 2; rows past Z are `AA`, `AB`, … (1536-well plates).
    public var wellName: String { WellName.format(row: row, column: column) }

    /// `P1/B03/2`, plus `/z3` and `/t1` when present.
    public var description: String {
        var s = "\(plate)/\(wellName)/\(site)"
        if let z { s += "/z\(z)" }
        if let timepoint { s += "/t\(timepoint)" }
        return s
    }

    public static func < (a: FieldID, b: FieldID) -> Bool {
        (a.plate, a.row, a.column, a.site, a.timepoint ?? -1, a.z ?? -1)
            < (b.plate, b.row, b.column, b.site, b.timepoint ?? -1, b.z ?? -1)
    }
}

/// What a layout reads from one file name: the field it belongs to and its channel.
public struct FileKey: Hashable, Sendable, CustomStringConvertible {
    public var field: FieldID
    public var channel: ChannelID

    public init(field: FieldID, channel: ChannelID) { self.field = field; self.channel = channel }

    public init(plate: String, row: Int, column: Int, site: Int, channel: ChannelID,
                z: Int? = nil, timepoint: Int? = nil) {
        self.init(field: FieldID(plate: plate, row: row, column: column, site: site,
                                 z: z, timepoint: timepoint), channel: channel)
    }

    public var plate: String { field.plate }
    public var row: Int { field.row }
    public var column: Int { field.column }
    public var site: Int { field.site }
    public var z: Int? { field.z }
    public var timepoint: Int? { field.timepoint }
    public var wellName: String { field.wellName }
    public var description: String { "\(field) ch \(channel)" }
}

/// Maps a file path relative to the watched root to a `FileKey`, or nil for "not mine".
/// Pure: it never touches the disk, so it is tested on names alone.
///
/// Presets: `imageXpress`, `opera`, `yokogawa`, `arrayScan`, `inCell`, `scanR(plateFormat:)`;
/// `regex(_:)` for a custom pattern; `detect(_:)` for auto-detection.
public struct Layout: Sendable, CustomStringConvertible {
    /// Lower-case preset name (`imagexpress`, `opera`, …, `regex`).
    public let name: String
    let parse: @Sendable (_ path: PathParts) -> FileKey?
    let explainMismatch: (@Sendable (_ path: PathParts) -> String)?

    init(name: String, parse: @escaping @Sendable (PathParts) -> FileKey?,
         explain: (@Sendable (PathParts) -> String)? = nil) {
        self.name = name; self.parse = parse; self.explainMismatch = explain
    }

    /// Why `relativePath` gets no key, in words (for the debug log).
    public func explain(_ relativePath: String, rootName: String? = nil) -> String {
        let parts = PathParts(relativePath, rootName: rootName)
        if parse(parts) != nil { return "matches" }
        return explainMismatch?(parts) ?? "not a \(name) file name"
    }

    public var description: String { name }

    /// The key of `relativePath` (`/`-separated, relative to the watched root), or nil
    /// when this layout does not recognise the name. When neither the file name nor a
    /// folder gives a plate name, `rootName` (the watched folder's own name) is used,
    /// else the plate is the empty string. Cost: one regex match on the file name.
    public func key(for relativePath: String, rootName: String? = nil) -> FileKey? {
        parse(PathParts(relativePath, rootName: rootName))
    }
}

/// A relative path split into its file name and folders, plus the folder-derived facts
/// several vendors use (plate folder, `TimePoint_N`, `ZStep_N`).
struct PathParts: Sendable {
    let fileName: String
    let folders: [String]
    let rootName: String?

    init(_ path: String, rootName: String?) {
        var parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        fileName = parts.popLast() ?? ""
        folders = parts
        self.rootName = rootName
    }

    /// Folder names that say nothing about the plate.
    private static let genericFolder = Set(["data", "images", "image", "raw", "tif", "tiff",
                                            "measurement", "timepoints", "scans"])

    /// The nearest folder that can name a plate: skips `TimePoint_N`, `ZStep_N` and generic
    /// names (`data`, `Images`); Harmony's `Plate__2019-03-01T…` keeps the part before `__`.
    /// Falls back to the root folder name, then "".
    var folderPlate: String {
        for folder in folders.reversed() {
            let lower = folder.lowercased()
            if Self.genericFolder.contains(lower) { continue }
            if folderNumber(folder, prefix: "timepoint_") != nil { continue }
            if folderNumber(folder, prefix: "zstep_") != nil { continue }
            if let r = folder.range(of: "__"), r.lowerBound != folder.startIndex {
                return String(folder[..<r.lowerBound])
            }
            return folder
        }
        return rootName ?? ""
    }

    /// N of the nearest `<prefix>N` folder (case-insensitive), e.g. ImageXpress `TimePoint_2`.
    func folderValue(prefix: String) -> Int? {
        for folder in folders.reversed() {
            if let n = folderNumber(folder, prefix: prefix) { return n }
        }
        return nil
    }

    private func folderNumber(_ folder: String, prefix: String) -> Int? {
        guard folder.count > prefix.count, folder.lowercased().hasPrefix(prefix) else { return nil }
        return Int(folder.dropFirst(prefix.count))
    }
}

/// Well names: `A01` ↔ (row 0, column 0); rows A…Z then AA…AF for 1536-well plates.
public enum WellName {
    /// Parses `B03`, `b3`, `AF48` into 0-based (row, column); nil when not a well name.
    public static func parse<S: StringProtocol>(_ s: S) -> (row: Int, column: Int)? {
        let letters = s.prefix { $0.isLetter && $0.isASCII }
        let digits = s.dropFirst(letters.count)
        guard (1...2).contains(letters.count), !digits.isEmpty, digits.count <= 3,
              digits.allSatisfy(\.isASCIIDigit), let col = Int(digits), col >= 1,
              let row = rowIndex(letters) else { return nil }
        return (row, col - 1)
    }

    /// 0-based row of `A`…`Z`, `AA`…; nil for anything else.
    public static func rowIndex<S: StringProtocol>(_ letters: S) -> Int? {
        var value = 0
        for ch in letters.uppercased().unicodeScalars {
            guard ch.value >= 65, ch.value <= 90 else { return nil }
            value = value * 26 + Int(ch.value - 64)
        }
        return value == 0 ? nil : value - 1
    }

    /// `A01`-style name of a 0-based (row, column), two-digit columns.
    public static func format(row: Int, column: Int) -> String {
        var letters = ""
        var r = row + 1
        while r > 0 {
            let rem = (r - 1) % 26
            letters = String(UnicodeScalar(UInt8(65 + rem))) + letters
            r = (r - 1) / 26
        }
        let col = column + 1
        return letters + (col < 10 ? "0\(col)" : "\(col)")
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
