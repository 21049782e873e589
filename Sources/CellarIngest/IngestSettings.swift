import CellarImage
import Foundation
import TOMLKit

/// Errors reading `cellar.toml`.
public enum SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case syntax(path: String, line: Int, column: Int, reason: String)
    case unknownKey(path: String, key: String, known: [String])
    case wrongType(path: String, key: String, expected: String)
    case invalidValue(path: String, key: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(p, r): "cannot read \(p): \(r)"
        case let .syntax(p, l, c, r): "\(p):\(l):\(c): \(r)"
        case let .unknownKey(p, k, known):
            "\(p): unknown key '\(k)'" + (SettingsError.closest(to: k, among: known).map { "; did you mean '\($0)'?" } ?? "")
                + " (keys: \(known.sorted().joined(separator: ", ")))"
        case let .wrongType(p, k, e): "\(p): '\(k)' must be \(e)"
        case let .invalidValue(p, k, r): "\(p): '\(k)': \(r)"
        }
    }
}

extension SettingsError {
    /// The known key nearest `key` by edit distance, when it is near enough to be a typo.
    static func closest(to key: String, among known: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for (i, ca) in a.enumerated() {
                var previous = row[0]
                row[0] = i + 1
                for (j, cb) in b.enumerated() {
                    let substitution = previous + (ca == cb ? 0 : 1)
                    previous = row[j + 1]
                    row[j + 1] = min(substitution, row[j] + 1, row[j + 1] + 1)
                }
            }
            return row[b.count]
        }
        let k = Array(key.lowercased())
        guard let best = known.map({ ($0, distance(k, Array($0))) }).min(by: { $0.1 < $1.1 }),
              best.1 <= max(2, k.count / 3) else { return nil }
        return best.0
    }
}

/// Ingest settings from command-line flags and/or `cellar.toml` in the watched root.
/// Every field is optional: nil means "not given", and the `effective…` accessors apply
/// the defaults. `merged(withTOMLAt:)` fills what the flags left unset — flags win.
///
/// `cellar.toml`:
/// ```toml
/// layout = "imagexpress"      # auto (default), imagexpress, opera, yokogawa, arrayscan, incell, scanr, regex
/// pattern = '(?<plate>.+)_(?<well>[A-P]\d\d)_s(?<site>\d)_w(?<channel>\d)\.tif'   # with layout = "regex"
/// well = "B03"                # the well of every file, for a pattern without a well group
/// dna_channel = "1"           # default: a channel named like a DNA stain, else the lowest
/// channels = ["1", "2"]       # default: learned per plate (see FieldAssembler)
/// plate_format = 384          # 96 (default), 384, 1536: ScanR well indices
/// settle = 2.0                # seconds unchanged before a polled file is ready
/// poll_interval = 2.0         # seconds; watch mode "poll" or a network share
/// grace = 30.0                # seconds a field may wait for channels before it is decided
/// watch = "auto"              # auto, inotify, poll
/// ignore = ["*_groundtruth/*"]  # paths (relative to the root) never looked at; `*` matches `/` too
/// rgb = "max"                 # colour images → one channel: red, green, blue, luminance, max (default)
/// [segmentation]              # opaque here: the pipeline maps it
/// sigma = 2.0
/// ```
public struct IngestSettings: Sendable, Equatable {
    /// Layout name; nil or `auto` = auto-detect.
    public var layout: String?
    /// Custom regex (implies layout `regex` when layout is unset).
    public var pattern: String?
    /// The well of every file, for a pattern without a well group (`B03`).
    public var well: String?
    public var dnaChannel: ChannelID?
    public var channels: [ChannelID]?
    public var plateFormat: PlateFormat?
    public var settle: Duration?
    public var pollInterval: Duration?
    public var grace: Duration?
    /// `auto`, `inotify` or `poll`.
    public var watch: String?
    /// Globs of paths (relative to the root) to leave alone; see `IgnoreRules`.
    public var ignore: [String]?
    /// How an RGB image becomes the one channel Cellar segments and measures (nil: `max`).
    public var rgb: RGBConversion?
    /// The `[segmentation]` table; keys from flags win key by key.
    public var segmentation: SegmentationSettings
    /// The `cellar.toml` these settings were merged with, when there was one (errors name it).
    public var tomlPath: String?

    public init(layout: String? = nil, pattern: String? = nil, dnaChannel: ChannelID? = nil,
                channels: [ChannelID]? = nil, plateFormat: PlateFormat? = nil,
                settle: Duration? = nil, pollInterval: Duration? = nil, grace: Duration? = nil,
                watch: String? = nil, segmentation: SegmentationSettings = SegmentationSettings()) {
        self.layout = layout; self.pattern = pattern; self.dnaChannel = dnaChannel
        self.channels = channels; self.plateFormat = plateFormat; self.settle = settle
        self.pollInterval = pollInterval; self.grace = grace; self.watch = watch
        self.segmentation = segmentation
    }

    public static let fileName = "cellar.toml"
    /// The top-level keys of `cellar.toml`.
    static var tomlKeys: [String] { TOMLFile.CodingKeys.allCases.map(\.rawValue) }

    public var effectivePlateFormat: PlateFormat { plateFormat ?? .wells96 }
    public var effectiveSettle: Duration { settle ?? .seconds(2) }
    public var effectivePollInterval: Duration { pollInterval ?? .seconds(2) }
    public var effectiveGrace: Duration { grace ?? .seconds(30) }
    public var effectiveRGB: RGBConversion { rgb ?? .max }
    /// True when the layout must be detected from the files.
    public var wantsAutoLayout: Bool {
        (layout == nil || layout?.lowercased() == "auto") && pattern == nil
    }

    /// The configured layout, or nil for auto-detection.
    /// A `pattern` with a vendor layout is refused (the pattern would be ignored); so is a
    /// `well` without a pattern.
    public func resolvedLayout() throws(LayoutError) -> Layout? {
        if let layout, pattern != nil, !["regex", "custom", "auto"].contains(layout.lowercased()) {
            throw .invalidPattern(pattern!, reason: "--pattern is used by the regex layout only, not with --layout \(layout); "
                                  + "drop --layout (or say --layout regex)")
        }
        if well != nil, pattern == nil {
            throw .missingGroups("(none)", needed: "a --pattern: --well fixes the well of a pattern without a well group")
        }
        if wantsAutoLayout { return nil }
        return try Layout.named(layout.flatMap { $0.lowercased() == "auto" ? nil : $0 } ?? "regex", pattern: pattern,
                                plateFormat: effectivePlateFormat, well: well)
    }

    /// The watch mode these settings ask for.
    public func watchMode() throws(SettingsError) -> WatchMode {
        switch (watch ?? "auto").lowercased() {
        case "auto", "automatic": return .automatic
        case "inotify": return .inotify
        case "poll", "polling": return .poll(interval: effectivePollInterval)
        default:
            throw .invalidValue(path: "settings", key: "watch", reason: "use auto, inotify or poll")
        }
    }

    /// These settings with every unset field taken from the TOML file at `path`; a missing
    /// file leaves them unchanged. Throws on syntax errors, unknown keys, wrong types.
    public func merged(withTOMLAt path: String) throws(SettingsError) -> IngestSettings {
        guard FileManager.default.fileExists(atPath: path) else { return self }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw .unreadable(path: path, reason: error.localizedDescription)
        }
        var merged = merged(with: try Self.parse(toml: text, path: path))
        merged.tomlPath = path
        return merged
    }

    /// `merged(withTOMLAt:)` for `<root>/cellar.toml`.
    public func merged(withRoot root: String) throws(SettingsError) -> IngestSettings {
        try merged(withTOMLAt: (root as NSString).appendingPathComponent(Self.fileName))
    }

    /// Fields of `self` win; unset ones come from `other`.
    public func merged(with other: IngestSettings) -> IngestSettings {
        var m = self
        m.layout = layout ?? other.layout
        m.pattern = pattern ?? other.pattern
        m.well = well ?? other.well
        m.dnaChannel = dnaChannel ?? other.dnaChannel
        m.channels = channels ?? other.channels
        m.plateFormat = plateFormat ?? other.plateFormat
        m.settle = settle ?? other.settle
        m.pollInterval = pollInterval ?? other.pollInterval
        m.grace = grace ?? other.grace
        m.watch = watch ?? other.watch
        m.ignore = ignore.map { $0 + (other.ignore ?? []) } ?? other.ignore
        m.rgb = rgb ?? other.rgb
        m.segmentation = other.segmentation.overlaid(by: segmentation)
        return m
    }

    /// Parses the TOML text of a `cellar.toml`: syntax errors with their line and column,
    /// unknown keys with the nearest known one, wrong types and values naming the key.
    public static func parse(toml text: String, path: String = fileName) throws(SettingsError) -> IngestSettings {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw .syntax(path: path, line: e.source.begin.line, column: e.source.begin.column, reason: e.description)
        } catch {
            throw .syntax(path: path, line: 0, column: 0, reason: "\(error)")
        }
        for key in table.keys where !tomlKeys.contains(key) {
            throw .unknownKey(path: path, key: key, known: tomlKeys)
        }
        if let segmentation = table["segmentation"]?.table {
            let known = SegmentationSettings.CodingKeys.allCases.map(\.rawValue)
            for key in segmentation.keys where !known.contains(key) {
                throw .unknownKey(path: path + " [segmentation]", key: key, known: known)
            }
        }
        do {
            return try TOMLDecoder().decode(TOMLFile.self, from: table).settings
        } catch let problem as SettingProblem {
            throw problem.error(path: path)
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.dataCorrupted(context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw .wrongType(path: path, key: key, expected: "another type (\(context.debugDescription))")
        } catch {
            throw .syntax(path: path, line: 0, column: 0, reason: "\(error)")
        }
    }
}

/// A value of the wrong type or out of range, met while decoding (the path is added later).
struct SettingProblem: Error {
    var key: String
    var expected: String
    var invalid = false
    func error(path: String) -> SettingsError {
        invalid ? .invalidValue(path: path, key: key, reason: expected) : .wrongType(path: path, key: key, expected: expected)
    }
}

/// Decoding helpers that accept TOML's integers where a number is wanted, and name the key
/// in every error.
extension KeyedDecodingContainer {
    func number(_ key: Key) throws -> Double? {
        guard contains(key) else { return nil }
        if let d = try? decode(Double.self, forKey: key) { return d }
        if let i = try? decode(Int.self, forKey: key) { return Double(i) }
        throw SettingProblem(key: key.stringValue, expected: "a number")
    }

    func integer(_ key: Key) throws -> Int? {
        guard let d = try number(key) else { return nil }
        guard d == d.rounded(), abs(d) < 1e15 else { throw SettingProblem(key: key.stringValue, expected: "a whole number") }
        return Int(d)
    }

    func seconds(_ key: Key) throws -> Duration? {
        guard let d = try number(key) else { return nil }
        guard d >= 0 else { throw SettingProblem(key: key.stringValue, expected: "a number of seconds ≥ 0") }
        return .milliseconds(Int64((d * 1000).rounded()))
    }

    func text(_ key: Key) throws -> String? {
        guard contains(key) else { return nil }
        guard let s = try? decode(String.self, forKey: key) else { throw SettingProblem(key: key.stringValue, expected: "a string") }
        return s
    }

    func flag(_ key: Key) throws -> Bool? {
        guard contains(key) else { return nil }
        guard let b = try? decode(Bool.self, forKey: key) else { throw SettingProblem(key: key.stringValue, expected: "true or false") }
        return b
    }

    /// A channel name; `1` and `"1"` alike.
    func channel(_ key: Key) throws -> ChannelID? {
        guard contains(key) else { return nil }
        if let s = try? decode(String.self, forKey: key), !s.isEmpty { return ChannelID(s) }
        if let i = try? decode(Int.self, forKey: key) { return ChannelID(String(i)) }
        throw SettingProblem(key: key.stringValue, expected: "a channel name")
    }
}

/// The whole `cellar.toml`, as TOMLKit's decoder reads it.
struct TOMLFile: Decodable {
    var settings = IngestSettings()

    enum CodingKeys: String, CodingKey, CaseIterable {
        case layout, pattern, well, watch, ignore, rgb, grace, settle, channels, segmentation
        case dnaChannel = "dna_channel", plateFormat = "plate_format", pollInterval = "poll_interval"
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        var s = IngestSettings()
        s.layout = try c.text(.layout)
        s.pattern = try c.text(.pattern)
        s.well = try c.text(.well)
        s.watch = try c.text(.watch)
        s.dnaChannel = try c.channel(.dnaChannel)
        if c.contains(.channels) {
            var list = try c.nestedUnkeyedContainer(forKey: .channels)
            var channels: [ChannelID] = []
            while !list.isAtEnd {
                if let name = try? list.decode(String.self) { channels.append(ChannelID(name)) }
                else if let number = try? list.decode(Int.self) { channels.append(ChannelID(String(number))) }
                else { throw SettingProblem(key: "channels", expected: "an array of channel names") }
            }
            s.channels = channels
        }
        if c.contains(.ignore) {
            guard let globs = try? c.decode([String].self, forKey: .ignore) else {
                throw SettingProblem(key: "ignore", expected: "an array of glob strings")
            }
            s.ignore = globs
        }
        if let name = try c.text(.rgb) {
            guard let rgb = RGBConversion(rawValue: name.lowercased()) else {
                throw SettingProblem(key: "rgb", expected: "use \(RGBConversion.allCases.map(\.rawValue).joined(separator: ", "))", invalid: true)
            }
            s.rgb = rgb
        }
        if let n = try c.integer(.plateFormat) {
            guard let format = PlateFormat(rawValue: n) else { throw SettingProblem(key: "plate_format", expected: "use 96, 384 or 1536", invalid: true) }
            s.plateFormat = format
        }
        s.settle = try c.seconds(.settle)
        s.pollInterval = try c.seconds(.pollInterval)
        s.grace = try c.seconds(.grace)
        if c.contains(.segmentation) {
            s.segmentation = try c.decode(SegmentationSettings.self, forKey: .segmentation)
        }
        settings = s
    }
}

extension RGBConversion {
    /// How the conversion is described to the operator.
    public var explanation: String {
        switch self {
        case .red, .green, .blue: "the \(rawValue) channel"
        case .luminance: "luminance (0.299 R + 0.587 G + 0.114 B)"
        case .max: "the largest of R, G and B per pixel"
        }
    }
}
