import CellarImage
import Foundation
import TOMLKit

/// A TOML value kept opaque for the segmentation parameters, which the pipeline maps.
public enum SettingValue: Sendable, Equatable, CustomStringConvertible {
    case bool(Bool), int(Int), double(Double), string(String)
    case array([SettingValue]), table([String: SettingValue])

    /// The number as a Double (TOML `2` and `2.0` both).
    public var double: Double? {
        switch self { case let .double(d): d; case let .int(i): Double(i); default: nil }
    }
    public var int: Int? { if case let .int(i) = self { i } else { nil } }
    public var string: String? { if case let .string(s) = self { s } else { nil } }
    public var bool: Bool? { if case let .bool(b) = self { b } else { nil } }

    public var description: String {
        switch self {
        case let .bool(b): "\(b)"
        case let .int(i): "\(i)"
        case let .double(d): "\(d)"
        case let .string(s): "\"\(s)\""
        case let .array(a): "[" + a.map(\.description).joined(separator: ", ") + "]"
        case let .table(t): "{" + t.keys.sorted().map { "\($0) = \(t[$0]!)" }.joined(separator: ", ") + "}"
        }
    }

    init?(_ v: TOMLValueConvertible) {
        switch v.type {
        case .bool: self = .bool(v.bool ?? false)
        case .int: self = .int(v.int ?? 0)
        case .double: self = .double(v.double ?? 0)
        case .string: self = .string(v.string ?? "")
        case .array: self = .array((v.array.map { Array($0) } ?? []).compactMap(SettingValue.init))
        case .table:
            var t: [String: SettingValue] = [:]
            if let table = v.table { for k in table.keys { if let x = table[k].flatMap(SettingValue.init) { t[k] = x } } }
            self = .table(t)
        default: self = .string(v.debugDescription)  // dates and times: kept as text
        }
    }
}

/// Errors reading `cellar.toml`.
public enum SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case syntax(path: String, line: Int, column: Int, reason: String)
    case unknownKey(path: String, key: String)
    case wrongType(path: String, key: String, expected: String)
    case invalidValue(path: String, key: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(p, r): "cannot read \(p): \(r)"
        case let .syntax(p, l, c, r): "\(p):\(l):\(c): \(r)"
        case let .unknownKey(p, k):
            "\(p): unknown key '\(k)' (known: \(IngestSettings.tomlKeys.sorted().joined(separator: ", ")), [segmentation])"
        case let .wrongType(p, k, e): "\(p): '\(k)' must be \(e)"
        case let .invalidValue(p, k, r): "\(p): '\(k)': \(r)"
        }
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
    /// The `[segmentation]` table, uninterpreted; keys from flags win key by key.
    public var segmentation: [String: SettingValue]
    /// The `cellar.toml` these settings were merged with, when there was one (errors name it).
    public var tomlPath: String?

    public init(layout: String? = nil, pattern: String? = nil, dnaChannel: ChannelID? = nil,
                channels: [ChannelID]? = nil, plateFormat: PlateFormat? = nil,
                settle: Duration? = nil, pollInterval: Duration? = nil, grace: Duration? = nil,
                watch: String? = nil, segmentation: [String: SettingValue] = [:]) {
        self.layout = layout; self.pattern = pattern; self.dnaChannel = dnaChannel
        self.channels = channels; self.plateFormat = plateFormat; self.settle = settle
        self.pollInterval = pollInterval; self.grace = grace; self.watch = watch
        self.segmentation = segmentation
    }

    public static let fileName = "cellar.toml"
    static let tomlKeys: Set<String> = ["layout", "pattern", "dna_channel", "channels", "plate_format",
                                        "settle", "poll_interval", "grace", "watch", "ignore", "rgb", "well", "segmentation"]

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
        m.segmentation = other.segmentation.merging(segmentation) { _, flag in flag }
        return m
    }

    /// Parses the TOML text of a `cellar.toml`.
    public static func parse(toml text: String, path: String = fileName) throws(SettingsError) -> IngestSettings {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let e as TOMLParseError {
            throw .syntax(path: path, line: e.source.begin.line, column: e.source.begin.column, reason: e.description)
        } catch {
            throw .syntax(path: path, line: 0, column: 0, reason: "\(error)")
        }
        var s = IngestSettings()
        for key in table.keys {
            guard tomlKeys.contains(key), let v = table[key] else { throw .unknownKey(path: path, key: key) }
            func str() throws(SettingsError) -> String {
                guard let x = v.string else { throw .wrongType(path: path, key: key, expected: "a string") }
                return x
            }
            func seconds() throws(SettingsError) -> Duration {
                let d: Double? = v.double ?? v.int.map(Double.init)
                guard let d, d >= 0 else { throw .wrongType(path: path, key: key, expected: "a number of seconds ≥ 0") }
                return .milliseconds(Int64((d * 1000).rounded()))
            }
            switch key {
            case "layout": s.layout = try str()
            case "pattern": s.pattern = try str()
            case "well": s.well = try str()
            case "watch": s.watch = try str()
            case "ignore":
                guard let a = v.array, Array(a).allSatisfy({ $0.string != nil }) else {
                    throw .wrongType(path: path, key: key, expected: "an array of glob strings")
                }
                s.ignore = Array(a).compactMap(\.string)
            case "rgb":
                guard let c = RGBConversion(rawValue: try str().lowercased()) else {
                    throw .invalidValue(path: path, key: key, reason: "use \(RGBConversion.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                s.rgb = c
            case "dna_channel": s.dnaChannel = ChannelID(v.string ?? v.int.map { String($0) } ?? "")
                if s.dnaChannel?.name.isEmpty ?? true { throw .wrongType(path: path, key: key, expected: "a channel name") }
            case "channels":
                guard let a = v.array else { throw .wrongType(path: path, key: key, expected: "an array of channel names") }
                s.channels = Array(a).compactMap { $0.string ?? $0.int.map { String($0) } }.map { ChannelID($0) }
            case "plate_format":
                guard let n = v.int, let f = PlateFormat(rawValue: n) else {
                    throw .invalidValue(path: path, key: key, reason: "use 96, 384 or 1536")
                }
                s.plateFormat = f
            case "settle": s.settle = try seconds()
            case "poll_interval": s.pollInterval = try seconds()
            case "grace": s.grace = try seconds()
            case "segmentation":
                guard case let .table(t)? = SettingValue(v) else {
                    throw .wrongType(path: path, key: key, expected: "a table")
                }
                s.segmentation = t
            default: throw .unknownKey(path: path, key: key)
            }
        }
        return s
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
