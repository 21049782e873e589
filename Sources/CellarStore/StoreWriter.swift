import Foundation
import GRDB
import Logging

extension Store {
    /// The single writer of this store for one run (processing session).
    ///
    /// - Parameters:
    ///   - run: version and parameters; the `run` row is written with the first commit.
    ///   - capacity: fields (or failures) queued before `submit` suspends (back-pressure).
    ///   - maxBatchCells: a transaction takes queued fields until it holds this many cells.
    ///   - retryInterval: pause between attempts when a commit fails with a transient error
    ///     (disk full, busy, I/O error); default ``StoreWriter/defaultRetryInterval``.
    public func makeWriter(run: RunInfo, capacity: Int = 32, maxBatchCells: Int = 100_000,
                           retryInterval: Duration = StoreWriter.defaultRetryInterval) throws(StoreError) -> StoreWriter {
        guard mode == .readWrite else {
            throw .writerClosed(reason: "\(path) is open read-only")
        }
        let columns: [String]
        do { columns = try pool.read { db in try Schema.featureColumns(db) } } catch { throw mapError(error) }
        return StoreWriter(store: self, run: run, columns: columns,
                           capacity: max(1, capacity), maxBatchCells: max(1, maxBatchCells), retryInterval: retryInterval)
    }
}

/// What a writer committed.
public struct WriterSummary: Sendable, Hashable {
    /// The `run` row, nil if nothing was committed.
    public var runID: Int64?
    public var fields: Int
    public var cells: Int
    public var failures: Int
    public var transactions: Int
}

/// The one writer: takes finished fields from any number of workers through a bounded queue
/// and commits each field — image rows, cells, masks, cell_count, status — in one transaction,
/// batching the fields that piled up while the previous transaction ran into the next one.
///
/// `submit` validates the field, then suspends while `capacity` items are queued. A commit never
/// waits for input: the transaction is opened only once a batch is taken. Call `finish()` at
/// the end (it drains the queue, stamps the run's `finished_at` and returns the summary).
/// A commit that fails with a transient error (``StoreError/isTransient``: disk full, busy, I/O
/// error) is logged and retried as is every `retryInterval` until it succeeds; meanwhile the
/// queue stays full, so `submit` suspends and the workers stop (back-pressure): nothing is
/// dropped, and ``pausedBy`` tells why. ``abandonRetries()`` (shutdown) gives up instead. Any
/// other failed commit closes the writer: later `submit`/`finish` throw that error; fields of
/// the failed transaction are not stored and will be redone by the next run.
public actor StoreWriter {
    private let store: Store
    private let run: RunInfo
    private let capacity: Int
    private let maxBatchCells: Int
    private let retryInterval: Duration
    private var columnPolicy: FeatureColumnPolicy
    private var pendingColumns: [String] = []
    private var insertSQL: [[String]: String] = [:]

    private var queue: [WriterItem] = []
    private var spaceWaiters: [CheckedContinuation<Void, Never>] = []
    private var inputWaiter: CheckedContinuation<Void, Never>?
    private var doneWaiters: [CheckedContinuation<Void, Never>] = []
    private var loopRunning = false
    private var closed = false
    private var failure: StoreError?
    private var paused: StoreError?
    private var retriesAbandoned = false
    private var summary = WriterSummary(runID: nil, fields: 0, cells: 0, failures: 0, transactions: 0)
    /// Fields failed for good in this session (``FailureKind/duplicate``): results for them
    /// that arrive later are dropped.
    private var failedForGood: Set<FieldKey> = []

    /// 10 s, or `$CELLAR_WRITE_RETRY_SECONDS` (for tests and impatient operators).
    public static let defaultRetryInterval: Duration = {
        if let text = ProcessInfo.processInfo.environment["CELLAR_WRITE_RETRY_SECONDS"],
           let seconds = Double(text), seconds > 0 { return .milliseconds(Int64(seconds * 1000)) }
        return .seconds(10)
    }()

    init(store: Store, run: RunInfo, columns: [String], capacity: Int, maxBatchCells: Int, retryInterval: Duration) {
        self.store = store
        self.run = run
        self.capacity = capacity
        self.maxBatchCells = maxBatchCells
        self.retryInterval = retryInterval
        self.columnPolicy = FeatureColumnPolicy(columns: columns)
    }

    /// Queues a finished field; suspends while the queue is full. Throws at once for a field
    /// whose arrays disagree with its cell count or that names unknown feature columns (the
    /// caller should record a failure), and after the writer closed. O(columns) validation.
    /// Returns false, storing nothing, when the field was failed for good earlier in this
    /// session (two files claimed it: a worker that was already processing one of them must
    /// not overwrite that verdict).
    @discardableResult
    public func submit(_ field: IngestedField) async throws(StoreError) -> Bool {
        if failedForGood.contains(field.key) { return false }
        let sql = try validate(field)
        try await enqueue(.field(field, insertSQL: sql))
        return true
    }

    /// Queues a failure record (and, if it names a field, marks that field failed). A
    /// ``FailureKind/duplicate`` failure of a field is final for this session: later results
    /// for the field are dropped (see `submit(_:)`).
    public func submit(failure record: FailureRecord) async throws(StoreError) {
        if let key = record.field {
            try Self.validateImages(record.images, key: key)
            if record.kind == .duplicate { failedForGood.insert(key) }
        }
        try await enqueue(.failure(record))
    }

    /// Writes the `run` row now rather than with the first commit (a daemon's run exists
    /// while it waits for files). Call before submitting anything; does nothing once the
    /// run has a row.
    public func beginRun() async throws(StoreError) {
        guard summary.runID == nil, queue.isEmpty, !loopRunning else { return }
        let run = self.run
        do {
            summary.runID = try await store.pool.write { db in
                try FieldCommit.commit([], run: run, runID: nil, newColumns: [], db: db)
            }
        } catch { throw store.mapError(error) }
    }

    /// Commits everything queued, marks the run finished, and closes the writer.
    public func finish() async throws(StoreError) -> WriterSummary {
        closed = true
        if loopRunning {
            wakeInput()
            await withCheckedContinuation { doneWaiters.append($0) }
        }
        if let failure { throw failure }
        if let runID = summary.runID {
            while true {
                do {
                    try await store.pool.write { db in
                        try db.execute(sql: "UPDATE run SET finished_at = ? WHERE id = ?",
                                       arguments: [Timestamp.now(), runID])
                    }
                    break
                } catch {
                    let mapped = store.mapError(error)
                    // Only the end stamp is missing: wait like a commit, but never past a shutdown.
                    guard mapped.isTransient, !retriesAbandoned else { throw mapped }
                    await pause(mapped, what: "the run's end time")
                }
            }
        }
        return summary
    }

    /// Fields and failures committed so far.
    public var progress: WriterSummary { summary }

    /// The transient error the writer is waiting out (nil while commits succeed).
    public var pausedBy: StoreError? { paused }

    /// Stops retrying failed commits (at shutdown): the batch being retried and everything
    /// queued are dropped (the next run redoes them) and the writer closes with that error.
    public func abandonRetries() {
        retriesAbandoned = true
    }

    /// Logs `error` (once clearly, then briefly) and sleeps `retryInterval` in short slices,
    /// returning early if retries are abandoned.
    private func pause(_ error: StoreError, what: String) async {
        let seconds = Double(retryInterval.components.seconds) + Double(retryInterval.components.attoseconds) * 1e-18
        if paused == nil {
            store.logger.error("\(error); pausing: \(what) will be written when the retry succeeds, retrying every \(String(format: "%g", seconds)) s")
        } else {
            store.logger.warning("still cannot write \(store.path): \(error); retrying in \(String(format: "%g", seconds)) s")
        }
        paused = error
        let deadline = ContinuousClock.now + retryInterval
        while ContinuousClock.now < deadline && !retriesAbandoned {
            try? await Task.sleep(for: min(.milliseconds(200), deadline - ContinuousClock.now))
        }
    }

    // MARK: - Queue

    private func enqueue(_ item: WriterItem) async throws(StoreError) {
        while true {
            if let failure { throw failure }
            if closed { throw .writerClosed(reason: "finish() was called") }
            if queue.count < capacity { break }
            await withCheckedContinuation { spaceWaiters.append($0) }
        }
        queue.append(item)
        if !loopRunning {
            loopRunning = true
            Task { await self.drain() }
        } else {
            wakeInput()
        }
    }

    private func wakeInput() {
        inputWaiter?.resume()
        inputWaiter = nil
    }

    /// Takes queued items up to `maxBatchCells` cells (at least one item) and frees their slots.
    private func takeBatch() -> [WriterItem] {
        var cells = 0
        var count = 0
        for item in queue {
            let n = item.cellCount
            if count > 0 && cells + n > maxBatchCells { break }
            cells += n
            count += 1
        }
        let batch = Array(queue.prefix(count))
        queue.removeFirst(count)
        let waiters = spaceWaiters
        spaceWaiters = []
        for waiter in waiters { waiter.resume() }
        return batch
    }

    private func drain() async {
        while true {
            if queue.isEmpty {
                if closed || failure != nil { break }
                await withCheckedContinuation { inputWaiter = $0 }
                continue
            }
            let batch = takeBatch()
            let columns = pendingColumns
            do {
                let runID = try await commit(batch, newColumns: columns)
                columnPolicy.insert(columns)
                pendingColumns.removeAll { columns.contains($0) }
                summary.runID = runID
                summary.transactions += 1
                for item in batch {
                    switch item {
                    case .field(let field, _): summary.fields += 1; summary.cells += field.cellCount
                    case .failure: summary.failures += 1
                    }
                }
                if let was = paused {
                    store.logger.notice("\(store.path) is writable again (after: \(was)); resumed")
                    paused = nil
                }
            } catch {
                let mapped = store.mapError(error)
                if mapped.isTransient && !retriesAbandoned {
                    // Nothing of the batch was written (SQLite rolled the transaction back): put it
                    // back in front and retry. The queue is full meanwhile, so submitters wait.
                    queue.insert(contentsOf: batch, at: 0)
                    await pause(mapped, what: "\(batch.count) field(s) and everything queued")
                    continue
                }
                store.logger.error("commit of \(batch.count) field(s) failed: \(mapped)")
                failure = mapped
                queue.removeAll()
                let waiters = spaceWaiters
                spaceWaiters = []
                for waiter in waiters { waiter.resume() }
                break
            }
        }
        loopRunning = false
        let waiters = doneWaiters
        doneWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    private func commit(_ batch: [WriterItem], newColumns: [String]) async throws -> Int64 {
        let run = self.run
        let runID = summary.runID
        return try await store.pool.write { db in
            try FieldCommit.commit(batch, run: run, runID: runID, newColumns: newColumns, db: db)
        }
    }

    // MARK: - Validation

    /// One image per channel and per path, so a field can never make its transaction fail.
    private static func validateImages(_ images: [ImageRecord], key: FieldKey) throws(StoreError) {
        guard Set(images.map(\.channel)).count == images.count, Set(images.map(\.path)).count == images.count else {
            throw .invalidField(key, reason: "images must have distinct channels and paths")
        }
    }

    private func validate(_ field: IngestedField) throws(StoreError) -> String {
        let m = field.featureColumns.count
        guard field.cellCount >= 0, field.values.count == field.cellCount * m else {
            throw .invalidField(field.key, reason: "\(field.values.count) values for \(field.cellCount) cells × \(m) columns")
        }
        guard field.masks.isEmpty || field.masks.count == field.cellCount else {
            throw .invalidField(field.key, reason: "\(field.masks.count) masks for \(field.cellCount) cells")
        }
        guard field.masks.isWellFormed else {
            throw .invalidField(field.key, reason: "mask boxes/offsets do not match (\(field.masks.boxes.count) box values, \(field.masks.rleOffsets.count) offsets, \(field.masks.rleBytes.count) bytes)")
        }
        if let c = field.featureColumns.firstIndex(where: { $0.hasSuffix("_Number_Object_Number") }) {
            let ok = field.values.withUnsafeBufferPointer { v in
                var ok = true
                for i in 0 ..< field.cellCount { ok = ok && v[i * m + c] == Double(i + 1) }
                return ok
            }
            guard ok else {
                throw .invalidField(field.key, reason: "rows must be objects 1...\(field.cellCount) in order (\(field.featureColumns[c]))")
            }
        }
        guard field.key.row >= 1, field.key.column >= 1, field.key.site >= 1, !field.key.plate.isEmpty else {
            throw .invalidField(field.key, reason: "plate must be non-empty; row, column and site start at 1")
        }
        try Self.validateImages(field.images, key: field.key)
        if let sql = insertSQL[field.featureColumns] { return sql }
        let add = try columnPolicy.columnsToAdd(field.featureColumns)
        for name in add where !pendingColumns.contains(name) { pendingColumns.append(name) }
        let names = ["id", "field_id", "object_number"] + field.featureColumns
        let sql = "INSERT INTO cell(\(names.map(quoteIdentifier).joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))"
        insertSQL[field.featureColumns] = sql
        return sql
    }
}

/// An item of the writer's queue.
enum WriterItem: Sendable {
    case field(IngestedField, insertSQL: String)
    case failure(FailureRecord)

    var cellCount: Int {
        if case .field(let field, _) = self { return field.cellCount }
        return 0
    }
}
