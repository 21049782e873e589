import CellarBench
import CellarStore
import Foundation
import GRDB
import Testing

/// A full disk, simulated with `PRAGMA max_page_count` on the writer's connection: SQLite then
/// answers SQLITE_FULL exactly as on a full file system (no root, no tmpfs needed).
@Suite struct DiskFullTests {
    /// Caps the database at its current size plus `extra` pages (the pool has one writer
    /// connection, which keeps the pragma).
    func limit(_ store: Store, extraPages extra: Int?) async throws {
        let pool = try #require(store.reader as? DatabasePool)
        let pages = try await pool.read { try Int.fetchOne($0, sql: "PRAGMA page_count") ?? 0 }
        let cap = extra.map { pages + $0 } ?? 1_073_741_823
        try await pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA max_page_count = \(cap)") }
    }

    /// Polls the writer until it reports a pause, for at most 30 s (a failure bound, not a timing check).
    func waitForPause(_ writer: StoreWriter) async -> StoreError? {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let paused = await writer.pausedBy { return paused }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    @Test func writerPausesOnFullDiskAndLosesNothingWhenSpaceReturns() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let store = try Store.create(at: tmp.file("s.db"))
        let columns = try store.featureColumns()
        try await limit(store, extraPages: 40)
        let writer = try store.makeWriter(run: testRun, capacity: 4, maxBatchCells: 400, retryInterval: .milliseconds(20))
        let all = keys(count: 30)
        let submitter = Task {
            for (i, key) in all.enumerated() {
                try await writer.submit(SyntheticField.make(key: key, cells: 200, columns: columns, seed: UInt64(i)))
            }
        }
        let paused = await waitForPause(writer)
        guard case .diskFull(let path, let mount, _) = paused else {
            Issue.record("expected the writer to pause on a full disk, got \(String(describing: paused))")
            await writer.abandonRetries()
            _ = try? await writer.finish()
            return
        }
        #expect(path == store.path)
        #expect(!mount.isEmpty)
        #expect(paused?.description.hasPrefix("disk full: cannot write \(store.path) on ") == true)
        // Back-pressure: the submitter is held while the writer waits; nothing is dropped.
        try await Task.sleep(for: .milliseconds(100))
        let stored = await writer.progress.fields
        #expect(stored < all.count)
        #expect(try store.fieldCounts().count == stored)

        try await limit(store, extraPages: nil)  // space freed
        try await submitter.value
        let summary = try await writer.finish()
        #expect(summary.fields == all.count && summary.cells == all.count * 200)
        #expect(await writer.pausedBy == nil)
        let counts = try store.fieldCounts()
        #expect(counts.count == all.count)
        #expect(counts.allSatisfy { $0.cellCount == 200 && $0.status == "done" })
        let check = try await store.reader.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
        #expect(try store.runs().last?.finishedAt != nil)
    }

    @Test func abandonedRetriesCloseTheWriterWithTheDiskFullError() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let store = try Store.create(at: tmp.file("s.db"))
        let columns = try store.featureColumns()
        try await limit(store, extraPages: 10)
        let writer = try store.makeWriter(run: testRun, capacity: 2, retryInterval: .seconds(60))
        let submitter = Task {
            for (i, key) in keys(count: 10).enumerated() {
                try await writer.submit(SyntheticField.make(key: key, cells: 300, columns: columns, seed: UInt64(i)))
            }
        }
        guard case .diskFull = await waitForPause(writer) else {
            Issue.record("expected a disk-full pause")
            await writer.abandonRetries()
            _ = try? await writer.finish()
            return
        }
        await writer.abandonRetries()  // shutdown: no 60 s wait
        await #expect(throws: StoreError.self) { try await submitter.value }
        do {
            _ = try await writer.finish()
            Issue.record("finish() should rethrow the disk-full error")
        } catch {
            guard case .diskFull = error else { Issue.record("got \(error)"); return }
        }
        let check = try await store.reader.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") }
        #expect(check == "ok")
        #expect(try store.fieldCounts().allSatisfy { $0.cellCount == 300 })
    }
}
