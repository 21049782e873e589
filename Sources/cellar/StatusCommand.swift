import ArgumentParser
import CellarStore
import Foundation

/// `cellar status`: what the database holds, what failed, and whether a daemon is writing.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show plates, fields done and failed, recent failures, runs and whether a daemon is writing.")

    @Option(help: "Database file.")
    var db: String

    @Option(help: "Output format: table or json.")
    var format: OutputFormat = .table

    @Option(help: "Failures to list (most recent first).")
    var failures = 20

    func run() async throws {
        let store = try Store.open(at: db, mode: .readOnly)
        let plates = try store.plates()
        let runs = try store.runs()
        let allFailures = try store.failures()
        let writer = store.writerPID
        let live = try store.latestRunProgress()
        let recent = Array(allFailures.suffix(failures).reversed())

        var plateTable = OutputTable(columns: ["plate", "wells", "fields_done", "fields_failed", "cells"])
        for p in plates {
            plateTable.rows.append([.text(p.name), .int(p.wells), .int(p.fieldsDone), .int(p.fieldsFailed), .int(p.cells)])
        }
        var runTable = OutputTable(columns: ["run", "started_at", "finished_at", "version", "fields", "fields_per_s"])
        for r in runs.suffix(5) {
            runTable.rows.append([.int(Int(r.id)), .text(r.startedAt), .text(r.finishedAt ?? "(running or stopped)"),
                                  .text(r.version), .int(r.fields), .real(Self.rate(r))])
        }
        var failureTable = OutputTable(columns: ["at", "path", "reason"])
        for f in recent { failureTable.rows.append([.text(f.at), .text(f.path), .text(f.reason)]) }

        switch format {
        case .json:
            print("""
                {"database": \(jsonString(store.path)), "writer_pid": \(writer.map { String($0) } ?? "null"), \
                "latest_run": \(live.map { Self.json($0) } ?? "null"), \
                "failures_total": \(allFailures.count),
                "plates": \(plateTable.render(.json).trimmingCharacters(in: .whitespacesAndNewlines)),
                "runs": \(runTable.render(.json).trimmingCharacters(in: .whitespacesAndNewlines)),
                "recent_failures": \(failureTable.render(.json).trimmingCharacters(in: .whitespacesAndNewlines))}
                """)
        default:
            print("database \(store.path)")
            if let writer {
                print("writer: live (a cellar ingest/watch process\(writer > 0 ? ", pid \(writer)" : "") is writing)")
            } else {
                print("writer: none (no cellar ingest/watch has the database open)")
            }
            if let live {
                let p = live.progress
                let state = live.finished ? "finished" : (writer != nil ? "running" : "stopped before finishing")
                print("latest run #\(live.runID) (\(state)) on \(p.root ?? "?"): \(p.fieldsDone) done, \(p.fieldsSkipped) unchanged, "
                      + "\(p.fieldsFailed) failed, \(p.fieldsPending) pending of \(p.fieldsSeen) fields seen; "
                      + "\(p.cells) cells; \(p.fieldsPerSecond) fields/s; last report \(p.heartbeatAt ?? "?")")
            }
            print()
            print(plates.isEmpty ? "no plates yet\n" : plateTable.render(.table))
            if !runs.isEmpty { print("runs (latest 5):\n" + runTable.render(.table)) }
            if allFailures.isEmpty {
                print("no failures recorded")
            } else {
                print("failures: \(allFailures.count) recorded, latest \(recent.count):\n" + failureTable.render(.table), terminator: "")
            }
        }
        try store.close()
    }

    static func json(_ live: (runID: Int64, finished: Bool, progress: RunProgress)) -> String {
        let p = live.progress
        return """
            {"run": \(live.runID), "finished": \(live.finished), "root": \(p.root.map(jsonString) ?? "null"), \
            "fields_seen": \(p.fieldsSeen), "fields_done": \(p.fieldsDone), "fields_skipped": \(p.fieldsSkipped), \
            "fields_failed": \(p.fieldsFailed), "fields_pending": \(p.fieldsPending), "cells": \(p.cells), \
            "fields_per_second": \(p.fieldsPerSecond), "heartbeat_at": \(p.heartbeatAt.map(jsonString) ?? "null")}
            """
    }

    /// Fields per second of a finished run (nil while running).
    static func rate(_ run: RunRecord) -> Double? {
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        guard let end = run.finishedAt.flatMap(parser.date(from:)), let start = parser.date(from: run.startedAt),
              end > start, run.fields > 0 else { return nil }
        return (Double(run.fields) / end.timeIntervalSince(start) * 10).rounded() / 10
    }
}
