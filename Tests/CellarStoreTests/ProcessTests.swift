import CellarBench
import CellarStore
import Foundation
import Testing

/// Concurrency and crash safety across processes (the probe is the other process).
@Suite struct ProcessTests {
    @Test func readerInAnotherProcessNeverSeesAHalfWrittenField() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.file("screen.db")
        let store = try Store.create(at: path)
        let fields = 300
        let reader = try Probe.start(["poll", path, "\(fields)"])
        #expect(reader.readLine() == "polling")
        let columns = try store.featureColumns()
        let writer = try store.makeWriter(run: testRun, capacity: 4, maxBatchCells: 2_000)
        for (i, key) in keys(count: fields).enumerated() {
            try await writer.submit(SyntheticField.make(key: key, cells: 200, columns: columns, seed: UInt64(i)))
        }
        let summary = try await writer.finish()
        #expect(summary.fields == fields)
        let line = reader.readLine()
        reader.process.waitUntilExit()
        // "polls=N inconsistent=0 partial=K fields=300": every snapshot had matching counts.
        let values = Dictionary(uniqueKeysWithValues: line.split(separator: " ").compactMap { part -> (String, Int)? in
            let kv = part.split(separator: "=")
            return kv.count == 2 ? (String(kv[0]), Int(kv[1]) ?? -1) : nil
        })
        #expect(values["inconsistent"] == 0, "\(line)")
        #expect(values["fields"] == fields, "\(line)")
        #expect((values["polls"] ?? 0) >= 1, "\(line)")
        print("reader probe: \(line)")
    }

    /// The probe writes big batches (200 fields, ~20 MB, more than the page cache, so pages
    /// spill into the WAL before the commit). We SIGKILL it when the WAL ends in uncommitted
    /// frames, i.e. inside a transaction, and confirm from the WAL after its death that it
    /// died there. Each attempt also re-processes the fields of the previous one.
    @Test func writerKilledMidBatchLeavesOnlyCompleteFields() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.file("screen.db")
        try Store.create(at: path).close()
        var killedInTransaction = 0, attempts = 0
        for attempt in 1 ... 6 where killedInTransaction < 2 {
            attempts = attempt
            let child = try Probe.start(["write", path, "100000", "250"])
            #expect(child.readLine() == "writing")
            let deadline = Date().addingTimeInterval(60)
            if attempt == 1 {  // let the first run commit something, so there is data to check
                let observer = try Store.open(at: path, mode: .readOnly)
                while try observer.fieldCounts().isEmpty && Date() < deadline && child.process.isRunning {
                    try await Task.sleep(nanoseconds: 2_000_000)
                }
            }
            while WALInspector.tail(path).uncommitted == 0 && Date() < deadline && child.process.isRunning {
                try await Task.sleep(nanoseconds: 2_000_000)
            }
            #expect(child.process.isRunning)
            kill(child.process.processIdentifier, SIGKILL)
            child.process.waitUntilExit()
            #expect(child.process.terminationReason == .uncaughtSignal)
            let tail = WALInspector.tail(path)
            if tail.uncommitted > 0 { killedInTransaction += 1 }

            // Reopen read-write: SQLite recovers the WAL; the kernel released the writer lock.
            let store = try Store.open(at: path, mode: .readWrite)
            #expect(try store.integrityCheck() == ["ok"])
            let report = try store.checkConsistency()
            #expect(report.isConsistent, "attempt \(attempt): inconsistent fields \(report.inconsistentFields)")
            #expect(report.fieldsDone > 0 && report.fieldsDone < 100_000)
            #expect(report.storedCells == report.fieldsDone * 250)
            #expect(report.storedMasks == report.storedCells)
            let runs = try store.runs()
            // A run row is written with a run's first commit; killed runs never finish.
            #expect(runs.count >= 1 && runs.count <= attempt && runs.allSatisfy { $0.finishedAt == nil })
            let first = FieldKey(plate: "K", row: 1, column: 1, site: 1)  // the probe's field 0, seed 0
            #expect(try store.fieldCounts().first?.key == first)
            #expect(try !store.needsProcessing(first, fingerprints: ["DNA": "synthetic-0"], parametersHash: "probe"))
            try store.close()
        }
        #expect(killedInTransaction >= 1, "no attempt caught the writer inside a transaction")
        print("kill test: \(killedInTransaction) of \(attempts) kills landed inside a transaction")

        // The database is writable again.
        let store = try Store.open(at: path, mode: .readWrite)
        _ = try await writeFields(store, keys: [FieldKey(plate: "Z", row: 1, column: 1, site: 1)], cells: 5)
        #expect(try store.checkConsistency().isConsistent)
    }
}
