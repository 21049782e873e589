/// The ordered feature columns for one object set and a list of channels, named exactly as
/// CellProfiler names them (`Nuclei_AreaShape_Area`, `Nuclei_Intensity_MeanIntensity_DNA`, …).
///
/// Column order (stable; the store's schema and exports depend on it):
/// 1. `<Obj>_Number_Object_Number` (the label value)
/// 2. `<Obj>_Location_Center_X`, `<Obj>_Location_Center_Y`
/// 3. the 22 `<Obj>_AreaShape_*` columns in ``ShapeFeature`` order
/// 4. for each channel, in the given order: the 12 `<Obj>_Intensity_*_<channel>` columns in
///    ``IntensityFeature`` order, then `<Obj>_Location_CenterMassIntensity_X_<channel>` and
///    `<Obj>_Location_CenterMassIntensity_Y_<channel>`.
///
/// So `FeatureSet(channels: ["DNA"]).columnNames.count == 25 + 14 = 39`.
public struct FeatureSet: Sendable, Hashable {
    /// Every column's identity, in table order (``columnNames`` are their `columnName`s).
    public var features: [FeatureID] { Self.features(objectName: objectName, channels: channels) }

    static func features(objectName: String, channels: [String]) -> [FeatureID] {
        var out = [FeatureID(compartment: objectName, category: "Number", name: "Object_Number"),
                   FeatureID(compartment: objectName, category: "Location", name: "Center_X"),
                   FeatureID(compartment: objectName, category: "Location", name: "Center_Y")]
        out += ShapeFeature.allCases.map { FeatureID(compartment: objectName, category: "AreaShape", name: $0.rawValue) }
        for c in channels {
            out += IntensityFeature.allCases.map { FeatureID(compartment: objectName, category: "Intensity", name: $0.rawValue, channel: c) }
            out.append(FeatureID(compartment: objectName, category: "Location", name: "CenterMassIntensity_X", channel: c))
            out.append(FeatureID(compartment: objectName, category: "Location", name: "CenterMassIntensity_Y", channel: c))
        }
        return out
    }

    /// CellProfiler's object name, the column prefix ("Nuclei" by default).
    public let objectName: String
    /// Channel (image) names, the column suffixes of the per-channel features.
    public let channels: [String]
    /// All column names in table order.
    public let columnNames: [String]

    public init(objectName: String = "Nuclei", channels: [String]) {
        self.objectName = objectName
        self.channels = channels
        self.columnNames = Self.features(objectName: objectName, channels: channels).map(\.columnName)
    }

    /// Number of columns: 25 + 14 × channels.
    public var columnCount: Int { columnNames.count }

    /// Column of `<Obj>_Number_Object_Number`.
    public static let objectNumberColumn = 0
    /// Column of `<Obj>_Location_Center_X` (`_Y` is the next one).
    public static let locationCenterXColumn = 1
    /// Columns before the first channel's block.
    public static let fixedColumnCount = 3 + ShapeFeature.allCases.count
    /// Columns per channel.
    public static let columnsPerChannel = IntensityFeature.allCases.count + 2

    /// Column index of a shape feature.
    public static func column(_ f: ShapeFeature) -> Int { 3 + f.index }

    /// Column index of an intensity feature of channel number `channel` (0-based).
    public static func column(_ f: IntensityFeature, channel: Int) -> Int {
        fixedColumnCount + channel * columnsPerChannel + f.index
    }

    /// Column index of `Location_CenterMassIntensity_X` (`y: false`) or `_Y` of a channel.
    public static func centerMassColumn(channel: Int, y: Bool) -> Int {
        fixedColumnCount + channel * columnsPerChannel + IntensityFeature.allCases.count + (y ? 1 : 0)
    }

    /// Column of a feature, or nil when the set has no such feature.
    public func column(of feature: FeatureID) -> Int? { columnNames.firstIndex(of: feature.columnName) }

    /// Index of a column by name, or nil.
    public func index(of name: String) -> Int? { columnNames.firstIndex(of: name) }
}

/// A feature's stable identity: compartment (object set: `Nuclei`, later `Cells`, `Cytoplasm`),
/// CellProfiler category and name, and the channel of per-channel features. Its column name
/// is CellProfiler's: `<compartment>_<category>_<name>[_<channel>]`.
public struct FeatureID: Hashable, Sendable, CustomStringConvertible {
    public let compartment: String
    public let category: String
    public let name: String
    public let channel: String?

    public init(compartment: String, category: String, name: String, channel: String? = nil) {
        self.compartment = compartment; self.category = category; self.name = name; self.channel = channel
    }

    public var columnName: String {
        "\(compartment)_\(category)_\(name)" + (channel.map { "_\($0)" } ?? "")
    }
    public var description: String { columnName }
}

/// MeasureObjectSizeShape features (2-D, CellProfiler 4.x definitions; see ``Measurer``).
public enum ShapeFeature: String, CaseIterable, Sendable {
    case area = "Area"
    case perimeter = "Perimeter"
    case formFactor = "FormFactor"
    case solidity = "Solidity"
    case convexArea = "ConvexArea"
    case extent = "Extent"
    case eulerNumber = "EulerNumber"
    case equivalentDiameter = "EquivalentDiameter"
    case majorAxisLength = "MajorAxisLength"
    case minorAxisLength = "MinorAxisLength"
    case eccentricity = "Eccentricity"
    case orientation = "Orientation"
    case compactness = "Compactness"
    case minFeretDiameter = "MinFeretDiameter"
    case maxFeretDiameter = "MaxFeretDiameter"
    case boundingBoxArea = "BoundingBoxArea"
    case boundingBoxMinimumX = "BoundingBoxMinimum_X"
    case boundingBoxMinimumY = "BoundingBoxMinimum_Y"
    case boundingBoxMaximumX = "BoundingBoxMaximum_X"
    case boundingBoxMaximumY = "BoundingBoxMaximum_Y"
    case centerX = "Center_X"
    case centerY = "Center_Y"

    /// Position within the AreaShape block.
    public var index: Int { Self.allCases.firstIndex(of: self)! }
}

/// MeasureObjectIntensity features per channel (CellProfiler 4.x definitions; see ``Measurer``).
public enum IntensityFeature: String, CaseIterable, Sendable {
    case integratedIntensity = "IntegratedIntensity"
    case meanIntensity = "MeanIntensity"
    case stdIntensity = "StdIntensity"
    case minIntensity = "MinIntensity"
    case maxIntensity = "MaxIntensity"
    case medianIntensity = "MedianIntensity"
    case lowerQuartileIntensity = "LowerQuartileIntensity"
    case upperQuartileIntensity = "UpperQuartileIntensity"
    case madIntensity = "MADIntensity"
    case integratedIntensityEdge = "IntegratedIntensityEdge"
    case meanIntensityEdge = "MeanIntensityEdge"
    case massDisplacement = "MassDisplacement"

    /// Position within a channel's block.
    public var index: Int { Self.allCases.firstIndex(of: self)! }
}

/// One object's AreaShape values, each by its name. ``store(into:)`` writes them in the
/// column order ``FeatureSet`` gives, looking each value up by its feature, so the order of
/// ``ShapeFeature`` (and of the columns) can change without a value landing in another's column.
struct ShapeValues {
    var area = 0.0, perimeter = 0.0, formFactor = 0.0, solidity = 0.0, convexArea = 0.0, extent = 0.0
    var eulerNumber = 0.0, equivalentDiameter = 0.0, majorAxisLength = 0.0, minorAxisLength = 0.0
    var eccentricity = 0.0, orientation = 0.0, compactness = 0.0, minFeretDiameter = 0.0, maxFeretDiameter = 0.0
    var boundingBoxArea = 0.0, boundingBoxMinimumX = 0.0, boundingBoxMinimumY = 0.0
    var boundingBoxMaximumX = 0.0, boundingBoxMaximumY = 0.0, centerX = 0.0, centerY = 0.0

    subscript(_ f: ShapeFeature) -> Double {
        switch f {
        case .area: area
        case .perimeter: perimeter
        case .formFactor: formFactor
        case .solidity: solidity
        case .convexArea: convexArea
        case .extent: extent
        case .eulerNumber: eulerNumber
        case .equivalentDiameter: equivalentDiameter
        case .majorAxisLength: majorAxisLength
        case .minorAxisLength: minorAxisLength
        case .eccentricity: eccentricity
        case .orientation: orientation
        case .compactness: compactness
        case .minFeretDiameter: minFeretDiameter
        case .maxFeretDiameter: maxFeretDiameter
        case .boundingBoxArea: boundingBoxArea
        case .boundingBoxMinimumX: boundingBoxMinimumX
        case .boundingBoxMinimumY: boundingBoxMinimumY
        case .boundingBoxMaximumX: boundingBoxMaximumX
        case .boundingBoxMaximumY: boundingBoxMaximumY
        case .centerX: centerX
        case .centerY: centerY
        }
    }

    /// Writes the AreaShape block (``ShapeFeature`` order) starting at `block`. O(22).
    @inline(__always) func store(into block: UnsafeMutablePointer<Double>) {
        for (k, f) in ShapeFeature.allCases.enumerated() { block[k] = self[f] }
    }
}

/// One object's intensity values in one channel, each by its name (see ``ShapeValues``).
/// Undefined ones stay NaN (NULL).
struct IntensityValues {
    var integratedIntensity = Double.nan, meanIntensity = Double.nan, stdIntensity = Double.nan
    var minIntensity = Double.nan, maxIntensity = Double.nan, medianIntensity = Double.nan
    var lowerQuartileIntensity = Double.nan, upperQuartileIntensity = Double.nan, madIntensity = Double.nan
    var integratedIntensityEdge = Double.nan, meanIntensityEdge = Double.nan, massDisplacement = Double.nan
    var centerMassX = Double.nan, centerMassY = Double.nan

    subscript(_ f: IntensityFeature) -> Double {
        switch f {
        case .integratedIntensity: integratedIntensity
        case .meanIntensity: meanIntensity
        case .stdIntensity: stdIntensity
        case .minIntensity: minIntensity
        case .maxIntensity: maxIntensity
        case .medianIntensity: medianIntensity
        case .lowerQuartileIntensity: lowerQuartileIntensity
        case .upperQuartileIntensity: upperQuartileIntensity
        case .madIntensity: madIntensity
        case .integratedIntensityEdge: integratedIntensityEdge
        case .meanIntensityEdge: meanIntensityEdge
        case .massDisplacement: massDisplacement
        }
    }

    /// Writes a channel's block at `block`: the ``IntensityFeature`` values in their order,
    /// then `Location_CenterMassIntensity_X` and `_Y` (``FeatureSet/centerMassColumn``). O(14).
    @inline(__always) func store(into block: UnsafeMutablePointer<Double>) {
        for (k, f) in IntensityFeature.allCases.enumerated() { block[k] = self[f] }
        block[IntensityFeature.allCases.count] = centerMassX
        block[IntensityFeature.allCases.count + 1] = centerMassY
    }
}
