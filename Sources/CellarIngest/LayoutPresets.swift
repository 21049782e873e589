/// Vendor presets. Every pattern is matched case-insensitively against the file name
/// (never the folders), `.tif`, `.tiff` or `.png`; folders only supply what the name lacks.
extension Layout {
    private static let guid = #"[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}"#

    // The patterns below are constants; `try!` can only fail on a typo caught by the tests.
    private static func preset(_ pattern: String) -> NamedPattern {
        try! NamedPattern(pattern)  // swiftlint:disable:this force_try
    }

    /// Molecular Devices ImageXpress / MetaXpress:
    /// `<plate>_<well>[_s<site>][_w<channel>][<GUID>].tif`.
    /// - site: missing → 1; channel: missing (single-wavelength) → 1.
    /// - The GUID may be glued to the channel (`_w2247376DD-…`), bracketed
    ///   (`_w1_[9AA4D9EA-…]`) or after an underscore (`_w1_10E01AFB-…`).
    /// - The plate name may contain underscores (the last well-shaped token is the well);
    ///   without one in the name, the nearest plate folder names it.
    /// - `TimePoint_N` / `ZStep_N` folders give timepoint / z.
    /// - Thumbnails (`_thumb`) are not this layout's (nil).
    public static let imageXpress: Layout = {
        let p = preset(#"(?:(?<plate>.+)_)?(?<well>[A-Z]{1,2}\d{2})(?:_s(?<site>\d+))?(?:_w(?<channel>\d+?))?(?:_?\[?"# + guid + #"\]?)?\.(?:tiff?|png)"#)
        let builder = GroupKeyBuilder()
        return Layout(name: "imagexpress") { parts in
            if parts.fileName.lowercased().contains("_thumb") { return nil }
            guard let g = p.match(parts.fileName), var key = builder.key(g, parts: parts) else { return nil }
            key.field.timepoint = parts.folderValue(prefix: "timepoint_")
            key.field.z = parts.folderValue(prefix: "zstep_")
            return key
        }
    }()

    /// PerkinElmer/Revvity Opera Phenix / Operetta (Harmony export):
    /// `r02c03f01p01-ch1sk1fk1fl1.tiff` — row and column 1-based numbers, `f` site,
    /// `p` plane → z, `ch` channel, `sk` → timepoint. Plate from the folder
    /// (`Plate__2019-…` → `Plate`).
    public static let opera: Layout = {
        let p = preset(#"r(?<row>\d+)c(?<col>\d+)f(?<site>\d+)(?:p(?<z>\d+))?-ch(?<channel>\d+)(?:sk(?<t>\d+))?(?:fk\d+)?(?:fl\d+)?\.(?:tiff?|png)"#)
        let builder = GroupKeyBuilder()
        return Layout(name: "opera") { parts in
            p.match(parts.fileName).flatMap { builder.key($0, parts: parts) }
        }
    }()

    /// Yokogawa CellVoyager CV7000/CV8000: `<plate>_<well>_T0001F001L01A01Z01C01.tif` —
    /// `T` timepoint, `F` site, `Z` z, `C` channel (`C01` → `1`); `L`/`A` ignored.
    public static let yokogawa: Layout = {
        let p = preset(#"(?:(?<plate>.+)_)?(?<well>[A-Z]{1,2}\d{2})_T(?<t>\d+)F(?<site>\d+)L\d+A\d+Z(?<z>\d+)C(?<channel>\d+)\.(?:tiff?|png)"#)
        let builder = GroupKeyBuilder()
        return Layout(name: "yokogawa") { parts in
            p.match(parts.fileName).flatMap { builder.key($0, parts: parts) }
        }
    }()

    /// Thermo Cellomics ArrayScan: `<prefix>_<well>f<field>d<channel>.TIF`
    /// (`MFGTMP_140206180002_A01f00d0.TIF`) — the prefix is the plate, `f00` is site 1
    /// (the vendor counts fields from 0, Cellar from 1), `d0` is channel `0`. A trailing GUID is allowed.
    public static let arrayScan: Layout = {
        let p = preset(#"(?:(?<plate>.+)_)?(?<well>[A-Z]{1,2}\d{2})f(?<site>\d+)d(?<channel>\d+)(?:_?\[?"# + guid + #"\]?)?\.(?:tiff?|png)"#)
        let builder = GroupKeyBuilder(siteOffset: 1)
        return Layout(name: "arrayscan") { parts in
            p.match(parts.fileName).flatMap { builder.key($0, parts: parts) }
        }
    }()

    /// GE/Cytiva IN Cell Analyzer: `A - 1(fld 1 wv DAPI - DAPI).tif`, optionally
    /// ` z 3` and ` time 2 - 1000 ms` inside the parentheses. Channel: the excitation name
    /// when excitation and emission agree (`DAPI`), else `<ex> - <em>` (`Blue - FITC`);
    /// without `wv` it is `1`. Plate from the folder.
    public static let inCell: Layout = {
        let p = preset(#"(?<row>[A-Z]{1,2}) - (?<col>\d+)\(fld (?<site>\d+)(?: wv (?<ex>[^)]*?) - (?<em>[^)]*?))?(?: z (?<z>\d+))?(?: time (?<t>\d+)[^)]*)?\)\.(?:tiff?|png)"#)
        let builder = GroupKeyBuilder()
        return Layout(name: "incell") { parts in
            guard let g = p.match(parts.fileName) else { return nil }
            var channel: ChannelID?
            if let ex = g["ex"], let em = g["em"] {
                channel = ex.lowercased() == em.lowercased() ? ChannelID(ex) : ChannelID("\(ex) - \(em)")
            }
            return builder.key(g, parts: parts, channel: channel)
        }
    }()

    /// Olympus/Evident scanR: `[<well>]--W00001--P00001--Z00000--T00000--<channel>.tif`.
    /// `W` is a 1-based row-major well index turned into row/column by `plateFormat`
    /// (a well name before `--W`, when present, wins); `P` is the site, `Z`/`T` z and
    /// timepoint as written (0-based), the channel is the name after the last `--`.
    /// Plate from the folder (`<experiment>/data/…` → `<experiment>`).
    public static func scanR(plateFormat: PlateFormat = .wells96) -> Layout {
        let p = preset(#"(?<prefix>[^-]*)--W(?<wellIndex>\d+)--P(?<site>\d+)(?:--Z(?<z>\d+))?(?:--T(?<t>\d+))?--(?<channel>.+?)\.(?:tiff?|png)"#)
        let builder = GroupKeyBuilder(plateFormat: plateFormat)
        return Layout(name: "scanr") { parts in
            guard var g = p.match(parts.fileName) else { return nil }
            if let prefix = g["prefix"], WellName.parse(prefix) != nil { g["well"] = prefix }
            return builder.key(g, parts: parts)
        }
    }

    /// A custom layout from a regular expression with named groups: `plate`, `well`
    /// (`B03`) or `row` (letter or 1-based number) + `col` (1-based) or `wellIndex`,
    /// `site` (default 1), `channel` (default `1`), `z`, `t`. ICU syntax
    /// (`(?<name>…)`; Python's `(?P<name>…)` is accepted). The pattern must match the
    /// whole file name, case-insensitively — or, when it contains `/`, the whole
    /// relative path. Plate falls back to the folder like the presets.
    public static func regex(_ pattern: String, plateFormat: PlateFormat = .wells96,
                             well fixedWell: String? = nil) throws(LayoutError) -> Layout {
        let p = try NamedPattern(pattern)
        let names = Set(p.groupNames.map { $0.lowercased() })
        var builder = GroupKeyBuilder(plateFormat: plateFormat)
        if let fixedWell {
            guard let position = WellName.parse(fixedWell) else {
                throw .invalidPattern(pattern, reason: "--well '\(fixedWell)' is not a well name like B03")
            }
            builder.fixedWell = position
        }
        guard names.contains("well") || names.contains("wellindex")
                || (names.contains("row") && (names.contains("col") || names.contains("column")))
                || fixedWell != nil
        else { throw .missingGroups(pattern, needed: "well, or row and col, or wellIndex (or give the well with --well B03)") }
        let wholePath = pattern.contains("/")
        @Sendable func subject(_ parts: PathParts) -> String {
            wholePath ? (parts.folders + [parts.fileName]).joined(separator: "/") : parts.fileName
        }
        let keys = builder
        return Layout(name: "regex", parse: { parts in
            p.match(subject(parts)).flatMap { keys.key($0, parts: parts) }
        }, explain: { parts in
            guard let g = p.match(subject(parts)) else {
                return "'\(subject(parts))' does not match the pattern \(pattern) (whole \(wholePath ? "path" : "file name"), case-insensitive)"
            }
            return keys.explain(g, parts: parts) ?? "matches"
        })
    }

    /// Every preset, in the order auto-detection breaks ties.
    public static func presets(plateFormat: PlateFormat = .wells96) -> [Layout] {
        [imageXpress, opera, yokogawa, arrayScan, inCell, scanR(plateFormat: plateFormat)]
    }

    /// Preset names accepted by `named(_:)`, plus `auto` and `regex` in settings.
    public static let presetNames = ["imagexpress", "opera", "yokogawa", "arrayscan", "incell", "scanr"]

    /// A preset by name (case-insensitive; `operetta`, `cv7000`, `cv8000`, `cellomics`,
    /// `incell` aliases accepted); `regex` needs `pattern`.
    public static func named(_ name: String, pattern: String? = nil,
                             plateFormat: PlateFormat = .wells96, well: String? = nil) throws(LayoutError) -> Layout {
        switch name.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "") {
        case "imagexpress", "metaxpress", "ixm": return imageXpress
        case "opera", "operetta", "phenix", "harmony": return opera
        case "yokogawa", "cv7000", "cv8000", "cellvoyager": return yokogawa
        case "arrayscan", "cellomics": return arrayScan
        case "incell", "incellanalyzer": return inCell
        case "scanr": return scanR(plateFormat: plateFormat)
        case "regex", "custom":
            guard let pattern else { throw .missingGroups("(none)", needed: "a pattern for the regex layout") }
            return try regex(pattern, plateFormat: plateFormat, well: well)
        default:
            throw .unknownLayout(name, known: presetNames)
        }
    }
}

/// The outcome of `Layout.detect`: the chosen layout and how many sample names each
/// candidate recognised.
public struct LayoutDetection: Sendable {
    public let layout: Layout
    public let matched: Int
    public let sampled: Int
    /// Matches per candidate name, in candidate order.
    public let scores: [(name: String, matched: Int)]
}

extension Layout {
    /// Auto-detection: tries each candidate on up to `sampleLimit` of the given relative
    /// paths and picks the one that recognises the most (ties: candidate order). Nil when
    /// none recognises any. Cost: candidates × samples regex matches.
    public static func detect(_ relativePaths: [String], candidates: [Layout] = Layout.presets(),
                              sampleLimit: Int = 200, rootName: String? = nil) -> LayoutDetection? {
        let sample = Array(relativePaths.prefix(sampleLimit))
        var scores: [(name: String, matched: Int)] = []
        var best: (Layout, Int)?
        for c in candidates {
            let n = sample.reduce(0) { $0 + (c.key(for: $1, rootName: rootName) == nil ? 0 : 1) }
            scores.append((c.name, n))
            if n > 0, n > (best?.1 ?? 0) { best = (c, n) }
        }
        guard let (layout, n) = best else { return nil }
        return LayoutDetection(layout: layout, matched: n, sampled: sample.count, scores: scores)
    }
}
