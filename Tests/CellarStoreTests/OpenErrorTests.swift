import CellarStore
import Foundation
import Testing

@Suite struct OpenErrorTests {
    @Test func missingDatabaseReadOnlySaysHowToCreateIt() {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.file("none.db")
        let error = #expect(throws: StoreError.self) { try Store.open(at: path, mode: .readOnly) }
        #expect(error == .noDatabase(path: path))
        #expect(error?.description == "no database at \(path); create one with `cellar init \(path)`")
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))  // `touch none.db`
        #expect(throws: StoreError.noDatabase(path: path)) { try Store.open(at: path, mode: .readOnly) }
        #expect(throws: StoreError.noDirectory(path: tmp.file("sub/x.db"), directory: tmp.file("sub"))) {
            try Store.open(at: tmp.file("sub/x.db"), mode: .readWrite)
        }
    }

    @Test func notADatabase() throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.file("notes.db")
        try Data("plate,well,count\nP1,B03,250\n".utf8).write(to: URL(fileURLWithPath: path))
        for mode in [Store.Mode.readWrite, .readOnly] {
            let error = #expect(throws: StoreError.self) { try Store.open(at: path, mode: mode) }
            #expect(error == .notADatabase(path: path))
            #expect(error?.description.contains("is not a Cellar database") == true)
        }
        // The file is left untouched.
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("plate,well"))
    }

    @Test func truncatedDatabase() async throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.file("cut.db")
        do {
            let store = try Store.create(at: path)
            _ = try await writeFields(store, keys: keys(count: 40), cells: 100)
            try store.close()
        }
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        for cut in [size / 2 / 4096 * 4096, size - 1000] {
            #expect(truncate(path, off_t(cut)) == 0)
            for mode in [Store.Mode.readWrite, .readOnly] {
                let error = #expect(throws: StoreError.self) { try Store.open(at: path, mode: mode) }
                guard case .truncated(let p, let bytes, let expected)? = error else {
                    Issue.record("expected .truncated, got \(String(describing: error))")
                    continue
                }
                #expect(p == path && bytes == Int64(cut) && expected > bytes)
                #expect(error?.description.contains("is truncated") == true)
            }
        }
    }

    @Test func readOnlyDirectory() throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let existing = tmp.file("screen.db")
        do { try Store.create(at: existing).close() }
        let newPath = tmp.file("new.db")
        #expect(chmod(tmp.path, 0o555) == 0)
        // The probe drops to `nobody` when run as root, for whom permissions do not apply.
        for path in [newPath, existing] {
            let (status, output) = try Probe.run(["open", path, "rw", "--as-nobody"])
            #expect(status == 1)
            #expect(output.contains("error: cannot write \(path): directory \(tmp.path) is not writable"), "\(output)")
        }
        #expect(!FileManager.default.fileExists(atPath: newPath))
        // Reading still works.
        let (status, output) = try Probe.run(["open", existing, "ro", "--as-nobody"])
        #expect(status == 0 && output == "ok\n", "\(output)")
    }

    @Test func secondWriterIsRefusedReadersAreNot() throws {
        let tmp = TempDir()
        defer { tmp.cleanup() }
        let path = tmp.file("screen.db")
        do {
            let first = try Store.create(at: path)
            let error = #expect(throws: StoreError.self) { try Store.open(at: path, mode: .readWrite) }
            #expect(error == .lockedByWriter(path: path, lockFile: path + ".lock", pid: getpid()))
            _ = try Store.open(at: path, mode: .readOnly)
            withExtendedLifetime(first) {}
        }
        // Another process holds the writer lock.
        let holder = try Probe.start(["hold-lock", path])
        #expect(holder.readLine() == "locked")
        let error = #expect(throws: StoreError.self) { try Store.open(at: path, mode: .readWrite) }
        #expect(error == .lockedByWriter(path: path, lockFile: path + ".lock", pid: holder.process.processIdentifier))
        #expect(error?.description.contains("is open for writing by process \(holder.process.processIdentifier)") == true)
        #expect(try Store.open(at: path, mode: .readOnly).wellCounts().isEmpty)
        try holder.stdin.close()
        holder.process.waitUntilExit()
        // Released when the holder exits: now we can write.
        _ = try Store.open(at: path, mode: .readWrite)
    }
}
