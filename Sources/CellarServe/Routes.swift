import CellarQuery
import CellarStore
import Foundation
import Hummingbird

/// The viewer's routes: the web app (`/`, `/app.js`, `/app.css`) and the JSON/PNG API under
/// `/api`. Every name comes in as a query parameter (plate names may hold any character) and
/// is checked against the database before use.
public enum ViewerRoutes {
    /// A router for `viewer`, guarded by `token` (nil: loopback only).
    public static func router(viewer: Viewer, token: String?) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: AccessMiddleware(token: token))
        let api = ViewerAPI(viewer: viewer, limiter: Limiter(running: 2 * ProcessInfo.processInfo.activeProcessorCount + 2, queued: 4096))
        router.get("/") { _, _ in Assets.response(Assets.html(token: token), type: "text/html; charset=utf-8") }
        router.get("/app.js") { _, _ in Assets.response(Assets.script, type: "text/javascript; charset=utf-8") }
        router.get("/app.css") { _, _ in Assets.response(Assets.style, type: "text/css; charset=utf-8") }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/api/screen") { _, _ in try await api.screen() }
        router.get("/api/changes") { _, _ in try await api.changes() }
        router.get("/api/plate") { request, _ in try await api.plate(request) }
        router.get("/api/heatmap") { request, _ in try await api.heatmap(request) }
        router.get("/api/well") { request, _ in try await api.well(request) }
        router.get("/api/field") { request, _ in try await api.field(request) }
        router.get("/api/cell") { request, _ in try await api.cell(request) }
        router.get("/api/gallery") { request, _ in try await api.gallery(request) }
        router.get("/api/image.png") { request, _ in try await api.image(request) }
        router.get("/api/crop.png") { request, _ in try await api.crop(request) }
        return router
    }
}

/// The handlers. Each runs its reads and rendering through the limiter, on a GCD worker.
struct ViewerAPI: Sendable {
    let viewer: Viewer
    let limiter: Limiter

    func screen() async throws -> ScreenResponse {
        let viewer = self.viewer
        return try await limiter.run {
            var databases: [ScreenResponse.Database] = []
            var plates: [ScreenResponse.Plate] = []
            for (screen, path) in zip(viewer.screens, viewer.paths) {
                let progress = try screen.store.latestRunProgress()
                databases.append(.init(path: path, writerPID: screen.store.writerPID, run: progress.map { p in
                    .init(id: p.runID, finished: p.finished, fieldsSeen: p.progress.fieldsSeen, fieldsDone: p.progress.fieldsDone,
                          fieldsFailed: p.progress.fieldsFailed, fieldsPending: p.progress.fieldsPending, cells: p.progress.cells,
                          fieldsPerSecond: p.progress.fieldsPerSecond.finite, heartbeatAt: p.progress.heartbeatAt)
                }))
                for p in try screen.store.plates() {
                    plates.append(.init(name: p.name, database: path, layout: p.layout, createdAt: p.createdAt, wells: p.wells,
                                        fieldsDone: p.fieldsDone, fieldsFailed: p.fieldsFailed, cells: p.cells))
                }
            }
            return ScreenResponse(version: try viewer.changeToken(), databases: databases, plates: plates)
        }
    }

    func changes() async throws -> ChangesResponse {
        let viewer = self.viewer
        return try await limiter.run { ChangesResponse(version: try viewer.changeToken()) }
    }

    func plate(_ request: Request) async throws -> PlateResponse {
        let viewer = self.viewer
        let plate = request.query("plate") ?? ""
        return try await limiter.run {
            let screen = try viewer.screen(plate: plate)
            let wells = try screen.store.wellCounts(plate: plate)
            let format = PlateFormat.fitting(wells.map { WellPosition(row: $0.row, column: $0.column) })
            var channels: [String] = []
            if let first = try screen.store.fieldCounts(plate: plate).first(where: { $0.status == "done" }) {
                channels = try screen.store.images(of: first.key).map(\.channel)
            }
            return PlateResponse(plate: plate, database: screen.store.path, rows: format.rows, columns: format.columns,
                                 wellsWithFields: wells.filter { $0.fieldsDone + $0.fieldsFailed > 0 }.count,
                                 fieldsDone: wells.reduce(0) { $0 + $1.fieldsDone },
                                 fieldsFailed: wells.reduce(0) { $0 + $1.fieldsFailed },
                                 cells: wells.reduce(0) { $0 + $1.cells },
                                 features: try screen.featureColumns(), channels: channels)
        }
    }

    func heatmap(_ request: Request) async throws -> HeatmapResponse {
        let viewer = self.viewer
        let plate = request.query("plate") ?? ""
        let value = request.query("value") ?? "cells"
        let statisticText = request.query("stat") ?? "median"
        let zscore = request.query("z") == "1"
        guard let statistic = Statistic(rawValue: statisticText), statistic == .median || statistic == .mean else {
            throw HTTPError(.badRequest, message: "stat must be median or mean")
        }
        return try await limiter.run {
            let screen = try viewer.screen(plate: plate)
            let version = try screen.store.changeToken(progress: false)
            let wells = try screen.store.wellCounts(plate: plate)
            let format = PlateFormat.fitting(wells.map { WellPosition(row: $0.row, column: $0.column) })
            var raw: [WellPosition: Double] = [:]
            var label: String
            var histogram: HeatmapResponse.Histogram
            if value == "cells" {
                for w in wells where w.fieldsDone > 0 { raw[WellPosition(row: w.row, column: w.column)] = Double(w.cells) }
                label = "cells per well"
                histogram = Self.histogram(of: Array(raw.values), bins: 20)
            } else {
                let feature = try viewer.feature(value, in: screen)
                let cacheKey = "\(screen.store.path)|\(plate)|\(feature)|\(statistic.rawValue)|\(version)"
                let distribution: PlateDistribution
                if let cached = viewer.distributions.get(cacheKey) {
                    distribution = cached
                } else {
                    distribution = try PlateDistribution.compute(screen, plate: plate, feature: feature, statistic: statistic)
                    viewer.distributions.set(cacheKey, distribution)
                }
                raw = distribution.values
                label = "\(statistic.rawValue) \(feature)"
                histogram = .init(edges: distribution.edges, plate: distribution.plateHistogram,
                                  wells: Dictionary(uniqueKeysWithValues: distribution.wellHistograms.map { ($0.key.name, $0.value) }),
                                  unit: "cells")
            }
            let shown = zscore ? RobustZ.scores(raw) : raw
            if zscore { label = "robust z-score of " + label }
            var lo = shown.values.min() ?? 0, hi = shown.values.max() ?? 1
            if !(hi > lo) { lo -= 0.5; hi += 0.5 }
            let out = wells.map { w -> HeatmapResponse.Well in
                let p = WellPosition(row: w.row, column: w.column)
                let v = shown[p]
                return .init(well: w.name, row: w.row, column: w.column, fieldsDone: w.fieldsDone, fieldsFailed: w.fieldsFailed,
                             cells: w.cells, value: v?.finite, raw: raw[p]?.finite,
                             colour: v.map { Viridis.hex(($0 - lo) / (hi - lo)) })
            }
            return HeatmapResponse(plate: plate, rows: format.rows, columns: format.columns, value: value,
                                   statistic: value == "cells" ? nil : statistic.rawValue, zscore: zscore, label: label,
                                   low: lo, high: hi, scale: (0 ... 10).map { Viridis.hex(Double($0) / 10) },
                                   wells: out, histogram: histogram, version: version)
        }
    }

    /// Wells per bin of per-well values (cells per well), on `bins` equal bins.
    static func histogram(of values: [Double], bins: Int) -> HeatmapResponse.Histogram {
        var lo = values.min() ?? 0, hi = values.max() ?? 1
        if !(hi > lo) { lo -= 0.5; hi += 0.5 }
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, max(0, Int((v - lo) / (hi - lo) * Double(bins))))] += 1 }
        return .init(edges: (0 ... bins).map { lo + (hi - lo) * Double($0) / Double(bins) }, plate: counts, wells: [:], unit: "wells")
    }

    func well(_ request: Request) async throws -> WellResponse {
        let viewer = self.viewer
        let plate = request.query("plate") ?? "", wellText = request.query("well")
        return try await limiter.run {
            let screen = try viewer.screen(plate: plate)
            let p = try Validate.well(wellText)
            let fields = try screen.store.fields(plate: plate, row: p.row, column: p.column)
            guard !fields.isEmpty else { throw HTTPError(.notFound, message: "plate \(plate) has no stored field in well \(p.name)") }
            let out = try fields.map { f -> WellResponse.Field in
                let images = try screen.store.images(of: f.key)
                return .init(site: f.key.site, status: f.status, cells: f.cellCount, ingestedAt: f.ingestedAt,
                             channels: images.map(\.channel),
                             missing: images.filter { !FileManager.default.fileExists(atPath: $0.path) }.map(\.channel))
            }
            return WellResponse(plate: plate, well: p.name, fields: out, features: try screen.featureColumns())
        }
    }

    func field(_ request: Request) async throws -> FieldResponse {
        let viewer = self.viewer
        let plate = request.query("plate") ?? "", well = request.query("well") ?? "", site = request.query("site")
        return try await limiter.run {
            let (screen, key, field) = try viewer.field(plate: plate, well: well, site: site)
            let images = try screen.store.images(of: key)
            let channels = images.map { FieldResponse.Channel(name: $0.channel, file: ($0.path as NSString).lastPathComponent,
                                                              exists: FileManager.default.fileExists(atPath: $0.path)) }
            let sized = images.first { $0.width != nil && $0.height != nil }
            return FieldResponse(plate: plate, well: key.wellName, site: key.site, status: field.status, cells: field.cellCount,
                                 ingestedAt: field.ingestedAt, width: sized?.width, height: sized?.height, channels: channels,
                                 missing: channels.filter { !$0.exists }.map(\.name))
        }
    }

    func cell(_ request: Request) async throws -> CellResponse {
        let viewer = self.viewer
        let plate = request.query("plate") ?? "", well = request.query("well") ?? "", site = request.query("site")
        let objectText = request.query("object"), xText = request.query("x"), yText = request.query("y")
        return try await limiter.run {
            let (screen, key, _) = try viewer.field(plate: plate, well: well, site: site)
            let object: Int
            if let objectText {
                object = try Validate.integer(objectText, name: "object", range: 1 ... 100_000_000)
            } else {
                let x = try Validate.integer(xText, name: "x", range: 0 ... 1_000_000)
                let y = try Validate.integer(yText, name: "y", range: 0 ... 1_000_000)
                guard let masks = try screen.store.masks(of: key), let hit = masks.object(atX: x, y: y) else {
                    throw HTTPError(.notFound, message: "no cell at (\(x), \(y)) in \(key)")
                }
                object = hit
            }
            guard let cell = try screen.store.cell(of: key, objectNumber: object) else {
                throw HTTPError(.notFound, message: "field \(key) has no object \(object)")
            }
            return CellResponse(plate: plate, well: key.wellName, site: key.site, object: object,
                                features: zip(cell.columns, cell.values).map { .init(name: $0, value: $1.finite) })
        }
    }

    func gallery(_ request: Request) async throws -> GalleryResponse {
        let viewer = self.viewer
        let plate = request.query("plate") ?? "", wellText = request.query("well")
        let featureText = request.query("feature") ?? "Nuclei_AreaShape_Area"
        let order = request.query("order") ?? "desc"
        guard order == "desc" || order == "asc" else { throw HTTPError(.badRequest, message: "order must be asc or desc") }
        let limit = try Validate.integer(request.query("limit"), name: "limit", range: 1 ... 200, fallback: 48)
        return try await limiter.run {
            let screen = try viewer.screen(plate: plate)
            let p = try Validate.well(wellText)
            let feature = try viewer.feature(featureText, in: screen)
            let fields = try screen.store.fields(plate: plate, row: p.row, column: p.column)
            guard !fields.isEmpty else { throw HTTPError(.notFound, message: "plate \(plate) has no stored field in well \(p.name)") }
            var cells: [GalleryResponse.Cell] = []
            for f in fields where f.status == "done" {
                guard let stored = try screen.store.cells(of: f.key, includeMasks: false),
                      let c = stored.columns.firstIndex(of: feature) else { continue }
                let m = stored.columns.count
                for (i, object) in stored.objectNumbers.enumerated() {
                    let v = stored.values[i * m + c]
                    if !v.isNaN { cells.append(.init(site: f.key.site, object: object, value: v)) }
                }
            }
            cells.sort { a, b in order == "desc" ? a.value! > b.value! : a.value! < b.value! }
            return GalleryResponse(plate: plate, well: p.name, feature: feature, order: order, total: cells.count,
                                   cells: Array(cells.prefix(limit)))
        }
    }
}
