import CellarStore
import Foundation
/// A field whose images are all settled: what the pipeline segments.
public struct AssembledField: Sendable, CustomStringConvertible {
    public let id: FieldID
    /// The channel to segment.
    public let dnaChannel: ChannelID
    /// One settled file per channel.
    public let images: [ChannelID: ScannedFile]
    /// Channels of the plate's channel set this field lacks (empty when complete); only
    /// non-empty for a field handed on after the grace period without them.
    public let missingChannels: [ChannelID]

    /// The DNA image (always present in an assembled field).
    public var dnaImage: ScannedFile { images[dnaChannel]! }
    /// Channels in order (numeric first).
    public var channels: [ChannelID] { images.keys.sorted() }
    public var description: String { "\(id) [\(channels.map(\.name).joined(separator: ","))]" }
}

/// Two or more files naming one field and channel (e.g. ground-truth label images named
/// like the raw images in a sibling folder).
public struct FieldConflict: Sendable, Hashable {
    public let field: FieldID
    public let channel: ChannelID
    /// Every path claiming the slot, in the order they were found.
    public let paths: [String]
}

/// Groups settled files into fields (plate, well, site, z, timepoint) and hands a field
/// on once it has every channel of its plate's channel set.
///
/// The channel set of a plate:
/// - `channels` configured: that list (plus a configured DNA channel), always; files of other
///   channels are left out (``leftOutChannels`` says which, once per plate).
/// - otherwise learned: every channel seen on the plate so far. It becomes **fixed**
///   when the initial scan ends (`finishInitialScan`) for plates the scan saw, or, for a
///   plate first seen while watching, when its first field is handed on. Before it is
///   fixed a field is handed on only after `grace` without new files for it. While
///   watching, a plate's set is also fixed as soon as files of a *third* field arrive:
///   instruments write a site's channels together, so by then the first field's channels
///   are all known (for a plate acquired channel by channel the set is extended later
///   and the affected fields are handed on again). A channel appearing after the set
///   was fixed extends it.
///
/// DNA channel: `dnaChannel` if configured, else the plate's channel whose name says DNA
/// (`DAPI`, `Hoechst`, …), else its lowest channel.
///
/// After `grace` without new files, a field that has its DNA image but lacks other
/// channels is handed on anyway with `missingChannels`; one without its DNA image is
/// not handed on but listed in `missingDNA` (until its DNA image arrives).
/// A file for a field already handed on, with a new fingerprint or a new channel, hands
/// the field on again; the same file twice (scan and watcher overlap) is ignored.
/// Memory: one entry per field seen (its files' fingerprints).
public struct FieldAssembler: Sendable {
    public typealias Instant = ContinuousClock.Instant

    public let configuredChannels: [ChannelID]?
    public let configuredDNA: ChannelID?
    public let grace: Duration

    struct Pending: Sendable { var images: [ChannelID: ScannedFile]; var lastChange: Instant }
    struct Plate: Sendable { var channels: Set<ChannelID> = []; var fixed = false }

    private var pending: [FieldID: Pending] = [:]
    private var emitted: [FieldID: [ChannelID: ScannedFile]] = [:]
    private var plates: [String: Plate] = [:]
    /// Set once the initial scan is over: new plates then learn their channel set from
    /// the order files arrive in (see the type).
    private var learnsFromLiveFiles = false
    /// Fields waiting longer than `grace` without their DNA image, with the channels they have.
    public private(set) var missingDNA: [FieldID: [ChannelID]] = [:]

    public init(channels: [ChannelID]? = nil, dnaChannel: ChannelID? = nil, grace: Duration = .seconds(30)) {
        configuredChannels = channels.flatMap { $0.isEmpty ? nil : $0 }
        configuredDNA = dnaChannel
        self.grace = grace
    }

    public init(settings: IngestSettings) {
        self.init(channels: settings.channels, dnaChannel: settings.dnaChannel, grace: settings.effectiveGrace)
    }

    /// Fields waiting for files.
    public var pendingCount: Int { pending.count }
    /// Fields handed on so far.
    public var emittedCount: Int { emitted.count }

    /// The channel set a field of `plate` needs now (configured or learned), sorted.
    public func channelSet(forPlate plate: String) -> [ChannelID] {
        if let configuredChannels {
            let withDNA = configuredDNA.map { configuredChannels.contains($0) ? configuredChannels : configuredChannels + [$0] }
            return (withDNA ?? configuredChannels).sorted()
        }
        return (plates[plate]?.channels ?? []).sorted()
    }

    /// Whether the plate's channel set is settled (configured, or learned and fixed).
    public func isChannelSetFixed(forPlate plate: String) -> Bool {
        configuredChannels != nil || plates[plate]?.fixed == true
    }

    /// The DNA channel of `plate` (see the type's rule); nil before any channel is known.
    public func dnaChannel(forPlate plate: String) -> ChannelID? {
        if let configuredDNA { return configuredDNA }
        let set = channelSet(forPlate: plate)
        return set.first(where: \.looksLikeDNA) ?? set.first
    }

    /// Two or more files that name the same field and channel, found since the last
    /// `takeConflicts()`. Such a field is never handed on (again): nobody can tell which file
    /// is the image, so neither is used, and the caller records the field as failed.
    public private(set) var conflicts: [FieldConflict] = []
    /// Fields with a conflict, and the paths claiming each conflicting channel.
    private var conflicted: [FieldID: [ChannelID: [String]]] = [:]
    /// Channels whose files were left out because `channels` does not list them, found since
    /// the last `takeLeftOutChannels()` (each channel reported once per plate).
    public private(set) var leftOutChannels: [(plate: String, channel: ChannelID)] = []
    private var reportedLeftOut: Set<String> = []

    /// Returns and clears ``conflicts``.
    public mutating func takeConflicts() -> [FieldConflict] {
        defer { conflicts.removeAll() }
        return conflicts
    }

    /// Returns and clears ``leftOutChannels``.
    public mutating func takeLeftOutChannels() -> [(plate: String, channel: ChannelID)] {
        defer { leftOutChannels.removeAll() }
        return leftOutChannels
    }

    /// Whether a file of `channel` takes part in fields: always without configured channels,
    /// else when listed (or the configured DNA channel).
    public func uses(_ channel: ChannelID) -> Bool {
        guard let configuredChannels else { return true }
        return configuredChannels.contains(channel) || configuredDNA == channel
    }

    /// Adds one settled file; returns the fields it completes. O(channels).
    /// A file of a channel not in the configured `channels` is left out. A second file with
    /// the same field and channel under another path makes the field a ``FieldConflict``:
    /// neither file is used, now or later in this run.
    public mutating func add(_ file: ScannedFile, key: FileKey, at now: Instant) -> [AssembledField] {
        let id = key.field
        guard uses(key.channel) else {
            if reportedLeftOut.insert("\(id.plate)\u{0}\(key.channel.name.lowercased())").inserted {
                leftOutChannels.append((id.plate, key.channel))
            }
            return []
        }
        if var claims = conflicted[id] {
            var paths = claims[key.channel] ?? []
            if !paths.contains(file.path) {
                paths.append(file.path)
                claims[key.channel] = paths
                conflicted[id] = claims
                if paths.count > 1 { conflicts.append(FieldConflict(field: id, channel: key.channel, paths: paths)) }
            }
            return []
        }
        if let existing = emitted[id]?[key.channel] ?? pending[id]?.images[key.channel], existing.path != file.path {
            var claims = (emitted[id] ?? pending[id]?.images ?? [:]).mapValues { [$0.path] }
            claims[key.channel] = [existing.path, file.path]
            conflicted[id] = claims
            pending[id] = nil
            emitted[id] = nil
            missingDNA[id] = nil
            conflicts.append(FieldConflict(field: id, channel: key.channel, paths: [existing.path, file.path]))
            return []
        }
        var plate = plates[id.plate] ?? Plate()
        if !plate.channels.contains(key.channel) { plate.channels.insert(key.channel) }
        plates[id.plate] = plate

        if var done = emitted[id] {
            if done[key.channel]?.fingerprint == file.fingerprint { return [] }
            done[key.channel] = file
            emitted[id] = done
            return [assemble(id, images: done)].compactMap { $0 }
        }
        var p = pending[id] ?? Pending(images: [:], lastChange: now)
        if p.images[key.channel]?.fingerprint == file.fingerprint { return [] }
        p.images[key.channel] = file
        p.lastChange = now
        pending[id] = p
        if !isChannelSetFixed(forPlate: id.plate), learnsFromLiveFiles,
           pending.keys.lazy.filter({ $0.plate == id.plate }).count >= 3 {
            fix(id.plate)
            return decide(pending.keys.filter { $0.plate == id.plate }.sorted(), at: now)
        }
        return isChannelSetFixed(forPlate: id.plate) ? decide([id], at: now) : []
    }

    /// Plates whose channel set became fixed since the last `takeFixedPlates()`, with the set
    /// and the DNA channel: what the operator is told once per plate.
    public private(set) var fixedPlates: [(plate: String, channels: [ChannelID], dna: ChannelID?)] = []

    /// Returns and clears ``fixedPlates``.
    public mutating func takeFixedPlates() -> [(plate: String, channels: [ChannelID], dna: ChannelID?)] {
        defer { fixedPlates.removeAll() }
        return fixedPlates
    }

    private mutating func fix(_ plate: String) {
        guard plates[plate]?.fixed == false else { return }
        plates[plate]!.fixed = true
        fixedPlates.append((plate, channelSet(forPlate: plate), dnaChannel(forPlate: plate)))
    }

    /// The fields waiting for files, oldest first (at most `limit`), with the reason and when
    /// the grace rule decides them, and how many wait in all. O(pending log pending).
    public func waiting(at now: Instant, limit: Int = 50) -> (count: Int, fields: [WaitingField]) {
        let wall = Date()
        let ordered = pending.sorted { ($0.value.lastChange, $0.key) < ($1.value.lastChange, $1.key) }
        let fields = ordered.prefix(limit).map { id, p -> WaitingField in
            let present = p.images.keys.sorted()
            let needed = channelSet(forPlate: id.plate)
            let missing = needed.filter { p.images[$0] == nil }
            let deadline = p.lastChange + grace
            let until = wall.addingTimeInterval((deadline - now).seconds)
            let reason: String
            if let missingDNA = missingDNA[id] {
                return WaitingField(field: id.description, present: missingDNA.map(\.name), missing: missing.map(\.name),
                                    reason: "no DNA image (channel \(dnaChannel(forPlate: id.plate)?.name ?? "?")) after the grace period",
                                    until: nil)
            } else if !isChannelSetFixed(forPlate: id.plate) {
                reason = "learning plate \(id.plate)'s channels (so far \(needed.map(\.name).joined(separator: ", "))): "
                    + "decided after the grace period without new files, or when a third field's files arrive"
            } else {
                reason = "waiting for channel(s) \(missing.map(\.name).joined(separator: ", ")); handed on without them after the grace period"
            }
            return WaitingField(field: id.description, present: present.map(\.name), missing: missing.map(\.name),
                                reason: reason, until: until)
        }
        return (pending.count, fields)
    }

    /// Ends the initial scan: every plate seen so far gets its learned channel set fixed,
    /// and the fields complete under it are returned.
    public mutating func finishInitialScan(at now: Instant) -> [AssembledField] {
        for name in plates.keys.sorted() { fix(name) }
        learnsFromLiveFiles = true
        return decide(pending.keys.sorted(), at: now)
    }

    /// Applies the grace rules (see the type); call at `nextDeadline` or periodically.
    public mutating func tick(at now: Instant) -> [AssembledField] {
        decide(pending.keys.sorted(), at: now)
    }

    /// When `tick` can next hand something on or report a field.
    public var nextDeadline: Instant? {
        pending.filter { missingDNA[$0.key] == nil }.values.map { $0.lastChange + grace }.min()
    }

    /// Decides fields: complete ones under a fixed set go at once; fields quiet for
    /// `grace` are handed on (fixing a learned set) or reported as missing DNA.
    private mutating func decide(_ ids: [FieldID], at now: Instant) -> [AssembledField] {
        var out: [AssembledField] = []
        var fixedNow: Set<String> = []
        for id in ids {
            guard let p = pending[id] else { continue }
            let needed = Set(channelSet(forPlate: id.plate))
            let complete = needed.isSubset(of: p.images.keys)
            let quiet = p.lastChange + grace <= now
            let fixed = isChannelSetFixed(forPlate: id.plate)
            guard let dna = dnaChannel(forPlate: id.plate) else { continue }
            if p.images[dna] == nil {
                if quiet || (fixed && complete) { missingDNA[id] = p.images.keys.sorted() }
                continue
            }
            if (complete && fixed) || quiet {
                if !fixed { fix(id.plate); fixedNow.insert(id.plate) }
                if let f = assemble(id, images: p.images) { out.append(f) }
                pending[id] = nil
                emitted[id] = p.images
                missingDNA[id] = nil
            }
        }
        // A set fixed just now may complete other fields of the plate at once.
        if !fixedNow.isEmpty {
            let more = pending.keys.filter { fixedNow.contains($0.plate) }.sorted()
            out += decide(more, at: now)
        }
        return out
    }

    private func assemble(_ id: FieldID, images: [ChannelID: ScannedFile]) -> AssembledField? {
        guard let dna = dnaChannel(forPlate: id.plate), images[dna] != nil else { return nil }
        let missing = channelSet(forPlate: id.plate).filter { images[$0] == nil }
        return AssembledField(id: id, dnaChannel: dna, images: images, missingChannels: missing)
    }
}
