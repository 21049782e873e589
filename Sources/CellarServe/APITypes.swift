import Hummingbird

// JSON shapes of the API. Missing numbers (NaN) are sent as null.

struct ScreenResponse: ResponseEncodable {
    struct Database: Encodable {
        var path: String
        /// pid of the process writing it (`cellar watch` / `ingest`), nil when none.
        var writerPID: Int32?
        var run: RunProgressDTO?
    }
    struct RunProgressDTO: Encodable {
        var id: Int64
        var finished: Bool
        var fieldsSeen: Int
        var fieldsDone: Int
        var fieldsFailed: Int
        var fieldsPending: Int
        var cells: Int
        var fieldsPerSecond: Double?
        var heartbeatAt: String?
    }
    struct Plate: Encodable {
        var name: String
        var database: String
        var layout: String?
        var createdAt: String
        var wells: Int
        var fieldsDone: Int
        var fieldsFailed: Int
        var cells: Int
    }
    var version: String
    var databases: [Database]
    var plates: [Plate]
}

struct ChangesResponse: ResponseEncodable {
    var version: String
}

struct PlateResponse: ResponseEncodable {
    var plate: String
    var database: String
    var rows: Int
    var columns: Int
    var wellsWithFields: Int
    var fieldsDone: Int
    var fieldsFailed: Int
    var cells: Int
    var features: [String]
    var channels: [String]
}

struct HeatmapResponse: ResponseEncodable {
    struct Well: Encodable {
        var well: String
        var row: Int
        var column: Int
        var fieldsDone: Int
        var fieldsFailed: Int
        var cells: Int
        /// What is coloured (the z-score when asked for), nil without data.
        var value: Double?
        /// The per-well value before the z-score.
        var raw: Double?
        var colour: String?
    }
    struct Histogram: Encodable {
        /// `bins + 1` edges.
        var edges: [Double]
        /// Counts of the plate: cells per bin for a feature, wells per bin for cells per well.
        var plate: [Int]
        /// Cells per bin of each well (features only).
        var wells: [String: [Int]]
        var unit: String
    }
    var plate: String
    var rows: Int
    var columns: Int
    var value: String
    var statistic: String?
    var zscore: Bool
    var label: String
    var low: Double
    var high: Double
    /// The colour map from low to high (11 stops), for the colour bar.
    var scale: [String]
    var wells: [Well]
    var histogram: Histogram
    var version: String
}

struct WellResponse: ResponseEncodable {
    struct Field: Encodable {
        var site: Int
        var status: String
        var cells: Int?
        var ingestedAt: String
        var channels: [String]
        var missing: [String]
    }
    var plate: String
    var well: String
    var fields: [Field]
    var features: [String]
}

struct FieldResponse: ResponseEncodable {
    struct Channel: Encodable {
        var name: String
        var file: String
        var exists: Bool
    }
    var plate: String
    var well: String
    var site: Int
    var status: String
    var cells: Int?
    var ingestedAt: String
    var width: Int?
    var height: Int?
    var channels: [Channel]
    /// Channels whose source file is gone (moved or deleted): the image is black, masks still show.
    var missing: [String]
}

struct CellResponse: ResponseEncodable {
    struct Feature: Encodable {
        var name: String
        var value: Double?
    }
    var plate: String
    var well: String
    var site: Int
    var object: Int
    var features: [Feature]
}

struct GalleryResponse: ResponseEncodable {
    struct Cell: Encodable {
        var site: Int
        var object: Int
        var value: Double?
    }
    var plate: String
    var well: String
    var feature: String
    var order: String
    /// Cells in the well with a value.
    var total: Int
    var cells: [Cell]
}

extension Double {
    /// nil for NaN and infinities (JSON has no such numbers).
    var finite: Double? { isFinite ? self : nil }
}
