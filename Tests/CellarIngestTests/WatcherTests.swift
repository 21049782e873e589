import CellarImage
import Foundation
import Testing
@testable import CellarIngest

#if canImport(Glibc)
import Glibc
#endif

/// Real inotify and polling on temporary directories. Waits have generous deadlines that
/// only bound a failure; no test asserts a duration.
@Suite(.serialized) struct WatcherTests {
    private func start(_ w: Watcher) async throws -> (EventLog<WatchEvent>, Task<Void, Never>) {
        let (log, task) = collect(w.events())
        #expect(await log.waitFor { $0.contains { $0.isStarted } })
        return (log, task)
    }

    @Test func inotifyReportsFilesWrittenInPlaceAndRenamedWithTheirKeys() async throws {
        let t = try TempDir()
        defer { t.cleanup() }
        try t.mkdir("PlateA")
        let w = Watcher(root: t.path, mode: .inotify, settle: .seconds(2))
        #expect(w.backend == .inotify)
        let (log, task) = try await start(w)
        let bytes = try tiffBytes()
        t.write("PlateA/PA_B03_s2_w1.tif", bytes)                 // in place, then close
        t.writeThenRename("PlateA/PA_B03_s2_w2.tif", bytes)       // temp name, then rename
        try t.mkdir("PlateB/TimePoint_1")                          // new directories, watched recursively
        try await Task.sleep(for: .milliseconds(200))
        t.write("PlateB/TimePoint_1/PB_C01_s1_w1.tif", bytes)
        t.write("PlateA/.hidden_A01_s1_w1.tif", bytes)
        t.write("PlateA/PA_A01_s1_w1.tif.tmp", bytes)
        #expect(await log.waitFor { $0.compactMap(\.readyFile).count >= 3 })
        try await Task.sleep(for: .milliseconds(300))
        let files = await log.events.compactMap(\.readyFile)
        #expect(files.map(\.relativePath).sorted() == [
            "PlateA/PA_B03_s2_w1.tif", "PlateA/PA_B03_s2_w2.tif", "PlateB/TimePoint_1/PB_C01_s1_w1.tif",
        ])
        for f in files {
            #expect(f.size == Int64(bytes.count))
            let img = try ImageFile.read(f.path)
            #expect(img.width == 64 && img.height == 48)
        }
        let keys = files.compactMap { Layout.imageXpress.key(for: $0.relativePath) }
        #expect(Set(keys.map { "\($0.plate)/\($0.wellName)/\($0.site)/\($0.channel)" })
                == ["PA/B03/2/1", "PA/B03/2/2", "PB/C01/1/1"])
        w.stop()
        await task.value  // the stream ends promptly after stop()
    }

    @Test func slowlyWrittenFileIsNotReportedBeforeItIsComplete() async throws {
        let t = try TempDir()
        defer { t.cleanup() }
        let w = Watcher(root: t.path, mode: .inotify, settle: .milliseconds(300))
        let (log, task) = try await start(w)
        let bytes = try tiffBytes(width: 256, height: 256)
        let fd = open(t.path + "/P_A01_s1_w1.tif", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        #expect(fd >= 0)
        let half = bytes.count / 2
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, half) }
        try await Task.sleep(for: .seconds(1.5))   // well past `settle`: no close yet
        #expect(await log.events.compactMap(\.readyFile).isEmpty)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + half, bytes.count - half) }
        close(fd)
        #expect(await log.waitFor { !$0.compactMap(\.readyFile).isEmpty })
        let files = await log.events.compactMap(\.readyFile)
        #expect(files.count == 1)
        #expect(files.first?.size == Int64(bytes.count))
        #expect((try? ImageFile.read(files[0].path))?.width == 256)
        task.cancel()   // cancelling the consumer stops the watcher too
        await task.value
    }

    @Test func pollModeFindsExistingAndNewFiles() async throws {
        let t = try TempDir()
        defer { t.cleanup() }
        let bytes = try tiffBytes()
        try t.mkdir("P/sub")
        t.write("P/P_A01_s1_w1.tif", bytes)
        let w = Watcher(root: t.path, mode: .poll(interval: .milliseconds(200)), settle: .milliseconds(400))
        #expect(w.backend == .poll(interval: .milliseconds(200)))
        let (log, task) = try await start(w)
        t.write("P/sub/P_A02_s1_w1.tif", bytes)
        t.writeThenRename("P/P_A03_s1_w1.tif", bytes)
        t.write("P/.P_A04_s1_w1.tif", bytes)
        #expect(await log.waitFor { $0.compactMap(\.readyFile).count >= 3 })
        try await Task.sleep(for: .seconds(1))   // several more polls: nothing reported twice
        let files = await log.events.compactMap(\.readyFile).map(\.relativePath)
        #expect(files.sorted() == ["P/P_A01_s1_w1.tif", "P/P_A03_s1_w1.tif", "P/sub/P_A02_s1_w1.tif"])
        // Rewritten: reported again.
        t.write("P/P_A01_s1_w1.tif", bytes + [0])
        #expect(await log.waitFor { $0.compactMap(\.readyFile).count == 4 })
        w.stop()
        await task.value
    }

    @Test func symlinkLoopDoesNotHangTheWatcher() async throws {
        let t = try TempDir()
        defer { t.cleanup() }
        try t.mkdir("P/sub")
        #expect(symlink(t.path + "/P", t.path + "/P/sub/loop") == 0)
        let w = Watcher(root: t.path, mode: .inotify)
        let (log, task) = try await start(w)
        try t.mkdir("Q/deeper")
        #expect(symlink(t.path + "/Q", t.path + "/Q/deeper/up") == 0)
        t.write("P/sub/P_A01_s1_w1.tif", try tiffBytes())
        #expect(await log.waitFor { $0.compactMap(\.readyFile).count == 1 })
        w.stop()
        await task.value
    }

    @Test func networkFileSystemDetection() {
        #expect(Watcher.fileSystemType(of: "/") != nil)
        #expect(!Watcher.isNetworkFileSystem(FileManager.default.temporaryDirectory.path)
                || Watcher.fileSystemType(of: FileManager.default.temporaryDirectory.path)!.hasPrefix("fuse"))
    }
}

@Suite(.serialized) struct WatcherTreeTests {
    @Test func directoryMovedInAndRescanAreSettled() async throws {
        let t = try TempDir()
        let outside = try TempDir()
        defer { t.cleanup(); outside.cleanup() }
        let b = try tiffBytes()
        try outside.mkdir("Run7/sub")
        outside.write("Run7/sub/R7_A01_s1_w1.tif", b)
        try t.mkdir("old/deep")
        t.write("old/deep/O_A01_s1_w1.tif", b)   // there before the watch: not reported by inotify
        let w = Watcher(root: t.path, mode: .inotify, settle: .milliseconds(200))
        let (log, task) = collect(w.events())
        #expect(await log.waitFor { $0.contains { $0.isStarted } })
        #expect(rename(outside.path + "/Run7", t.path + "/Run7") == 0)
        #expect(await log.waitFor { $0.compactMap(\.readyFile).map(\.relativePath) == ["Run7/sub/R7_A01_s1_w1.tif"] })
        // A file written in the moved-in directory afterwards: watched there too.
        t.write("Run7/sub/R7_A02_s1_w1.tif", b)
        #expect(await log.waitFor { $0.compactMap(\.readyFile).count == 2 })
        // A re-list (as after IN_Q_OVERFLOW) finds the old file, and only it is new.
        w.rescan()
        #expect(await log.waitFor { $0.compactMap(\.readyFile).count == 3 })
        try await Task.sleep(for: .milliseconds(500))
        let all = await log.events.compactMap(\.readyFile).map(\.relativePath)
        #expect(all.sorted() == ["Run7/sub/R7_A01_s1_w1.tif", "Run7/sub/R7_A02_s1_w1.tif", "old/deep/O_A01_s1_w1.tif"])
        w.stop()
        await task.value
    }

    @Test func automaticModeOnALocalDiskUsesInotifyAndStopsPromptly() async throws {
        let t = try TempDir()
        defer { t.cleanup() }
        let w = Watcher(root: t.path)
        #expect(w.backend == .inotify)
        let (log, task) = collect(w.events())
        #expect(await log.waitFor { $0.contains { $0.isStarted } })
        w.stop()
        w.stop()
        await task.value
        // A second events() call gives a finished stream.
        for await _ in w.events() { Issue.record("second stream should be empty") }
    }
}
