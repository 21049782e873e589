import CellarTestSupport
import Foundation

/// Paths into the repository's test corpus (`Tests/Corpus`).
enum TestData {
    static let root = URL(fileURLWithPath: TestEnvironment.corpus).standardizedFileURL

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Rows of a TSV file with a header line, `#` comments skipped.
    static func tsv(_ relative: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: path(relative), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        guard let header = lines.first?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) else { return [] }
        return lines.dropFirst().map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Dictionary(uniqueKeysWithValues: zip(header, cells))
        }
    }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
