import CellarIngest
import Foundation

/// A one-line progress display on standard error, redrawn in place on a
/// terminal and silent otherwise (logs and results stay clean for scripts).
struct ProgressLine: Sendable {
    let enabled: Bool

    init(enabled: Bool = isatty(STDERR_FILENO) == 1) { self.enabled = enabled }

    func show(_ p: IngestProgress, total: Int? = nil) {
        guard enabled else { return }
        var text = "fields \(p.fieldsDone + p.fieldsSkipped + p.fieldsFailed)/\(p.fieldsSeen)"
        text += String(format: "  %.1f fields/s  %.0f cells/s", p.fieldsPerSecond, p.cellsPerSecond)
        if p.fieldsSkipped > 0 { text += "  skipped \(p.fieldsSkipped)" }
        if p.fieldsFailed + p.otherFailures > 0 { text += "  failures \(p.fieldsFailed + p.otherFailures)" }
        if p.scanComplete, p.fieldsPerSecond > 0, p.fieldsPending > 0 {
            text += String(format: "  ETA %.0f s", Double(p.fieldsPending) / p.fieldsPerSecond)
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
