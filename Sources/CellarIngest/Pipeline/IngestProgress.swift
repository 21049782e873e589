import CellarStore

/// Counters of an ingest run, reported while it runs and at the end.
public struct IngestProgress: Sendable, Hashable {
    /// Fields handed on by the acquisition source.
    public var fieldsSeen = 0
    /// Fields stored with their cells in this run.
    public var fieldsDone = 0
    /// Fields already stored with the same files and parameters.
    public var fieldsSkipped = 0
    /// Fields recorded as failed in this run.
    public var fieldsFailed = 0
    /// Other failures recorded (unmatched names, fields without a DNA image).
    public var otherFailures = 0
    public var cells = 0
    /// Seconds since the run started.
    public var elapsed = 0.0
    /// Seconds spent after the first field was taken (throughput basis).
    public var processingSeconds = 0.0
    /// Whether the initial scan has been read completely.
    public var scanComplete = false

    public init() {}

    public var fieldsPerSecond: Double { processingSeconds > 0 ? Double(fieldsDone) / processingSeconds : 0 }
    public var cellsPerSecond: Double { processingSeconds > 0 ? Double(cells) / processingSeconds : 0 }
    /// Fields seen but not yet finished one way or another.
    public var fieldsPending: Int { max(0, fieldsSeen - fieldsDone - fieldsSkipped - fieldsFailed) }
}

/// The result of `IngestRunner.run`.
public struct IngestSummary: Sendable {
    public var progress: IngestProgress
    /// Summed stage timings over `progress.fieldsDone` fields (when profiling).
    public var times: StageTimes
    /// The layout that named the files (`imagexpress`, …), nil if none matched.
    public var layout: String?
    public var writer: WriterSummary
    /// Failures recorded in this run: (path, reason).
    public var failures: [(path: String, reason: String)]
    /// Whether the run stopped on request (signal) rather than by running out of input.
    public var stoppedEarly: Bool
    /// Image files (`.tif`, `.tiff`, `.png`) the initial scan found, matched or not.
    public var imagesFound = 0
}
