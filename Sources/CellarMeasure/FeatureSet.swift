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
    /// CellProfiler's object name, the column prefix ("Nuclei" by default).
    public let objectName: String
    /// Channel (image) names, the column suffixes of the per-channel features.
    public let channels: [String]
    /// All column names in table order.
    public let columnNames: [String]

    public init(objectName: String = "Nuclei", channels: [String]) {
        self.objectName = objectName
        self.channels = channels
        var names = ["\(objectName)_Number_Object_Number",
                     "\(objectName)_Location_Center_X",
                     "\(objectName)_Location_Center_Y"]
        for f in ShapeFeature.allCases { names.append("\(objectName)_AreaShape_\(f.rawValue)") }
        for c in channels {
            for f in IntensityFeature.allCases { names.append("\(objectName)_Intensity_\(f.rawValue)_\(c)") }
            names.append("\(objectName)_Location_CenterMassIntensity_X_\(c)")
            names.append("\(objectName)_Location_CenterMassIntensity_Y_\(c)")
        }
        self.columnNames = names
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

    /// Index of a column by name, or nil.
    public func index(of name: String) -> Int? { columnNames.firstIndex(of: name) }
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
