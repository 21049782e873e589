import Logging

/// What an `AcquisitionSource` reports.
public enum IngestEvent: Sendable {
    /// The layout in use; `detection` is set when it was auto-detected.
    case layout(Layout, detection: LayoutDetection?)
    /// The watcher is running with this backend (only with `watch: true`).
    case watching(WatchBackend)
    /// The initial scan is done: the counts, and the names it could not place.
    case scanned(matched: Int, unmatched: [String], otherFiles: [String], repeatedDirectories: [String])
    /// A field ready for the pipeline (the caller skips files whose fingerprint it stored).
    case field(AssembledField)
    /// Image-named files no layout recognises (found while watching).
    case unmatched([String])
    /// A field waited `grace` without its DNA channel (it has `channels`).
    case missingDNA(FieldID, channels: [ChannelID])
    /// `path` names the same field and channel as `kept`, which is used instead.
    case duplicate(path: String, kept: String)
    /// A scanned file left out of a one-shot ingest because it vanished or changed while
    /// settling (the caller records it, so `cellar ingest` never skips a file silently).
    case skipped(path: String, reason: String)
    case warning(String)
}

/// The acquisition half of ingest: a folder the microscope writes into, turned into a
/// stream of complete, settled fields.
///
/// Order: start the watcher (if watching) and wait until it is armed, so nothing written
/// during the scan is missed; scan; choose the layout (configured, or auto-detected on the
/// scan's image names — or on the first live names when the folder starts empty); wait
/// `settle`, re-`stat` the scanned files and feed the unchanged ones to the
/// `FieldAssembler` (changed ones arrive again through the watcher); fix the learned
/// channel sets; then hand on fields as the watcher reports files, applying the grace
/// rules about once a second. Files seen by both scan and watcher are handed on once.
public struct AcquisitionSource: Sendable {
    public let root: String
    public let settings: IngestSettings
    /// Only the wells of this shard (and the unplaceable files it owns) are handed on;
    /// nil = everything. Files of other shards are neither fields nor failures here.
    public let shard: Shard?
    let logger: Logger

    /// `settings` should already be merged with the root's `cellar.toml` by the caller.
    public init(root: String, settings: IngestSettings, shard: Shard? = nil,
                logger: Logger = Logger(label: "cellar.ingest")) {
        self.root = root; self.settings = settings; self.shard = shard; self.logger = logger
    }

    /// Starts scanning (and watching, with `watch`). Without `watch` the stream ends after
    /// the scan's fields; with it, when the consumer stops or the task is cancelled.
    /// Throws when the configured layout or watch mode is invalid.
    public func events(watch: Bool) throws -> AsyncStream<IngestEvent> {
        let configured = try settings.resolvedLayout()
        let mode = try settings.watchMode()
        let (stream, out) = AsyncStream.makeStream(of: IngestEvent.self)
        let watcher: Watcher? = watch
            ? Watcher(root: root, mode: mode, settle: settings.effectiveSettle,
                      pollInterval: settings.effectivePollInterval, logger: logger)
            : nil
        let task = Task { [self] in
            await run(configured: configured, watcher: watcher, out: out)
            out.finish()
        }
        out.onTermination = { _ in task.cancel(); watcher?.stop() }
        return stream
    }

    private enum Input: Sendable { case watch(WatchEvent), tick }

    private func run(configured: Layout?, watcher: Watcher?, out: AsyncStream<IngestEvent>.Continuation) async {
        let scanner = Scanner(root: root, layout: nil)
        let rootName = scanner.rootName
        var assembler = FieldAssembler(settings: settings)
        var layout = configured
        var undetected: [ScannedFile] = []

        // Inputs: watcher events and a 1 s tick, merged into one stream.
        let (inputs, inputSink) = AsyncStream.makeStream(of: Input.self)
        var forwarders: [Task<Void, Never>] = []
        if let watcher {
            let events = watcher.events()
            forwarders.append(Task { for await e in events { inputSink.yield(.watch(e)) }; inputSink.finish() })
            forwarders.append(Task {
                while !Task.isCancelled { try? await Task.sleep(for: .seconds(1)); inputSink.yield(.tick) }
            })
        } else {
            inputSink.finish()
        }
        defer { forwarders.forEach { $0.cancel() }; watcher?.stop() }
        var it = inputs.makeAsyncIterator()

        // 1. Wait until the watcher is armed.
        if watcher != nil {
            while let input = await it.next() {
                if case let .watch(.started(backend)) = input { out.yield(.watching(backend)); break }
                if case let .watch(.warning(w)) = input { out.yield(.warning(w)) }
            }
        }

        // 2. Scan, choose the layout, settle, assemble.
        var (files, result) = scanner.listFiles()
        if layout == nil {
            let images = files.filter { FileFilter.isImageName(fileName($0.relativePath)) }.map(\.relativePath)
            if let d = Layout.detect(images, candidates: Layout.presets(plateFormat: settings.effectivePlateFormat),
                                     rootName: rootName) {
                layout = d.layout
                out.yield(.layout(d.layout, detection: d))
            }
        } else if let layout {
            out.yield(.layout(layout, detection: nil))
        }
        let classifier = Scanner(root: root, layout: layout)
        classifier.classify(files, into: &result)
        if let shard { shard.keepOwnFiles(of: &result, logger: logger) }
        logger.info("scanned \(root)", metadata: [
            "layout": "\(layout?.name ?? "none")", "matched": "\(result.matched.count)",
            "unmatched": "\(result.unmatched.count)", "other": "\(result.otherFiles.count)",
        ])
        out.yield(.scanned(matched: result.matched.count, unmatched: result.unmatched,
                           otherFiles: result.otherFiles, repeatedDirectories: result.repeatedDirectories))
        for e in result.errors { out.yield(.warning("cannot read \(e)")) }
        if layout == nil { undetected = files.filter { FileFilter.isImageName(fileName($0.relativePath)) } }
        if !result.matched.isEmpty {
            try? await Task.sleep(for: settings.effectiveSettle)
            let now = ContinuousClock.now
            for (file, key) in result.matched {
                let current = Fingerprint(ofFileAt: file.path)
                guard current == file.fingerprint else {
                    // Watching, the watcher reports it again; one-shot, say why it is left out.
                    if watcher == nil {
                        out.yield(.skipped(path: file.path, reason: current == nil
                            ? "no such file (deleted after the scan)"
                            : "changed while settling (still being written?); not ingested: run again once it is complete"))
                    }
                    continue
                }
                for f in assembler.add(file, key: key, at: now) { out.yield(.field(f)) }
                for d in assembler.takeDuplicates() { out.yield(.duplicate(path: d.ignored.path, kept: d.kept.path)) }
            }
        }
        files = []
        for f in assembler.finishInitialScan(at: .now) { out.yield(.field(f)) }
        var reportedMissing = Set<FieldID>()
        if watcher == nil {
            // One-shot: nothing more will come, so decide every waiting field now.
            for f in assembler.tick(at: .now + assembler.grace) { out.yield(.field(f)) }
            for (id, chans) in assembler.missingDNA.sorted(by: { $0.key < $1.key }) {
                out.yield(.missingDNA(id, channels: chans))
            }
            return
        }

        // 3. Watch.
        while let input = await it.next(), !Task.isCancelled {
            switch input {
            case let .watch(.ready(file)):
                if layout == nil {
                    undetected.append(file)
                    let names = undetected.map(\.relativePath)
                    guard let d = Layout.detect(names, candidates: Layout.presets(plateFormat: settings.effectivePlateFormat),
                                                rootName: rootName) else { continue }
                    layout = d.layout
                    out.yield(.layout(d.layout, detection: d))
                    let batch = undetected
                    undetected = []
                    for f in batch { place(f, layout: d.layout, rootName: rootName, into: &assembler, out: out) }
                } else if let layout {
                    place(file, layout: layout, rootName: rootName, into: &assembler, out: out)
                }
            case .watch(.overflowed): out.yield(.warning("inotify queue overflowed under \(root); re-listing"))
            case let .watch(.warning(w)): out.yield(.warning(w))
            case .watch(.started): break
            case .tick:
                for f in assembler.tick(at: .now) { out.yield(.field(f)) }
                for (id, chans) in assembler.missingDNA where !reportedMissing.contains(id) {
                    reportedMissing.insert(id)
                    out.yield(.missingDNA(id, channels: chans))
                }
            }
        }
    }

    private func place(_ file: ScannedFile, layout: Layout, rootName: String,
                       into assembler: inout FieldAssembler, out: AsyncStream<IngestEvent>.Continuation) {
        guard FileFilter.isImageName(fileName(file.relativePath)) else { return }
        if let shard, !shard.owns(file: file.relativePath, key: layout.key(for: file.relativePath, rootName: rootName)) { return }
        if let key = layout.key(for: file.relativePath, rootName: rootName) {
            for f in assembler.add(file, key: key, at: .now) { out.yield(.field(f)) }
            for d in assembler.takeDuplicates() { out.yield(.duplicate(path: d.ignored.path, kept: d.kept.path)) }
        } else {
            out.yield(.unmatched([file.relativePath]))
        }
    }

    private func fileName(_ rel: String) -> String {
        rel.split(separator: "/").last.map(String.init) ?? rel
    }
}
