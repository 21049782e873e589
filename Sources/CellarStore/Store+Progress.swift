import Foundation
import GRDB

/// A field the ingester has seen files of but not processed yet, and why (`run.waiting`).
public struct WaitingField: Sendable, Hashable, Codable {
    /// `P1/B03/2`
    public var field: String
    /// Channels whose files are there, and channels still expected.
    public var present: [String]
    public var missing: [String]
    /// Why it waits, in words.
    public var reason: String
    /// When it is decided without further files (ISO 8601 UTC), nil when only a file can decide.
    public var until: String?

    public init(field: String, present: [String], missing: [String], reason: String, until: Date?) {
        self.field = field
        self.present = present
        self.missing = missing
        self.reason = reason
        self.until = until.map(Timestamp.format)
    }
}

/// The `run.waiting` document.
struct WaitingDocument: Codable {
    var count: Int
    var fields: [WaitingField]
}

/// Live progress of a run (`run` columns of `schema/0002_run_progress.sql`).
public struct RunProgress: Sendable, Hashable {
    public var root: String?
    public var fieldsSeen: Int
    public var fieldsDone: Int
    public var fieldsSkipped: Int
    public var fieldsFailed: Int
    public var fieldsPending: Int
    public var cells: Int
    public var fieldsPerSecond: Double
    /// ISO 8601 UTC time of the report (set when written; read back from the row).
    public var heartbeatAt: String?
    /// Fields waiting for files, and up to 50 of them with the reason.
    public var waitingCount = 0
    public var waiting: [WaitingField] = []

    public init(root: String?, fieldsSeen: Int, fieldsDone: Int, fieldsSkipped: Int, fieldsFailed: Int,
                fieldsPending: Int, cells: Int, fieldsPerSecond: Double, heartbeatAt: String? = nil) {
        self.root = root
        self.fieldsSeen = fieldsSeen
        self.fieldsDone = fieldsDone
        self.fieldsSkipped = fieldsSkipped
        self.fieldsFailed = fieldsFailed
        self.fieldsPending = fieldsPending
        self.cells = cells
        self.fieldsPerSecond = fieldsPerSecond
        self.heartbeatAt = heartbeatAt
    }
}

extension Store {
    /// Records `progress` on run `runID` with the current time as heartbeat.
    /// A small write, serialised with the writer's transactions.
    public func recordProgress(_ progress: RunProgress, runID: Int64) throws(StoreError) {
        do {
            try pool.write { db in
                let waiting = progress.waitingCount == 0 ? nil : String(
                    decoding: try JSONEncoder().encode(WaitingDocument(count: progress.waitingCount,
                                                                       fields: Array(progress.waiting.prefix(50)))),
                    as: UTF8.self)
                try db.execute(sql: """
                    UPDATE run SET root = ?, heartbeat_at = ?, fields_seen = ?, fields_done = ?, fields_skipped = ?,
                        fields_failed = ?, fields_pending = ?, cells = ?, fields_per_second = ?, waiting = ?
                    WHERE id = ?
                    """, arguments: [progress.root, Timestamp.now(), progress.fieldsSeen, progress.fieldsDone,
                                     progress.fieldsSkipped, progress.fieldsFailed, progress.fieldsPending,
                                     progress.cells, progress.fieldsPerSecond, waiting, runID])
            }
        } catch { throw mapError(error) }
    }

    /// Progress of the latest run that reported any, with its id and whether it finished.
    public func latestRunProgress() throws(StoreError) -> (runID: Int64, finished: Bool, progress: RunProgress)? {
        try read { db in try Self.latestRunProgress(db: db) }
    }

    static func latestRunProgress(db: Database) throws -> (runID: Int64, finished: Bool, progress: RunProgress)? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT id, finished_at, root, heartbeat_at, fields_seen, fields_done, fields_skipped, fields_failed,
                   fields_pending, cells, fields_per_second, fields_stored, cells_stored, fields_failed_stored, waiting
            FROM run WHERE heartbeat_at IS NOT NULL ORDER BY id DESC LIMIT 1
            """) else { return nil }
        // Done, failed and cells are the writer's own counts (committed with the fields), so
        // they agree with the plates and runs read in the same snapshot; the rest is the
        // runner's last report.
        var progress = RunProgress(
            root: row["root"], fieldsSeen: row["fields_seen"] ?? 0, fieldsDone: row["fields_stored"],
            fieldsSkipped: row["fields_skipped"] ?? 0, fieldsFailed: row["fields_failed_stored"],
            fieldsPending: row["fields_pending"] ?? 0, cells: row["cells_stored"],
            fieldsPerSecond: row["fields_per_second"] ?? 0, heartbeatAt: row["heartbeat_at"])
        // The report may be up to 2 s older than the stored counts: never fewer seen than finished.
        let finished = progress.fieldsDone + progress.fieldsSkipped + progress.fieldsFailed
        if progress.fieldsSeen < finished {
            progress.fieldsPending = 0
            progress.fieldsSeen = finished
        }
        if let text = row["waiting"] as String?,
           let document = try? JSONDecoder().decode(WaitingDocument.self, from: Data(text.utf8)) {
            progress.waitingCount = document.count
            progress.waiting = document.fields
        }
        return (row["id"], (row["finished_at"] as String?) != nil, progress)
    }
}

/// What `cellar status` shows, read in one snapshot so that its parts agree.
public struct StatusSnapshot: Sendable {
    public var plates: [PlateSummary]
    /// Per plate name, the channels of its stored images (`image.channel`), numbers in
    /// numeric order (`1, 2, 10`), then names.
    public var channels: [String: [String]]
    public var runs: [RunRecord]
    public var failures: [StoredFailure]
    /// The latest run that reported progress.
    public var latest: (runID: Int64, finished: Bool, progress: RunProgress)?
}

extension Store {
    /// Plates, runs, failures and the latest run's progress, from one read transaction.
    public func status() throws(StoreError) -> StatusSnapshot {
        try read { db in
            StatusSnapshot(plates: try Self.plates(db: db), channels: try Self.plateChannels(db: db),
                           runs: try Self.runs(db: db),
                           failures: try Self.failures(run: nil, db: db), latest: try Self.latestRunProgress(db: db))
        }
    }

    /// Per plate, the distinct channels of its stored images. O(images).
    static func plateChannels(db: Database) throws -> [String: [String]] {
        var byPlate: [String: [String]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT DISTINCT p.name, i.channel FROM image i
            JOIN field f ON f.id = i.field_id JOIN well w ON w.id = f.well_id JOIN plate p ON p.id = w.plate_id
            """) {
            byPlate[row[0], default: []].append(row[1])
        }
        return byPlate.mapValues { $0.sorted(by: channelOrder) }
    }

    /// Channel names in reading order: numbers numerically, before other names.
    static func channelOrder(_ a: String, _ b: String) -> Bool {
        switch (Int(a), Int(b)) {
        case let (x?, y?): return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return a < b
        }
    }
}
