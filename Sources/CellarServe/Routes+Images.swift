import CellarImage
import CellarQuery
import CellarStore
import Foundation
import Hummingbird

/// The image endpoints: a field (`/api/image.png`) and one cell's crop (`/api/crop.png`),
/// rendered from the source files the database names plus the stored masks, PNG-encoded and
/// cached by every parameter and the field's ingest time.
extension ViewerAPI {
    struct ImageParameters: Sendable {
        var plate: String, well: String, site: String?
        var channel: String?, channel2: String?
        var low: Double, high: Double
        var outlines: Bool
        var size: Int
        var highlight: Int?

        init(_ request: Request, defaultSize: Int, maxSize: Int) throws {
            plate = request.query("plate") ?? ""
            well = request.query("well") ?? ""
            site = request.query("site")
            channel = request.query("channel").flatMap { $0.isEmpty ? nil : $0 }
            channel2 = request.query("channel2").flatMap { $0.isEmpty ? nil : $0 }
            low = try Validate.number(request.query("lo"), name: "lo", range: 0 ... 100, fallback: 0.5)
            high = try Validate.number(request.query("hi"), name: "hi", range: 0 ... 100, fallback: 99.8)
            guard low < high else { throw HTTPError(.badRequest, message: "lo must be below hi (percentiles)") }
            outlines = (request.query("outlines") ?? "1") != "0"
            size = try Validate.integer(request.query("size"), name: "size", range: 16 ... maxSize, fallback: defaultSize)
            highlight = try request.query("highlight").map { try Validate.integer($0, name: "highlight", range: 1 ... 100_000_000) }
        }

        var cacheSuffix: String {
            "\(channel ?? "")|\(channel2 ?? "")|\(low)|\(high)|\(outlines)|\(size)|\(highlight ?? 0)"
        }
    }

    func image(_ request: Request) async throws -> Response {
        let viewer = self.viewer
        let q = try ImageParameters(request, defaultSize: FieldRenderer.maxOutput, maxSize: FieldRenderer.maxOutput)
        let png = try await limiter.run { () throws -> [UInt8] in
            let (screen, key, field) = try viewer.field(plate: q.plate, well: q.well, site: q.site)
            let cacheKey = "image|\(screen.store.path)|\(key)|\(field.ingestedAt)|\(q.cacheSuffix)"
            if let hit = viewer.images.get(cacheKey) { return hit }
            let (records, sources) = try viewer.sources(of: key, in: screen, channel: q.channel, channel2: q.channel2)
            guard let (width, height) = Self.size(records, sources) else {
                throw HTTPError(.notFound, message: "field \(key) has no image size recorded and its files are gone")
            }
            var renderer = FieldRenderer(width: width, height: height, maxSide: q.size, channels: sources)
            renderer.lowPercentile = q.low
            renderer.highPercentile = q.high
            renderer.highlight = q.highlight
            if q.outlines { renderer.masks = try screen.store.masks(of: key) }
            let png = try PNGEncoder.encode(renderer.render(), width: renderer.outWidth, height: renderer.outHeight, channels: 3)
            viewer.images.set(cacheKey, png, cost: png.count)
            return png
        }
        return Self.pngResponse(png)
    }

    func crop(_ request: Request) async throws -> Response {
        let viewer = self.viewer
        let q = try ImageParameters(request, defaultSize: 96, maxSize: 512)
        let object = try Validate.integer(request.query("object"), name: "object", range: 1 ... 100_000_000)
        let png = try await limiter.run { () throws -> [UInt8] in
            let (screen, key, field) = try viewer.field(plate: q.plate, well: q.well, site: q.site)
            let cacheKey = "crop|\(screen.store.path)|\(key)|\(field.ingestedAt)|\(object)|\(q.cacheSuffix)"
            if let hit = viewer.images.get(cacheKey) { return hit }
            guard let masks = try screen.store.masks(of: key), let i = masks.objectNumbers.firstIndex(of: object) else {
                throw HTTPError(.notFound, message: "field \(key) has no object \(object) with a mask")
            }
            let (records, sources) = try viewer.sources(of: key, in: screen, channel: q.channel, channel2: q.channel2)
            guard let (width, height) = Self.size(records, sources) else {
                throw HTTPError(.notFound, message: "field \(key) has no image size recorded and its files are gone")
            }
            let m = masks.masks[i]
            let side = min(max(32, Int(Double(max(m.width, m.height)) * 1.6) + 8), min(width, height))
            let x0 = min(max(0, m.x + m.width / 2 - side / 2), width - side)
            let y0 = min(max(0, m.y + m.height / 2 - side / 2), height - side)
            var renderer = FieldRenderer(window: x0, y0, side, side, outWidth: q.size, outHeight: q.size, channels: sources)
            renderer.lowPercentile = q.low
            renderer.highPercentile = q.high
            if q.outlines {
                var one = StoredMasks()
                one.append(x: m.x, y: m.y, width: m.width, height: m.height, rle: m.rle)
                renderer.masks = FieldMasks(key: key, objectNumbers: [object], masks: one)
                renderer.highlight = object
            }
            let png = try PNGEncoder.encode(renderer.render(), width: q.size, height: q.size, channels: 3, effort: .small)
            viewer.images.set(cacheKey, png, cost: png.count)
            return png
        }
        return Self.pngResponse(png)
    }

    static func pngResponse(_ png: [UInt8]) -> Response {
        Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, max-age=10"],
                 body: .init(byteBuffer: ByteBuffer(bytes: png)))
    }

    /// Width and height from the image rows, else from a readable source.
    static func size(_ records: [ImageRecord], _ sources: [SourceImage?]) -> (Int, Int)? {
        if let r = records.first(where: { $0.width != nil && $0.height != nil }), let w = r.width, let h = r.height,
           w > 0, h > 0, w <= SourceImage.maxDimension, h <= SourceImage.maxDimension {
            return (w, h)
        }
        if let s = sources.compactMap({ $0 }).first { return (s.width, s.height) }
        return nil
    }
}

extension Viewer {
    /// The image rows of the chosen channels (default: DNA, else the first) and their decoded
    /// files, nil where a file is missing or unreadable. Only paths stored in the database are
    /// ever opened; 404 for a channel the field does not have.
    func sources(of key: FieldKey, in screen: Screen, channel: String?, channel2: String?) throws -> ([ImageRecord], [SourceImage?]) {
        let images = try screen.store.images(of: key)
        guard !images.isEmpty else { throw HTTPError(.notFound, message: "field \(key) has no images recorded") }
        func pick(_ name: String) throws -> ImageRecord {
            try Validate.name(name, what: "channel")
            guard let r = images.first(where: { $0.channel == name }) else {
                throw HTTPError(.notFound, message: "field \(key) has no channel '\(Validate.printable(name))'; channels: "
                    + images.map(\.channel).joined(separator: ", "))
            }
            return r
        }
        var records = [try channel.map(pick) ?? images.first { $0.channel == "DNA" } ?? images[0]]
        if let channel2 { records.append(try pick(channel2)) }
        return (records, records.map { source($0.path) })
    }

    /// The decoded file at `path` (cached by path, size and modification time), nil when it
    /// is gone or unreadable.
    func source(_ path: String) -> SourceImage? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              (attributes[.type] as? FileAttributeType) == .typeRegular else { return nil }
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        let key = "\(path)|\(size)|\(mtime)"
        if let hit = sourceCache.get(key) { return hit }
        do {
            let image = try SourceImage.load(path: path)
            sourceCache.set(key, image)
            return image
        } catch {
            logger.warning("cannot read \(path): \(error)")
            return nil
        }
    }
}
