import CellarStore
import Foundation
import Logging

/// Queries over several databases (`--db A.db --db B.db`, `--db DIR`), answered as if over the
/// merged database.
///
/// **Design: a temporary merge, narrowed to what the query reads.** The inputs are merged by
/// `Store.merge(from:scope:)` — the same code and the same conflict rule (later run wins) as
/// `cellar merge` — into a database in a fresh temporary directory, which is then queried like
/// any other and removed afterwards. So the answer is the merged database's answer by
/// construction (byte-identical output, tested), with no second implementation of counts,
/// exact quantiles or exports over several connections, and no ATTACH limit (SQLite allows 10
/// attached databases; a screen kept per plate has hundreds). The cost is bounded by the scope:
/// counts and cell heatmaps copy only plate, well and field rows (O(fields)); summaries and
/// exports copy the cells of the selected plate (or all) without masks, at the merge's
/// streaming rate, in O(1) memory; only `masks` copies masks.
extension Screen {
    /// Opens one database read-only, or merges several into a temporary one (see above).
    /// Every path must be an existing Cellar database; the inputs are only read.
    public static func open(paths: [String], scope: MergeScope, logger: Logger = Logger(label: "cellar.query")) throws(QueryError) -> Screen {
        guard let first = paths.first else { throw .invalidArgument("give --db DB (several --db, or a folder of *.db, to query them together)") }
        if paths.count == 1 { return try open(first, logger: logger) }
        let temporary: TemporaryDatabase
        do { temporary = try TemporaryDatabase() } catch {
            throw .output(path: NSTemporaryDirectory(), reason: "cannot create a temporary database: \(error)")
        }
        // The temporary database is an implementation detail: no "creating database" notes.
        var quiet = logger
        if quiet.logLevel < .notice { quiet.logLevel = .notice }
        do {
            let store = try Store.create(at: temporary.path, logger: quiet)
            for path in paths {
                let report = try store.merge(from: path, scope: scope)
                logger.debug("read \(path): \(report.fieldsAdded) fields, \(report.cells) cells in \(report.seconds) s")
            }
            try store.close()
            var screen = Screen(store: try Store.open(at: temporary.path, mode: .readOnly, logger: quiet))
            screen.temporary = temporary
            return screen
        } catch {
            throw .store(error)
        }
    }
}

/// A temporary directory holding one database, removed on deinit.
final class TemporaryDatabase: Sendable {
    let directory: String
    var path: String { directory + "/merged.db" }

    init() throws {
        var template = Array((NSTemporaryDirectory() + "cellar-several-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        directory = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}
