import CellarImage

/// One intensity channel to measure: an image, its CellProfiler full scale and its name.
///
/// Intensities are reported on CellProfiler's 0–1 scale: raw value / `fullScale`
/// (255 for 8-bit, 65535 for 16-bit images, 1 for float images unless told otherwise).
public struct Channel: Sendable {
    /// Name used as the column suffix, e.g. "DNA".
    public let name: String
    /// Pixels in the type they were read in (no conversion is made before measuring).
    public let image: AnyImage
    /// Raw value that maps to 1.0.
    public let fullScale: Double

    /// A channel read from a file; `fullScale` follows the bit depth (``AnyImage/fullScale``).
    public init(name: String, image: AnyImage) {
        self.name = name
        self.image = image
        self.fullScale = Double(image.fullScale)
    }

    /// A float channel with an explicit full scale (e.g. 65535 for a 16-bit image converted to
    /// float without rescaling, 1 for an image already on the 0–1 scale).
    public init(name: String, image: Image<Float>, fullScale: Float = 1) {
        self.name = name
        self.image = .float32(image)
        self.fullScale = Double(fullScale)
    }

    public var width: Int { image.width }
    public var height: Int { image.height }
}

/// Per-object features of one field: `rowCount` rows × `featureSet.columnCount` columns of
/// `Double`, **row-major** (`values[row * columnCount + column]`), one row per object in
/// increasing label order.
///
/// Undefined values are stored as `Double.nan` and must be written as SQL NULL (never the text
/// "nan"); ``subscript(row:column:)`` returns them as `nil`. Which features can be undefined:
/// - `FormFactor` when the perimeter is 0 (objects one pixel wide or tall; CellProfiler
///   would write `inf`);
/// - `MeanIntensityEdge` when an object has no edge pixel (it fills the whole image);
/// - `Location_CenterMassIntensity_X/Y` and `MassDisplacement` when the object's integrated
///   intensity is 0 (CellProfiler divides 0 by 0).
/// Everything else, including Eccentricity/axes/Orientation of one-pixel objects, is defined
/// (as scikit-image defines it: eccentricity 0, axes 0, orientation −45°).
public struct CellTable: Sendable {
    public let featureSet: FeatureSet
    public let rowCount: Int
    /// Row-major values; NaN = NULL.
    public internal(set) var values: [Double]

    public init(featureSet: FeatureSet, rowCount: Int, values: [Double]) {
        precondition(values.count == rowCount * featureSet.columnCount, "value count mismatch")
        self.featureSet = featureSet
        self.rowCount = rowCount
        self.values = values
    }

    public var columnNames: [String] { featureSet.columnNames }
    public var columnCount: Int { featureSet.columnCount }

    /// The value at (`row`, `column`), `nil` where undefined (NULL).
    public subscript(row: Int, column: Int) -> Double? {
        let v = values[row * featureSet.columnCount + column]
        return v.isNaN ? nil : v
    }

    /// All values of one column by name (nil entries = NULL); nil if there is no such column.
    /// O(rowCount) plus a name lookup.
    public func column(named name: String) -> [Double?]? {
        guard let c = featureSet.index(of: name) else { return nil }
        return (0..<rowCount).map { self[$0, c] }
    }

    /// Label values (object numbers) of the rows.
    public var objectNumbers: [Int] {
        (0..<rowCount).map { Int(values[$0 * featureSet.columnCount + FeatureSet.objectNumberColumn]) }
    }
}

/// Everything measured on one field: the feature table and the objects' masks (same order).
public struct FieldMeasurements: Sendable {
    public let table: CellTable
    public let masks: MaskTable
}
