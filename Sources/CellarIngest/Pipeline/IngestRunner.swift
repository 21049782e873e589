import CellarImage
import CellarSegment
import CellarStore
import Foundation
import Logging

/// The ingest pipeline: acquisition source → bounded queue → N workers (read,
/// segment, measure, encode masks) → the store's single writer.
///
/// `run` scans the root, processes every field whose files or parameters
/// changed, and — with `options.watch` — keeps following the folder until
/// ``stop()``. Memory is bounded: at most `workers × queuePerWorker` fields
/// wait for a worker, and the writer's own queue applies back-pressure.
public final class IngestRunner: Sendable {
    public let root: String
    public let store: Store
    public let settings: IngestSettings
    public let options: IngestOptions
    let logger: Logger
    private let state = Locked(RunnerState())

    struct RunnerState {
        var stopped = false
        var source: Task<Void, Never>?
        var jobs: BoundedQueue<Job>?
        var writer: StoreWriter?
    }

    struct Job: Sendable {
        var field: AssembledField
        var key: FieldKey
    }

    /// `settings` should already be merged with the root's `cellar.toml`.
    public init(root: String, store: Store, settings: IngestSettings, options: IngestOptions,
                logger: Logger = Logger(label: "cellar.ingest")) {
        self.root = root
        self.store = store
        self.settings = settings
        self.options = options
        self.logger = logger
    }

    /// Stops taking new fields; queued fields are abandoned (a later run redoes
    /// them), fields in the workers' hands are finished and committed. Safe to
    /// call from any thread, any number of times. A writer waiting out a full disk gives up
    /// (its fields are redone by the next run).
    public func stop() {
        let (source, jobs, writer) = state.withLock { s in
            s.stopped = true
            return (s.source, s.jobs, s.writer)
        }
        source?.cancel()
        if let jobs { Task { _ = await jobs.drain() } }
        if let writer { Task { await writer.abandonRetries() } }
    }

    private var isStopped: Bool { state.withLock { $0.stopped } }

    /// Runs until the input is exhausted (ingest) or ``stop()`` (watch).
    /// `progress` is called about twice a second from a background task.
    public func run(progress: @escaping @Sendable (IngestProgress) -> Void = { _ in }) async throws -> IngestSummary {
        let started = ContinuousClock.now
        let hash = options.parametersHash(settings: settings)
        let run = RunInfo(version: options.version, parametersJSON: options.parametersJSON(settings: settings), parametersHash: hash)
        let writer = try store.makeWriter(run: run, capacity: max(8, 4 * options.workers))
        // A daemon's run exists from the start, so that `cellar status` shows what it waits for.
        if options.watch { try await writer.beginRun() }
        let processed = try store.processedFields()
        let events = try AcquisitionSource(root: root, settings: settings, shard: options.shard, logger: logger) { key, fingerprint in
            processed[key.field.storeKey]?.fingerprints[key.channel.name] == fingerprint.description
        }.events(watch: options.watch)
        let jobs = BoundedQueue<Job>(capacity: options.workers * options.queuePerWorker)
        let stats = Locked(RunStats())
        let stopRequested = state.withLock { s -> Bool in s.jobs = jobs; s.writer = writer; return s.stopped }
        if stopRequested { await jobs.close() }

        let source = Task { [logger] in
            defer { Task { await jobs.close() } }
            for await event in events {
                if Task.isCancelled { break }
                switch event {
                case .layout(let layout, let detection):
                    stats.withLock { $0.layout = layout.name }
                    if let detection { logger.info("layout detected: \(layout.name) (\(detection))") }
                case .watching(let backend):
                    logger.info("watching \(root) (\(backend))")
                case .scanned(let matched, let unmatched, _, _):
                    logger.info("scan: \(matched) image files matched the layout, \(unmatched.count) did not")
                    stats.withLock { $0.progress.scanComplete = true; $0.imagesFound = matched + unmatched.count }
                    for name in unmatched { await Self.recordUnmatched(name, root: root, writer: writer, stats: stats, logger: logger) }
                case .unmatched(let names):
                    for name in names { await Self.recordUnmatched(name, root: root, writer: writer, stats: stats, logger: logger) }
                case .missingDNA(let id, let channels):
                    let reason = "field \(id) has channel(s) \(channels.map(\.name).joined(separator: ", ")) but no DNA image"
                    logger.warning("\(reason)")
                    await Self.record(FailureRecord(path: "\(root)/\(id)", reason: reason, kind: .missingDNA),
                                      writer: writer, stats: stats, logger: logger)
                case .conflict(let conflict):
                    let record = Self.failure(for: conflict)
                    logger.warning("\(record.path): \(record.reason)")
                    await Self.record(record, writer: writer, stats: stats, logger: logger)
                case .channelLeftOut(let plate, let channel):
                    logger.notice("plate \(plate): channel \(channel) found but not among the configured channels: not measured")
                case .skipped(let path, let reason):
                    await Self.record(FailureRecord(path: path, reason: reason, kind: .skipped), writer: writer, stats: stats, logger: logger)
                case .warning(let text):
                    logger.warning("\(text)")
                case .plateChannels(let plate, let channels, let dna):
                    let how = settings.channels == nil ? "found in its files" : "as configured"
                    logger.notice("plate \(plate): channels \(channels.map(\.name).joined(separator: ", ")) (\(how)), all measured; DNA channel \(dna?.name ?? "none")")
                    if let dna, !channels.contains(dna) {
                        let names = channels.map(\.name).joined(separator: ", ")
                        logger.warning("plate \(plate): DNA channel \(dna.name) is not among its channels (\(names)): its fields will fail; give --dna-channel as the file names say it (one of \(names))")
                    }
                case .waiting(let count, let fields):
                    stats.withLock { $0.waiting = (count, fields) }
                case .field(let field):
                    let key = field.id.storeKey
                    stats.withLock { $0.seen(key) }
                    let fingerprints = Dictionary(uniqueKeysWithValues: field.images.map { ($0.key.name, $0.value.fingerprint.description) })
                    if let stored = processed[key], stored.isCurrent(fingerprints: fingerprints, parametersHash: hash) {
                        stats.withLock { $0.skipped(key) }
                        continue
                    }
                    stats.withLock { s in if s.firstJob == nil { s.firstJob = .now } }
                    if !(await jobs.push(Job(field: field, key: key))) { return }
                }
            }
        }
        state.withLock { $0.source = source }
        if isStopped { source.cancel() }

        let reporter = Task { [store, root, logger, options] in
            var tick = 0
            var lastLogged = IngestProgress()
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let (now, waiting) = stats.withLock { ($0.snapshot(since: started), $0.waiting) }
                progress(now)
                tick += 1
                // Heartbeat for `cellar status`, every 2 s once the run has a row.
                if tick % 4 == 0, let runID = await writer.progress.runID {
                    var report = Self.runProgress(now, root: root)
                    (report.waitingCount, report.waiting) = waiting
                    do { try store.recordProgress(report, runID: runID) } catch {
                        logger.debug("cannot record progress: \(error)")
                    }
                }
                // A daemon says how it is doing every 30 s when something changed.
                if options.watch, tick % 60 == 0, now != lastLogged {
                    lastLogged = now
                    logger.notice("\(Self.progressLine(now, waiting: waiting.count))")
                }
            }
        }

        let settle = settings.effectiveSettle.seconds
        var writeError: Error?
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<options.workers {
                    group.addTask { [options, logger, rgb = settings.effectiveRGB] in
                        try await WorkerThread.run(name: "cellar-worker-\(index)") {
                            let processor = FieldProcessor(recipe: options.recipe, profile: options.profile,
                                                           settle: settle, rgb: rgb)
                            while let job = try WorkerThread.awaitBlocking({ await jobs.pop() }) {
                                switch processor.process(job.field, key: job.key) {
                                case .done(let field, var times, let look):
                                    let submitted = ContinuousClock.now
                                    let stored = try WorkerThread.awaitBlocking { try await writer.submit(field) }
                                    times.write = submitted.millisecondsElapsed
                                    guard stored else { continue }
                                    let notes = stats.withLock { s in
                                        s.stored(field.key, cells: field.cellCount)
                                        s.times += times
                                        s.lastDone = .now
                                        return s.notes(on: field, look: look, rgb: rgb)
                                    }
                                    for note in notes.info { logger.info("\(note)") }
                                    for note in notes.warnings { logger.warning("\(note)") }
                                case .failed(let record):
                                    logger.warning("\(record.path): \(record.reason)")
                                    try WorkerThread.awaitBlocking { try await writer.submit(failure: record) }
                                    stats.withLock { s in
                                        if let key = record.field { s.failed(key) }
                                        s.failures.append((record.path, record.reason))
                                    }
                                case .deferred(let path):
                                    logger.debug("\(path) is still being written; waiting for it to settle")
                                    stats.withLock { $0.unseen(job.key) }
                                }
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        } catch {
            writeError = error
            stop()
        }
        source.cancel()
        _ = await source.value
        reporter.cancel()
        let writerSummary: WriterSummary
        do {
            writerSummary = try await writer.finish()
        } catch {
            throw writeError ?? error
        }
        if let writeError { throw writeError }
        let final = stats.withLock { $0 }
        var progressNow = final.snapshot(since: started)
        if let first = final.firstJob, let last = final.lastDone {
            progressNow.processingSeconds = (last - first).seconds
        }
        progress(progressNow)
        if let runID = writerSummary.runID {
            try? store.recordProgress(Self.runProgress(progressNow, root: root), runID: runID)
        }
        return IngestSummary(progress: progressNow, times: final.times, layout: final.layout, writer: writerSummary,
                             failures: final.failures, stoppedEarly: isStopped, imagesFound: final.imagesFound)
    }

    /// `1,024 fields stored (12 failed, 30 unchanged), 251,000 cells, 3 waiting, 24.1 fields/s`.
    static func progressLine(_ p: IngestProgress, waiting: Int) -> String {
        var text = "\(p.fieldsDone) fields stored"
        var extra: [String] = []
        if p.fieldsFailed > 0 { extra.append("\(p.fieldsFailed) failed") }
        if p.fieldsSkipped > 0 { extra.append("\(p.fieldsSkipped) unchanged") }
        if !extra.isEmpty { text += " (" + extra.joined(separator: ", ") + ")" }
        text += ", \(p.cells) cells"
        if waiting > 0 { text += ", \(waiting) field(s) waiting for files" }
        return text + String(format: ", %.1f fields/s", p.fieldsPerSecond)
    }

    static func runProgress(_ p: IngestProgress, root: String) -> RunProgress {
        RunProgress(root: root, fieldsSeen: p.fieldsSeen, fieldsDone: p.fieldsDone, fieldsSkipped: p.fieldsSkipped,
                    fieldsFailed: p.fieldsFailed, fieldsPending: p.fieldsPending, cells: p.cells,
                    fieldsPerSecond: (p.fieldsPerSecond * 10).rounded() / 10)
    }

    private static func recordUnmatched(_ name: String, root: String, writer: StoreWriter,
                                        stats: Locked<RunStats>, logger: Logger) async {
        let path = name.hasPrefix("/") ? name : "\(root)/\(name)"
        await record(FailureRecord(path: path, reason: "file name matches no layout", kind: .unmatched),
                     writer: writer, stats: stats, logger: logger)
    }

    /// The failed-field record of two or more files claiming one field and channel.
    static func failure(for conflict: FieldConflict) -> FailureRecord {
        let id = conflict.field
        let key = id.storeKey
        let reason = "\(id) channel \(conflict.channel) is named by \(conflict.paths.count) files (\(conflict.paths.joined(separator: ", "))); "
            + "neither is used. Leave one out with an ignore rule (--ignore '*_groundtruth/*', or ignore = [...] in cellar.toml) "
            + "or a --pattern that matches only the images"
        return FailureRecord(path: conflict.paths[0], reason: reason, kind: .duplicate, field: key)
    }

    private static func record(_ failure: FailureRecord, writer: StoreWriter, stats: Locked<RunStats>, logger: Logger) async {
        do {
            try await writer.submit(failure: failure)
            stats.withLock { s in
                if let key = failure.field { s.failed(key) } else { s.progress.otherFailures += 1 }
                s.failures.append((failure.path, failure.reason))
            }
        } catch {
            logger.error("cannot record failure of \(failure.path): \(error)")
        }
    }
}

extension FieldID {
    /// The store's key of this field: 1-based row and column, sites from 1.
    var storeKey: FieldKey { FieldKey(plate: plate, row: row + 1, column: column + 1, site: max(site, 1)) }
}
