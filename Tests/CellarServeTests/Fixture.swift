import CellarBench
import CellarImage
import CellarMeasure
import CellarQuery
import CellarServe
import CellarStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A temporary directory removed when the value is released.
final class TempDir: Sendable {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-serve-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// A screen database written through the store's writer: plate P1 with real 16-bit TIFFs
/// (DNA: the masks bright on a dim background; GFP: a gradient) for A01 (sites 1, 2), A02 and
/// B01; B02 failed; C01 whose source file is missing; and a plate with a hostile name.
struct Fixture {
    static let cells: [(FieldKey, Int, Bool)] = [
        (FieldKey(plate: "P1", row: 1, column: 1, site: 1), 30, true),
        (FieldKey(plate: "P1", row: 1, column: 1, site: 2), 20, true),
        (FieldKey(plate: "P1", row: 1, column: 2, site: 1), 10, true),
        (FieldKey(plate: "P1", row: 2, column: 1, site: 1), 40, true),
        (FieldKey(plate: "P1", row: 3, column: 1, site: 1), 15, false),
        (FieldKey(plate: hostilePlate, row: 1, column: 1, site: 1), 5, true),
    ]
    static let failed = FieldKey(plate: "P1", row: 2, column: 2, site: 1)
    static let hostilePlate = "Q'; DROP TABLE cell;-- ../x"
    static let background: UInt16 = 1000, foreground: UInt16 = 5000

    /// The second channel of every field: a horizontal gradient 0…1023.
    static let gradient = Image<UInt16>(width: 1024, height: 1024, pixels: (0 ..< 1024 * 1024).map { UInt16($0 % 1024) })

    let dir: TempDir
    let path: String

    init() async throws {
        dir = try TempDir()
        path = dir.file("screen.db")
        let store = try Store.create(at: path)
        let columns = try store.featureColumns()
        let writer = try store.makeWriter(run: RunInfo(version: "test", parametersJSON: "{}", parametersHash: "t"))
        for (i, (key, count, real)) in Self.cells.enumerated() {
            var field = SyntheticField.make(key: key, cells: count, columns: columns, seed: UInt64(i + 1))
            if real {
                let masks = try LabelImage.rebuild(width: 1024, height: 1024, masks: field.masks.indices.map { j in
                    let m = field.masks[j]
                    return CellMask(objectNumber: UInt32(j + 1), x: m.x, y: m.y, width: m.width, height: m.height, rle: m.rle)
                })
                let dna = Image<UInt16>(width: 1024, height: 1024,
                                        pixels: masks.pixels.map { $0 == 0 ? Self.background : Self.foreground })
                var images: [ImageRecord] = []
                for (channel, image) in [("DNA", dna), ("GFP", Self.gradient)] {
                    let file = dir.file("field\(i)_\(channel).tif")
                    try ImageFile.writeTIFF(image, to: file)
                    images.append(ImageRecord(channel: channel, path: file, bytes: 1, mtime: 0, fingerprint: "f\(i)\(channel)",
                                              width: 1024, height: 1024, bits: 16))
                }
                field.images = images
            }
            try await writer.submit(field)
        }
        try await writer.submit(failure: FailureRecord(path: dir.file("bad.tif"), reason: "unreadable", field: Self.failed))
        _ = try await writer.finish()
        try store.close()
    }

    /// The viewer's router over this database.
    func router(token: String? = nil) throws -> Router<BasicRequestContext> {
        ViewerRoutes.router(viewer: try Viewer(databases: [path]), token: token)
    }

    func app(token: String? = nil) throws -> some ApplicationProtocol {
        Application(router: try router(token: token))
    }

    /// The stored cells of `key` (features and masks), read directly from the store.
    func stored(_ key: FieldKey) throws -> FieldCells {
        let store = try Store.open(at: path, mode: .readOnly)
        defer { try? store.close() }
        return try #require(try store.cells(of: key, includeMasks: true))
    }
}

/// The query string for `params`, percent-encoded.
func query(_ path: String, _ params: [(String, String)]) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-_.~")
    return path + "?" + params.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
}

extension TestResponse {
    /// The body as JSON.
    func json() throws -> [String: Any] {
        let data = Data(body.readableBytesView)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The `error.message` of an error body.
    func errorMessage() throws -> String {
        let error = try #require(try json()["error"] as? [String: Any])
        return try #require(error["message"] as? String)
    }
}

/// Decodes an RGB PNG into its three channels.
func decodeRGB(_ bytes: ByteBuffer, dir: TempDir) throws -> (width: Int, height: Int, r: [UInt8], g: [UInt8], b: [UInt8]) {
    let file = dir.file("decoded-\(UUID().uuidString).png")
    try Data(bytes.readableBytesView).write(to: URL(fileURLWithPath: file))
    func plane(_ k: Int) throws -> Image<UInt8> {
        guard case .uint8(let image) = try ImageFile.read(file, channel: .index(k)) else {
            throw CancellationError()
        }
        return image
    }
    let r = try plane(0), g = try plane(1), b = try plane(2)
    return (r.width, r.height, r.pixels, g.pixels, b.pixels)
}
