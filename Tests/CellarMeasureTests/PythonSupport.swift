import Foundation
import CellarImage

/// Locates the Python interpreter for cross-checks: env `CELLAR_PYTHON`, else
/// `<package root>/.venv/bin/python`. Tests that need it are enabled when it exists or when
/// env `CI` is set (then a missing interpreter fails the test instead of skipping it).
enum PythonEnv {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var interpreter: String? {
        let env = ProcessInfo.processInfo.environment
        if let p = env["CELLAR_PYTHON"], !p.isEmpty { return p }
        let venv = packageRoot.appendingPathComponent(".venv/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : nil
    }

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty } ?? false }

    /// Run the Python tests: interpreter found, or CI (where absence must fail, not skip).
    static var enabled: Bool { interpreter != nil || isCI }

    struct Failure: Error, CustomStringConvertible { let description: String }

    /// Runs `script` with `args`; returns stdout. Throws with stderr on failure.
    static func run(script: String, args: [String]) throws -> Data {
        guard let py = interpreter else {
            throw Failure(description: "Python not found: set CELLAR_PYTHON or create \(packageRoot.path)/.venv (make test)")
        }
        let dir = try tempDir()
        let path = dir.appendingPathComponent("script.py")
        try script.write(to: path, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: py)
        p.arguments = [path.path] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(description: "python failed (\(p.terminationStatus)): \(String(decoding: errData, as: UTF8.self))")
        }
        return data
    }

    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("cellar-measure-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}

/// Little-endian raw dumps numpy reads with `fromfile`.
enum RawFile {
    static func write<P: PixelValue>(_ img: Image<P>, to url: URL) throws {
        var d = Data(capacity: img.count * MemoryLayout<P>.size)
        img.pixels.withUnsafeBufferPointer { d.append(UnsafeRawBufferPointer($0).bindMemory(to: UInt8.self)) }
        try d.write(to: url)
    }
}
