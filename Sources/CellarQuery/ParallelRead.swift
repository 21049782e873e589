import Foundation
import GRDB
import GRDBSQLite

/// Snapshot-consistent reads on several connections at once, so long scans (summary, cell
/// export) use every core: SQLite runs one statement on one thread, and the scan itself (the
/// VDBE stepping through ~330-byte rows) is the cost.
///
/// **Same snapshot.** Each worker opens a read transaction on its own pool connection and
/// runs a first statement (that fixes its WAL snapshot), then waits. A separate probe
/// connection reads `PRAGMA data_version` before the workers start and after they all hold
/// their snapshot: equal values mean no commit happened in between, so every worker sees the
/// same database state (SQLite changes `data_version` on any commit by another connection).
/// Otherwise (the ingest daemon committed meanwhile) the attempt is abandoned before any
/// work and retried; after 3 tries, or when the probe cannot be opened, the work runs on one
/// connection. Workers that cannot get a pool connection within 2 s (other threads hold
/// them) also abandon the attempt, so concurrent parallel reads cannot deadlock the pool. (`sqlite3_snapshot_open` would share one snapshot directly, but the system
/// SQLite is built without `SQLITE_ENABLE_SNAPSHOT`.)
extension Screen {
    /// Reader threads for scans: the machine's cores, at most 4 (the pool has 5 readers).
    public static var defaultWorkers: Int { min(4, max(1, ProcessInfo.processInfo.activeProcessorCount)) }

    /// Runs `body(worker, workers, db)` on `workers` threads, each inside a read transaction
    /// on its own connection, all on one snapshot (see above); results in worker order.
    /// With `workers` ≤ 1, or when no common snapshot could be had, runs `body(0, 1, db)` once.
    /// Must not be called from inside a `read` (it would wait for pool connections).
    func readInParallel<T: Sendable>(workers: Int,
                                     _ body: @escaping @Sendable (_ worker: Int, _ workers: Int, _ db: Database) throws -> T)
        throws(QueryError) -> [T] {
        if workers > 1 {
            for _ in 0 ..< 3 {
                guard let probe = VersionProbe(path: store.path), let before = probe.version() else { break }
                let gate = Gate(workers: workers)
                let results = Results<T>(count: workers)
                let group = DispatchGroup()
                let reader = store.reader
                let logger = store.logger
                for w in 0 ..< workers {
                    // Dedicated threads, not the GCD pool: it holds ~one thread per core and
                    // starts another only after ~1 s when those block (here: at the gate).
                    group.enter()
                    let thread = Thread {
                        defer { group.leave() }
                        var arrived = false
                        do {
                            try reader.read { db in
                                Screen.mapMemory(db, logger: logger)
                                // The first read fixes this connection's snapshot.
                                _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM plate")
                                arrived = true
                                guard gate.arrive(ok: true) else { return }
                                results.set(w, .success(try body(w, workers, db)))
                            }
                        } catch {
                            if !arrived { _ = gate.arrive(ok: false) }
                            results.set(w, .failure(error))
                        }
                    }
                    thread.stackSize = 8 << 20
                    thread.start()
                }
                let allArrived = gate.waitForAll()
                let same = allArrived && probe.version() == before
                gate.decide(go: same)
                group.wait()
                if same { return try results.collect() }
                if !allArrived, let error = results.firstError { throw QueryError.wrap(error) }
                // Else a commit happened between the snapshots, or connections were short: retry.
            }
        }
        return [try read { db in try body(0, 1, db) }]
    }
}

/// A private read-only connection that reads `PRAGMA data_version` outside any transaction.
private final class VersionProbe {
    private var db: OpaquePointer?

    init?(path: String) {
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
            sqlite3_close(db)
            return nil
        }
        sqlite3_busy_timeout(db, 5000)
    }

    deinit { sqlite3_close(db) }

    func version() -> Int64? {
        var stmt: OpaquePointer?
        guard sqlite3_prepare_v2(db, "PRAGMA data_version", -1, &stmt, nil) == SQLITE_OK else { return nil }
        defer { sqlite3_finalize(stmt) }
        guard sqlite3_step(stmt) == SQLITE_ROW else { return nil }
        return sqlite3_column_int64(stmt, 0)
    }
}

/// Workers report that they hold their snapshot; the caller then says go or abandon.
// @unchecked Sendable: every stored property is read and written only under `condition`.
private final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private let workers: Int
    private var arrived = 0
    private var failed = false
    private var decision: Bool?

    init(workers: Int) { self.workers = workers }

    /// Records one worker (ok = it holds its snapshot) and waits for the decision.
    func arrive(ok: Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        arrived += 1
        if !ok { failed = true }
        condition.broadcast()
        if !ok { return false }
        while decision == nil { condition.wait() }
        return decision!
    }

    /// Waits until every worker arrived; false if one of them failed, or after `timeout`
    /// seconds (workers waiting for a pool connection that other callers hold: the caller
    /// then abandons the attempt, which frees this attempt's connections — no deadlock).
    func waitForAll(timeout: Double = 2) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while arrived < workers {
            if !condition.wait(until: deadline) && arrived < workers { return false }
        }
        return !failed
    }

    func decide(go: Bool) {
        condition.lock()
        decision = go
        condition.broadcast()
        condition.unlock()
    }
}

/// One result slot per worker.
// @unchecked Sendable: `slots` is accessed only under `lock`.
private final class Results<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<T, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: Result<T, any Error>) {
        lock.lock()
        slots[i] = value
        lock.unlock()
    }

    var firstError: (any Error)? {
        lock.lock()
        defer { lock.unlock() }
        for case .failure(let error)? in slots { return error }
        return nil
    }

    func collect() throws(QueryError) -> [T] {
        lock.lock()
        defer { lock.unlock() }
        var out: [T] = []
        for slot in slots {
            switch slot {
            case .success(let value)?: out.append(value)
            case .failure(let error)?: throw QueryError.wrap(error)
            case nil: throw QueryError.sql("a parallel reader ended without a result")
            }
        }
        return out
    }
}
