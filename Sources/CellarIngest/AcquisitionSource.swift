import CellarStore
import Foundation
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
    /// Several files name the same field and channel: the field is not processed.
    case conflict(FieldConflict)
    /// Files of `channel` on `plate` are left out: the configured channels do not list it.
    case channelLeftOut(plate: String, channel: ChannelID)
    /// A scanned file left out of a one-shot ingest because it vanished or changed while
    /// settling (the caller records it, so `cellar ingest` never skips a file silently).
    case skipped(path: String, reason: String)
    case warning(String)
    /// A plate's channel set is settled (configured, or learned from its files).
    case plateChannels(plate: String, channels: [ChannelID], dna: ChannelID?)
    /// Fields waiting for files (watching only; about once a second).
    case waiting(count: Int, fields: [WaitingField])
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
    /// Whether a file with this key and fingerprint is already stored (it needs no settling).
    let isStored: @Sendable (FileKey, Fingerprint) -> Bool

    /// `settings` should already be merged with the root's `cellar.toml` by the caller.
    public init(root: String, settings: IngestSettings, shard: Shard? = nil,
                logger: Logger = Logger(label: "cellar.ingest"),
                isStored: @escaping @Sendable (FileKey, Fingerprint) -> Bool = { _, _ in false }) {
        self.root = root; self.settings = settings; self.shard = shard; self.logger = logger; self.isStored = isStored
    }

    /// Files last modified this long ago are settled for a one-shot ingest (no wait).
    static let settledAge: Duration = .seconds(60)

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

    /// Whether the scanned files need the settle wait: some file is neither stored with this
    /// fingerprint nor, for a one-shot ingest, untouched for ``settledAge``. O(files).
    static func mustSettle(_ matched: [(file: ScannedFile, key: FileKey)], oneShot: Bool, now: Date,
                           isStored: (FileKey, Fingerprint) -> Bool) -> Bool {
        let oldest = Int64((now.timeIntervalSince1970 - settledAge.seconds) * 1e9)
        return matched.contains { file, key in
            !isStored(key, file.fingerprint) && !(oneShot && file.mtimeNanoseconds < oldest)
        }
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
        let ignore = IgnoreRules(settings.ignore ?? [])
        if !ignore.isEmpty {
            let before = files.count
            files.removeAll { ignore.matches($0.relativePath) }
            if files.count < before { logger.info("ignored \(before - files.count) file(s) by the ignore rules \(ignore)") }
        }
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
        if let layout {
            for name in result.unmatched.prefix(20) {
                logger.debug("\(name): no key from layout \(layout.name): \(layout.explain(name, rootName: rootName))")
            }
        }
        let images = result.matched.count + result.unmatched.count
        if images > 0, result.matched.isEmpty {
            let example = result.unmatched.first.map { " (e.g. '\($0)')" } ?? ""
            out.yield(.warning("none of the \(images) image file(s)\(example) matches "
                + (layout.map { "the layout \($0.name)" } ?? "a known layout (\(Layout.presetNames.joined(separator: ", ")))")
                + ": give --pattern REGEX with named groups (plate, well, site, channel; see README 'File names'), "
                + "or --log-level debug to see why a name does not match"))
        }
        if layout == nil { undetected = files.filter { FileFilter.isImageName(fileName($0.relativePath)) } }
        if !result.matched.isEmpty {
            // Wait out the settle time only for files that may still be written: not for a file
            // stored with this very fingerprint, nor (one-shot) for one untouched for a minute.
            // Every file is re-stat'ed below either way, so its size is stable across the scan.
            if Self.mustSettle(result.matched, oneShot: watcher == nil, now: Date(), isStored: isStored) {
                try? await Task.sleep(for: settings.effectiveSettle)
            }
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
                report(&assembler, out: out)
            }
        }
        files = []
        for f in assembler.finishInitialScan(at: .now) { out.yield(.field(f)) }
        report(&assembler, out: out)
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
                if ignore.matches(file.relativePath) { continue }
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
                report(&assembler, out: out)
                let waiting = assembler.waiting(at: .now)
                out.yield(.waiting(count: waiting.count, fields: waiting.fields))
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
            report(&assembler, out: out)
        } else {
            out.yield(.unmatched([file.relativePath]))
        }
    }

    /// Hands on the assembler's conflicts and left-out channels.
    private func report(_ assembler: inout FieldAssembler, out: AsyncStream<IngestEvent>.Continuation) {
        for p in assembler.takeFixedPlates() { out.yield(.plateChannels(plate: p.plate, channels: p.channels, dna: p.dna)) }
        for c in assembler.takeConflicts() { out.yield(.conflict(c)) }
        for l in assembler.takeLeftOutChannels() { out.yield(.channelLeftOut(plate: l.plate, channel: l.channel)) }
    }

    private func fileName(_ rel: String) -> String {
        rel.split(separator: "/").last.map(String.init) ?? rel
    }
}
