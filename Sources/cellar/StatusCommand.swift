import ArgumentParser
import CellarQuery
import CellarStore
import Foundation

/// `cellar status`: what the database holds, what failed, what waits, and whether a daemon is
/// writing; `--run N`: one run's parameters and what it produced.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show plates (with the channels stored), fields done and failed, fields waiting for files, failures, runs and whether a daemon is writing.",
        discussion: """
            Everything is read in one snapshot, so the run line, the plates and the runs agree. \
            `--run N` prints one run: its parameters (what decides its results) and what it \
            stored, kept even after later runs re-processed its fields.
            """ + "\n\n" + ExitStatus.help)

    @Option(help: "Database file.")
    var db: String

    @Option(help: "Output format: table or json (csv and tsv print the plates table).")
    var format: OutputFormat = .table

    @Option(help: "Failures to list (most recent first).")
    var failures = 20

    @Option(help: "Show one run: its parameters and what it produced.")
    var run: Int64?

    func run() async throws {
        let store = try Store.open(at: db, mode: .readOnly)
        defer { try? store.close() }
        let status = try store.status()
        if let run {
            guard let record = status.runs.first(where: { $0.id == run }) else {
                reportError("no run \(run) in \(store.path) (runs: \(Self.ranges(status.runs.map(\.id))))")
                throw ExitCode(2)
            }
            try printRun(record, failures: status.failures.filter { $0.runID == run })
            return
        }
        let writer = store.writerPID
        let recent = Array(status.failures.suffix(failures).reversed())

        var plateTable = OutputTable(columns: ["plate", "wells", "fields_done", "fields_failed", "cells", "channels"])
        for p in status.plates {
            plateTable.rows.append([.text(p.name), .int(p.wells), .int(p.fieldsDone), .int(p.fieldsFailed), .int(p.cells),
                                    .text(status.channels[p.name]?.joined(separator: ",") ?? "-")])
        }
        var runTable = OutputTable(columns: ["run", "started_at", "finished_at", "version", "fields", "failed", "cells",
                                             "current", "fields_per_s"])
        for r in status.runs.suffix(5) {
            runTable.rows.append([.int(Int(r.id)), .text(r.startedAt), .text(r.finishedAt ?? "(running or stopped)"),
                                  .text(r.version), .int(r.fieldsStored), .int(r.fieldsFailedStored), .int(r.cellsStored),
                                  .int(r.fields), .real(r.fieldsPerSecond)])
        }
        var failureTable = OutputTable(columns: ["at", "kind", "path", "reason"])
        for f in recent { failureTable.rows.append([.text(f.at), .text(f.kind.rawValue), .text(f.path), .text(f.reason)]) }
        let kinds = Dictionary(grouping: status.failures, by: \.kind).mapValues(\.count)

        switch format {
        case .json:
            print(try JSONText.encode(StatusJSON(
                database: store.path, writerPID: writer.map(Int.init),
                latestRun: status.latest.map { .init($0) },
                failuresTotal: status.failures.count,
                failuresByKind: Dictionary(uniqueKeysWithValues: kinds.map { ($0.key.rawValue, $0.value) }),
                plates: status.plates.map { StatusJSON.Plate($0, channels: status.channels[$0.name] ?? []) },
                runs: status.runs.suffix(5).map(StatusJSON.Run.init),
                recentFailures: recent.map(StatusJSON.Failure.init))))
        case .csv, .tsv:
            print(plateTable.render(format), terminator: "")
        case .table:
            print("database \(store.path)")
            if let writer {
                print("writer: live (a cellar ingest/watch process\(writer > 0 ? ", pid \(writer)" : "") is writing)")
            } else {
                print("writer: none (no cellar ingest/watch has the database open)")
            }
            if let live = status.latest {
                let p = live.progress
                let state = live.finished ? "finished" : (writer != nil ? "running" : "stopped before finishing")
                print("latest run #\(live.runID) (\(state)) on \(p.root ?? "?"): \(p.fieldsDone) done, \(p.fieldsSkipped) unchanged, "
                      + "\(p.fieldsFailed) failed, \(p.fieldsPending) pending of \(p.fieldsSeen) fields seen; "
                      + "\(p.cells) cells; \(NumberFormat.human(p.fieldsPerSecond)) fields/s; last report \(p.heartbeatAt ?? "?")")
                if p.waitingCount > 0, !live.finished {
                    print("waiting for files: \(p.waitingCount) field(s)\(p.waitingCount > p.waiting.count ? ", oldest \(p.waiting.count):" : ":")")
                    var waiting = OutputTable(columns: ["field", "present", "missing", "until", "why"])
                    for w in p.waiting.prefix(10) {
                        waiting.rows.append([.text(w.field), .text(w.present.joined(separator: ",")),
                                             .text(w.missing.joined(separator: ",")), .text(w.until ?? "-"), .text(w.reason)])
                    }
                    print(waiting.render(.table), terminator: "")
                }
            }
            print()
            print(status.plates.isEmpty ? "no plates stored yet\n" : plateTable.render(.table))
            if !status.runs.isEmpty {
                print("runs (latest 5; fields, failed and cells as each run stored them, current = fields still holding its results):\n"
                      + runTable.render(.table))
            }
            if status.failures.isEmpty {
                print("no failures recorded")
            } else {
                let byKind = FailureKind.allCases.compactMap { k in kinds[k].map { "\($0) \(Self.describe(k))" } }
                print("failures: \(status.failures.count) recorded (\(byKind.joined(separator: ", "))), latest \(recent.count):\n"
                      + failureTable.render(.table), terminator: "")
            }
        }
    }

    /// `--run N`.
    private func printRun(_ r: RunRecord, failures: [StoredFailure]) throws {
        switch format {
        case .json:
            print(try JSONText.encode(StatusJSON.RunDetail(run: .init(r), parameters: JSONText.Raw(r.parametersJSON),
                                                           failures: failures.map(StatusJSON.Failure.init))))
        default:
            print("run \(r.id): \(r.version), started \(r.startedAt), "
                  + (r.finishedAt.map { "finished \($0)" } ?? "not finished (running, or stopped)"))
            if let root = r.root { print("folder: \(root)") }
            print("stored: \(r.fieldsStored) field(s) done, \(r.fieldsFailedStored) failed, \(r.cellsStored) cells"
                  + (r.fieldsPerSecond.map { "; \(NumberFormat.human($0)) fields/s" } ?? ""))
            print("current: \(r.fields) field(s) still hold this run's results"
                  + (r.fields < r.fieldsStored + r.fieldsFailedStored ? " (the rest were re-processed by later runs)" : ""))
            print("failures recorded: \(failures.count)")
            print("parameters (hash \(r.parametersHash)):")
            print(JSONText.pretty(r.parametersJSON))
        }
    }

    static func describe(_ kind: FailureKind) -> String {
        switch kind {
        case .field: "failed field(s)"
        case .duplicate: "duplicate file(s)"
        case .unmatched: "unmatched name(s)"
        case .missingDNA: "field(s) without DNA image"
        case .skipped: "file(s) changed while settling"
        }
    }

    /// `1-3, 5`
    static func ranges(_ ids: [Int64]) -> String {
        guard let first = ids.first, let last = ids.last else { return "none" }
        return first == last ? "\(first)" : "\(first)-\(last)"
    }
}

/// The `status --format json` document.
struct StatusJSON: Encodable {
    var database: String
    var writerPID: Int?
    var latestRun: Latest?
    var failuresTotal: Int
    var failuresByKind: [String: Int]
    var plates: [Plate]
    var runs: [Run]
    var recentFailures: [Failure]

    enum CodingKeys: String, CodingKey {
        case database, plates, runs
        case writerPID = "writer_pid", latestRun = "latest_run", failuresTotal = "failures_total"
        case failuresByKind = "failures_by_kind", recentFailures = "recent_failures"
    }

    struct Latest: Encodable {
        var run: Int64, finished: Bool, root: String?
        var fieldsSeen: Int, fieldsDone: Int, fieldsSkipped: Int, fieldsFailed: Int, fieldsPending: Int, cells: Int
        var fieldsPerSecond: Double, heartbeatAt: String?, waitingCount: Int, waiting: [WaitingField]
        init(_ l: (runID: Int64, finished: Bool, progress: RunProgress)) {
            let p = l.progress
            run = l.runID; finished = l.finished; root = p.root
            fieldsSeen = p.fieldsSeen; fieldsDone = p.fieldsDone; fieldsSkipped = p.fieldsSkipped
            fieldsFailed = p.fieldsFailed; fieldsPending = p.fieldsPending; cells = p.cells
            fieldsPerSecond = p.fieldsPerSecond; heartbeatAt = p.heartbeatAt
            waitingCount = p.waitingCount; waiting = p.waiting
        }
        enum CodingKeys: String, CodingKey {
            case run, finished, root, cells, waiting
            case fieldsSeen = "fields_seen", fieldsDone = "fields_done", fieldsSkipped = "fields_skipped"
            case fieldsFailed = "fields_failed", fieldsPending = "fields_pending", fieldsPerSecond = "fields_per_second"
            case heartbeatAt = "heartbeat_at", waitingCount = "waiting_count"
        }
    }

    struct Plate: Encodable {
        var plate: String, wells: Int, fieldsDone: Int, fieldsFailed: Int, cells: Int
        var channels: [String]
        init(_ p: PlateSummary, channels: [String]) {
            plate = p.name; wells = p.wells; fieldsDone = p.fieldsDone; fieldsFailed = p.fieldsFailed; cells = p.cells
            self.channels = channels
        }
        enum CodingKeys: String, CodingKey {
            case plate, wells, cells, channels
            case fieldsDone = "fields_done", fieldsFailed = "fields_failed"
        }
    }

    struct Run: Encodable {
        var run: Int64, startedAt: String, finishedAt: String?, version: String, parametersHash: String
        var fields: Int, failed: Int, cells: Int, current: Int, fieldsPerSecond: Double?
        init(_ r: RunRecord) {
            run = r.id; startedAt = r.startedAt; finishedAt = r.finishedAt; version = r.version
            parametersHash = r.parametersHash; fields = r.fieldsStored; failed = r.fieldsFailedStored
            cells = r.cellsStored; current = r.fields; fieldsPerSecond = r.fieldsPerSecond
        }
        enum CodingKeys: String, CodingKey {
            case run, version, fields, failed, cells, current
            case startedAt = "started_at", finishedAt = "finished_at", parametersHash = "parameters_hash"
            case fieldsPerSecond = "fields_per_second"
        }
    }

    struct Failure: Encodable {
        var at: String, kind: String, path: String, reason: String, run: Int64
        init(_ f: StoredFailure) { at = f.at; kind = f.kind.rawValue; path = f.path; reason = f.reason; run = f.runID }
    }

    struct RunDetail: Encodable {
        var run: Run
        var parameters: JSONText.Raw
        var failures: [Failure]
    }
}
