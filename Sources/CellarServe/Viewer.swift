import CellarQuery
import CellarStore
import Foundation
import Hummingbird
import Logging

/// The databases `cellar serve` shows, opened read-only, with the caches of rendered images
/// and of per-plate feature distributions. Every name a request carries (plate, well, site,
/// feature, channel, object) is looked up here and bound as an SQL parameter; an unknown one
/// is a 404 that says what exists.
public final class Viewer: Sendable {
    public let screens: [Screen]
    public let paths: [String]
    let images: ByteCache
    let sourceCache: SourceCache
    let distributions: ValueCache<PlateDistribution>
    let logger: Logger

    /// Opens every database read-only. Refuses a plate stored in two of them.
    public init(databases: [String], imageCacheBytes: Int = 128 << 20,
                logger: Logger = Logger(label: "cellar.serve")) throws(ServeError) {
        var screens: [Screen] = []
        var seen: [String: String] = [:]
        for path in databases {
            let screen: Screen
            do { screen = try Screen.open(path, logger: logger) } catch {
                throw .cannotOpen(path: path, reason: "\(error)")
            }
            do {
                for plate in try screen.store.plates() {
                    if let first = seen[plate.name] { throw ServeError.duplicatePlate(plate.name, first: first, second: path) }
                    seen[plate.name] = path
                }
            } catch let error as ServeError {
                throw error
            } catch {
                throw .cannotOpen(path: path, reason: "\(error)")
            }
            screens.append(screen)
        }
        self.screens = screens
        self.paths = databases
        self.images = ByteCache(budget: imageCacheBytes)
        self.sourceCache = SourceCache(budget: 256 << 20)
        self.distributions = ValueCache(entries: 16)
        self.logger = logger
    }

    /// The database holding `plate`; 404 naming the known plates otherwise.
    func screen(plate: String) throws -> Screen {
        try Validate.name(plate, what: "plate")
        for screen in screens where try screen.store.hasPlate(plate) { return screen }
        let known = try screens.flatMap { try $0.store.plates().map(\.name) }.sorted()
        throw HTTPError(.notFound, message: "unknown plate '\(Validate.printable(plate))'; plates: "
            + (known.isEmpty ? "none yet" : known.prefix(20).joined(separator: ", ")))
    }

    /// Changes whenever any database commits a field, a failure or a progress report.
    func changeToken() throws -> String {
        try screens.map { try $0.store.changeToken() }.joined(separator: ";")
    }

    /// The stored field for plate/well/site, with its status row; 404 for unknown names.
    func field(plate: String, well: String, site: String?) throws -> (Screen, FieldKey, FieldCount) {
        let screen = try screen(plate: plate)
        let position = try Validate.well(well)
        let s = try Validate.integer(site, name: "site", range: 1 ... 100_000)
        let key = FieldKey(plate: plate, row: position.row, column: position.column, site: s)
        let fields = try screen.store.fields(plate: plate, row: position.row, column: position.column)
        if fields.isEmpty { throw HTTPError(.notFound, message: "plate \(plate) has no stored field in well \(position.name)") }
        guard let field = fields.first(where: { $0.key.site == s }) else {
            throw HTTPError(.notFound, message: "well \(plate)/\(position.name) has no site \(s); sites: "
                + fields.map { String($0.key.site) }.joined(separator: ", "))
        }
        return (screen, key, field)
    }

    /// The feature column named exactly `name`; 404 with the closest names otherwise.
    func feature(_ name: String, in screen: Screen) throws -> String {
        try Validate.name(name, what: "feature")
        let columns = try screen.featureColumns()
        guard columns.contains(name) else {
            let suggestions = FeatureNames.suggestions(for: name, among: columns)
            throw HTTPError(.notFound, message: "unknown feature '\(Validate.printable(name))'"
                + (suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: ", "))?"))
        }
        return name
    }
}

/// Runs blocking work (SQLite reads, file decoding, PNG encoding) on a GCD worker instead of
/// Swift concurrency's cooperative pool, so a long read never stalls the event handling.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(with: Result { try body() })
        }
    }
}
