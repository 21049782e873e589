import Foundation
import GRDB
import Logging

/// An input database ready to ATTACH: its URI (read-only), or that of a migrated temporary copy.
struct MergeSource {
    var uri: String
    var migrated: Bool
    var temporaryDirectory: String?

    func cleanUp() {
        if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) }
    }

    /// Checks the input (exists, SQLite, Cellar, not newer); an older schema is backed up into
    /// a temporary directory and migrated there. O(1), or O(database size) for an older input.
    static func prepare(_ input: String, logger: Logger) throws(StoreError) -> MergeSource {
        do {
            let store = try Store.open(at: input, mode: .readOnly, logger: logger)
            try store.close()
            return MergeSource(uri: readOnlyURI(input), migrated: false, temporaryDirectory: nil)
        } catch .olderSchemaReadOnly(_, let pending) {
            logger.notice("\(input) has an older schema (missing \(pending.joined(separator: ", "))); merging from a migrated temporary copy")
        }
        let directory = NSTemporaryDirectory() + "cellar-merge-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let copy = directory + "/" + ((input as NSString).lastPathComponent)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var config = Configuration()
            config.readonly = true
            let from = try DatabaseQueue(path: readOnlyURI(input), configuration: config)
            let to = try DatabaseQueue(path: copy)
            try from.backup(to: to)
            try to.close()
            try from.close()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw Store.mapOpenError(error, path: input, mode: .readOnly)
        }
        do {
            let migrated = try Store.open(at: copy, mode: .readWrite, logger: logger)
            try migrated.close()
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        return MergeSource(uri: readOnlyURI(copy), migrated: true, temporaryDirectory: directory)
    }

    /// `file:…?mode=ro`, plus `immutable=1` in a directory nobody may write without a `-wal`
    /// (a read-only share: no process can be writing it; see `Store.open`).
    static func readOnlyURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        let encoded = absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute
        let directory = DatabaseFile.directory(of: absolute)
        let immutable = access(directory, W_OK) != 0 && !DatabaseFile.exists(absolute + "-wal")
        return "file:" + encoded + (immutable ? "?mode=ro&immutable=1" : "?mode=ro")
    }
}
