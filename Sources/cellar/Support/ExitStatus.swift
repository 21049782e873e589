import ArgumentParser
import CellarIngest
import CellarQuery
import CellarStore

/// The exit status of every command, one policy:
///
/// | status | meaning |
/// | --- | --- |
/// | 0 | done |
/// | 1 | done, but some inputs failed (files, fields, images), or another error |
/// | 2 | lookup error: an unknown plate, well, field, feature, query, parameter or run |
/// | 3 | the database cannot be opened or written: missing, not a database, locked by another writer, newer schema, disk full |
/// | 64 | usage error: a bad flag, value or setting (swift-argument-parser's EX_USAGE) |
enum ExitStatus {
    static let inputsFailed: Int32 = 1
    static let lookup: Int32 = 2
    static let database: Int32 = 3
    static let usage: Int32 = 64

    /// The status for an error that ends a command.
    static func code(for error: Error) -> Int32 {
        switch error {
        case let e as ExitCode: return e.rawValue
        case is StoreError: return database
        case let e as QueryError:
            if case .store = e { return database }
            return e.isLookupFailure ? lookup : inputsFailed
        case is SettingsError, is LayoutError, is ValidationErrorMessage, is ShardError: return usage
        default: return inputsFailed
        }
    }

    /// What `--help` says about exit statuses (the discussion of every command).
    static let help = "Exit status: 0 done; 1 done but some inputs failed; 2 unknown plate, well, field, feature, query or run; "
        + "3 the database cannot be opened or written (missing, not a database, locked, newer schema, disk full); 64 usage error."
}
