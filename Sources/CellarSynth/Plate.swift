/// A microplate format: 96, 384 or 1536 wells, rows lettered A, B, … (then AA…AF
/// for 1536-well plates), columns numbered from 1.
public struct PlateFormat: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let rows: Int
    public let columns: Int

    public static let wells96 = PlateFormat(rows: 8, columns: 12)
    public static let wells384 = PlateFormat(rows: 16, columns: 24)
    public static let wells1536 = PlateFormat(rows: 32, columns: 48)
    public static let standard: [PlateFormat] = [.wells96, .wells384, .wells1536]

    public init(rows: Int, columns: Int) {
        precondition(rows > 0 && columns > 0 && rows <= 52, "unsupported plate \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
    }

    /// The standard format with exactly `wells` wells, if any.
    public init?(wellCount wells: Int) {
        guard let f = Self.standard.first(where: { $0.wellCount == wells }) else { return nil }
        self = f
    }

    /// The smallest standard format holding at least `wells` wells (nil above 1536).
    public static func smallest(holding wells: Int) -> PlateFormat? {
        standard.first { $0.wellCount >= wells }
    }

    public var wellCount: Int { rows * columns }
    public var description: String { "\(wellCount)-well" }

    /// Row letters: "A"…"Z", then "AA", "AB", … (1536-well plates use AA…AF).
    public static func rowName(_ row: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return row < 26 ? String(letters[row]) : "A" + String(letters[row - 26])
    }

    /// Well name like `B03` for zero-based (row, column).
    public func wellName(row: Int, column: Int) -> String {
        precondition(row < rows && column < columns)
        let c = column + 1
        return Self.rowName(row) + (c < 10 ? "0\(c)" : "\(c)")
    }

    /// The first `count` well names in row-major order (A01, A02, …, A12, B01, …).
    /// O(count).
    public func wellNames(count: Int? = nil) -> [String] {
        let n = min(count ?? wellCount, wellCount)
        return (0..<n).map { wellName(row: $0 / columns, column: $0 % columns) }
    }
}

/// Which wells `--wells N` selects: the full plate when N is 96, 384 or 1536,
/// otherwise the first N wells (row-major) of the smallest plate holding N.
/// Returns nil when N < 1 or N > 1536.
public func selectWells(_ n: Int) -> (format: PlateFormat, wells: [String])? {
    guard n >= 1, let f = PlateFormat(wellCount: n) ?? PlateFormat.smallest(holding: n) else { return nil }
    return (f, f.wellNames(count: n))
}

/// One field of a synthetic plate and where its files go (ImageXpress-style names):
/// `P1/P1_B03_s2_w1.TIF`, ground truth `P1_groundtruth/P1_B03_s2_w1.TIF`.
public struct PlateField: Sendable, Equatable, Hashable {
    public var plate: String
    public var well: String
    /// 1-based site (field) number.
    public var site: Int
    /// 1-based channel (wavelength) number.
    public var channel: Int = 1

    public init(plate: String, well: String, site: Int, channel: Int = 1) {
        self.plate = plate; self.well = well; self.site = site; self.channel = channel
    }

    /// `P1_B03_s2_w1.TIF`
    public var fileName: String { "\(plate)_\(well)_s\(site)_w\(channel).TIF" }
    /// `P1/P1_B03_s2_w1.TIF`, relative to the output directory.
    public var imagePath: String { "\(plate)/\(fileName)" }
    /// `P1_groundtruth/P1_B03_s2_w1.TIF`, relative to the output directory.
    public var truthPath: String { "\(plate)_groundtruth/\(fileName)" }

    /// The fields of `wells` × sites 1…`sites`, well-major (A01 s1…s9, A02 s1…).
    public static func fields(plate: String, wells: [String], sites: Int) -> [PlateField] {
        wells.flatMap { w in (1...max(sites, 1)).map { PlateField(plate: plate, well: w, site: $0) } }
    }
}

extension FieldSynthesizer {
    /// The field for a plate position; same result as
    /// ``synthesizeField(plate:well:site:seed:size:)``.
    public mutating func synthesize(_ field: PlateField, seed: UInt64) -> SyntheticField {
        synthesize(fieldSeed: fieldSeed(seed: seed, plate: field.plate, well: field.well, site: field.site))
    }
}
